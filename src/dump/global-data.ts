/**
 * The "Global definitions" section every keepalived dump file starts with (core/global_data.c
 * dump_global_data()), as Debian's keepalived 2.2.7 build prints it: VRRP, LVS, BFD, SNMP,
 * DBus, nftables (libnftnl 1.2.3), VMAC, process tracking, and not the iptables or one-process
 * debug builds. The three processes print it alike but for two details: only the VRRP child
 * prints the default interface, and only it has resolved the lower-priority GARP settings.
 */
import { fmtF, fmtG, withIdentity } from './text.js';
import type { DumpFifo, DumpGlobals, DumpProcess, DumpProcessSettings } from './snapshot.js';

/** What Debian's build links (its `keepalived -v` output); printed as is. */
export const LibnftnlVersion = '1.2.3';
/** PARAMETER_UNSET as `%u`. */
const Unset = 4294967295;

const tf = (b: boolean): string => (b ? 'true' : 'false');
const tri = (b: boolean | null): string => (b === null ? 'unset' : b ? 'on' : 'off');

function fifo(out: string[], label: string, f: DumpFifo | undefined): void {
  if (!f) return;
  out.push(` ${label} = ${f.name}, uid:gid ${f.uid}:${f.gid}`);
  if (f.script) out.push(` ${label} script = ${withIdentity(f.script)}`);
}

function processLines(out: string[], label: string, p: DumpProcessSettings): void {
  out.push(` ${label} process priority = ${p.priority}`);
  out.push(` ${label} don't swap = ${tf(p.noSwap)}`);
  out.push(` ${label} realtime priority = ${p.realtimePriority}`);
  if (p.cpuAffinity?.length) out.push(` ${label} CPU Affinity = ${p.cpuAffinity.join(' ')}`);
  out.push(` ${label} realtime limit = ${p.realtimeLimit}`);
}

export function globalDataLines(g: DumpGlobals, process: DumpProcess): string[] {
  const out: string[] = ['------< Global definitions >------'];
  out.push(` Network namespace = ${g.networkNamespace ?? '(default)'}`);
  out.push(` Network namespace ipvs = ${g.networkNamespaceIpvs === undefined ? '(main namespace)' : g.networkNamespaceIpvs || '(default)'}`);
  if (g.instanceName !== undefined) out.push(` Instance name = ${g.instanceName}`);
  const names = g.processNames;
  if (names.parent !== undefined) out.push(` Parent process name = ${names.parent}`);
  if (names.vrrp !== undefined) out.push(` VRRP process name = ${names.vrrp}`);
  if (names.lvs !== undefined) out.push(` LVS process name = ${names.lvs}`);
  if (names.bfd !== undefined) out.push(` BFD process name = ${names.bfd}`);
  if (g.routerId !== undefined) out.push(` Router ID = ${g.routerId}`);
  if (g.smtpServer) {
    out.push(` Smtp server = ${g.smtpServer.address}`);
    out.push(` Smtp server port = ${g.smtpServer.port}`);
  }
  if (g.smtpHeloName !== undefined) out.push(` Smtp HELO name = ${g.smtpHeloName}`);
  if (g.smtpServer && g.smtpConnectTimeout) out.push(` Smtp server connection timeout = ${Math.floor(g.smtpConnectTimeout)}`);
  if (g.emailFrom !== undefined) {
    out.push(` Email notification from = ${g.emailFrom}`);
    out.push(' Email notification to:');
    for (const e of g.emails) out.push(`   ${e}`);
  }
  out.push(` Default smtp_alert = ${tri(g.smtpAlert)}`);
  out.push(` Default smtp_alert_vrrp = ${tri(g.smtpAlertVrrp)}`);
  out.push(` Default smtp_alert_checker = ${tri(g.smtpAlertChecker)}`);
  out.push(` Checkers log all failures = ${tf(g.checkerLogAllFailures)}`);
  out.push(g.reloadCheckConfig !== undefined ? ` Test config before reload, log to ${g.reloadCheckConfig}` : ' No test config before reload');
  if (g.reloadTimeFile) {
    out.push(` Reload time file = ${g.reloadTimeFile.path}${g.reloadTimeFile.repeat ? ' (repeat)' : ''}`);
    out.push(' No reload scheduled');
  }
  if (g.reloadFile !== undefined) out.push(` Reload_file = ${g.reloadFile}`);
  if (g.configSaveDirectory !== undefined) out.push(` config save directory = ${g.configSaveDirectory}`);
  if (g.dataUseInstance) out.push(' Use instance name in data dumps');
  if (g.startupScript) {
    out.push(` Startup script = ${withIdentity(g.startupScript.command)}, timeout ${g.startupScript.timeout}`);
  }
  if (g.shutdownScript) {
    // keepalived prints no comma before "timeout" here
    out.push(` Shutdown script = ${withIdentity(g.shutdownScript.command)} timeout ${g.shutdownScript.timeout}`);
  }
  out.push(` Dynamic interfaces = ${tf(g.dynamicInterfaces)}`);
  if (g.dynamicInterfaces) out.push(` Allow interface changes = ${tf(g.allowInterfaceChanges)}`);
  if (g.noEmailFaults) out.push(' Send emails for fault transitions = off');
  if (g.lvsTimeouts.tcp) out.push(` LVS TCP timeout = ${g.lvsTimeouts.tcp}`);
  if (g.lvsTimeouts.tcpfin) out.push(` LVS TCP FIN timeout = ${g.lvsTimeouts.tcpfin}`);
  // keepalived labels the UDP timeout "TCP" too
  if (g.lvsTimeouts.udp) out.push(` LVS TCP timeout = ${g.lvsTimeouts.udp}`);
  if (process === 'vrrp') out.push(` Default interface = ${g.defaultInterface}`);
  out.push(` Disable local IGMP = ${g.disableLocalIgmp ? 'yes' : 'no'}`);
  const syncd = g.lvsSyncDaemon;
  if (syncd) {
    if (syncd.vrrpInstance !== undefined) out.push(` LVS syncd vrrp ${process === 'checker' || process === 'parent' ? 'name' : 'instance'} = ${syncd.vrrpInstance}`);
    out.push(` LVS syncd interface = ${syncd.interface}`);
    out.push(` LVS syncd syncid = ${syncd.syncId}`);
    if (syncd.maxlen) out.push(` LVS syncd maxlen = ${syncd.maxlen}`);
    if (syncd.group !== undefined) out.push(` LVS mcast group ${syncd.group}`);
    if (syncd.port) out.push(` LVS syncd mcast port = ${syncd.port}`);
    if (syncd.ttl) out.push(` LVS syncd mcast ttl = ${syncd.ttl}`);
  }
  out.push(` LVS flush = ${tf(g.lvsFlush)}`);
  out.push(` LVS flush on stop = ${g.lvsFlushOnStop}`);
  fifo(out, 'Global notify fifo', g.notifyFifo);
  fifo(out, 'VRRP notify fifo', g.vrrpNotifyFifo);
  fifo(out, 'LVS notify fifo', g.lvsNotifyFifo);
  out.push(` FIFO write vrrp states on reload = ${tf(g.fifoWriteVrrpStatesOnReload)}`);
  out.push(` VRRP notify priority changes = ${tf(g.vrrpNotifyPriorityChanges)}`);
  out.push(` VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`);
  out.push(` VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`);
  out.push(` Gratuitous ARP delay = ${Math.floor(g.garpDelay)}`);
  out.push(` Gratuitous ARP repeat = ${g.garpRepeat}`);
  out.push(` Gratuitous ARP refresh timer = ${Math.floor(g.garpRefresh)}`);
  out.push(` Gratuitous ARP refresh repeat = ${g.garpRefreshRepeat}`);
  const lowerDelay = process === 'vrrp' ? g.garpLowerPrioDelay : null;
  const lowerRepeat = process === 'vrrp' ? g.garpLowerPrioRepeat : null;
  out.push(` Gratuitous ARP lower priority delay = ${lowerDelay === null ? Unset : Math.floor(lowerDelay)}`);
  out.push(` Gratuitous ARP lower priority repeat = ${lowerRepeat ?? Unset}`);
  out.push(` Num adverts before down = ${g.downTimerAdverts}`);
  out.push(` Gratuitous ARP for each secondary ${g.vmacGarpAllIf ? 'i/f' : 'VMAC'} = ${g.vmacGarpInterval}s`);
  out.push(` Send advert after receive lower priority advert = ${tf(!g.lowerPrioNoAdvert)}`);
  out.push(` Send advert after receive higher priority advert = ${tf(g.higherPrioSendAdvert)}`);
  out.push(` Gratuitous ARP interval = ${fmtF(g.garpInterval)}`);
  out.push(` Gratuitous NA interval = ${fmtF(g.gnaInterval)}`);
  out.push(` VRRP default protocol version = ${g.vrrpVersion}`);
  if (g.nftables) {
    out.push(` nftables table name = ${g.nftables.table}`);
    out.push(` nftables base chain priority = ${g.nftables.priority}`);
    out.push(` nftables ${g.nftables.ifindex ? '' : "don't "}force use ifindex for link local IPv6`);
  }
  if (g.nftablesIpvs) {
    out.push(` ipvs nftables table name = ${g.nftablesIpvs.table}`);
    out.push(` ipvs nftables base chain priority = ${g.nftablesIpvs.priority}`);
    out.push(` ipvs nftables start fwmark = ${g.nftablesIpvs.startFwmark}`);
  }
  out.push(` nftables with${g.nftablesCounters ? '' : 'out'} counters`);
  out.push(` libnftnl version ${LibnftnlVersion}`);
  out.push(` VRRP check unicast_src = ${tf(g.checkUnicastSrc)}`);
  out.push(` VRRP skip check advert addresses = ${tf(g.skipCheckAdvAddr)}`);
  out.push(` VRRP strict mode = ${tf(g.strict)}`);
  out.push(` Max auto priority = ${g.maxAutoPriority === -1 ? 'Disabled' : g.maxAutoPriority}`);
  out.push(` Min auto priority delay = ${g.minAutoPriorityDelayUs} usecs`);
  processLines(out, 'VRRP', g.vrrpProcess);
  processLines(out, 'Checker', g.checkerProcess);
  processLines(out, 'BFD', g.bfdProcess);
  const onOff = (b: boolean): string => (b ? 'enabled' : 'disabled');
  out.push(` SNMP vrrp ${onOff(g.snmp.vrrp)}`);
  out.push(` SNMP checker ${onOff(g.snmp.checker)}`);
  out.push(` SNMP RFCv2 ${onOff(g.snmp.rfcv2)}`);
  out.push(` SNMP RFCv3 ${onOff(g.snmp.rfcv3)}`);
  out.push(` SNMP traps ${onOff(g.snmp.traps)}`);
  out.push(` SNMP socket = ${g.snmp.socket ?? 'default (unix:/var/agentx/master)'}`);
  out.push(` DBus ${onOff(g.dbus.enabled)}`);
  out.push(` DBus service name = ${g.dbus.serviceName ?? ''}`);
  out.push(` Script security ${onOff(g.scriptSecurity)}`);
  if (g.defaultScriptIdentity) out.push(` Default script uid:gid ${g.defaultScriptIdentity.uid}:${g.defaultScriptIdentity.gid}`);
  const buf = (k: string): number => g.netlinkBuffers[k] ?? 0;
  for (const k of ['vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs', 'process_monitor_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs']) {
    out.push(` ${k} = ${buf(k)}`);
    out.push(` ${k}_force = ${buf(`${k}_force`)}`);
  }
  out.push(` rs_init_notifies = ${g.rsInitNotifies ? 1 : 0}`);
  out.push(` no_checker_emails = ${g.noCheckerEmails ? 1 : 0}`);
  if (g.rxBufsPolicy !== undefined) out.push(g.rxBufsPolicy === 'MTU' || g.rxBufsPolicy === 'ADVERT' ? ` rx_bufs_policy = ${g.rxBufsPolicy}` : ` rx_bufs_size = ${g.rxBufsPolicy}`);
  out.push(` rx_bufs_multiples = ${g.rxBufsMultiples}`);
  out.push(` umask = 0${g.umask.toString(8)}`);
  if (g.vrrpStartupDelay) out.push(` vrrp_startup_delay = ${fmtG(g.vrrpStartupDelay)}`);
  if (g.logUnknownVrids) out.push(' log_unknown_vrids');
  if (g.vmacPrefix !== undefined) out.push(` VMAC prefix = ${g.vmacPrefix}`);
  if (g.vmacAddrPrefix !== undefined) out.push(` VMAC address prefix = ${g.vmacAddrPrefix}`);
  return out;
}
