/**
 * /tmp/keepalived.data as keepalived 2.2.7's VRRP child writes it on SIGUSR1 (vrrp_print.c,
 * vrrp_data.c dump_data_vrrp()): the global definitions, the VRRP topology, socket pool, sync
 * groups, trackers and interfaces. keepalived writes one file per process on SIGUSR1: the
 * parent /tmp/keepalived_parent.data (global definitions only, formatParentData below), the
 * checker child /tmp/keepalived_check.data (check-data.ts); nothing is appended to another's.
 */
import { globalDataLines } from './global-data.js';
import { cmdStr, ctimeUs, fmtG, secUsec, stateText, withIdentity } from './text.js';
import type {
  DumpCommand,
  DumpInstance,
  DumpInterface,
  DumpNotifyScripts,
  DumpSnapshot,
  DumpSocket,
  DumpSyncGroup,
  DumpTrackRef,
  DumpTracking,
} from './snapshot.js';

const tf = (b: boolean): string => (b ? 'true' : 'false');
const rev = (r: boolean): string => (r ? ' reverse' : '');

/** `name weight N` (interfaces, scripts) or `name, weight N` (files, processes). */
function refs(out: string[], title: string, list: readonly DumpTrackRef[], comma: boolean): void {
  if (list.length === 0) return;
  out.push(`   ${title} :`);
  for (const r of list) out.push(`     ${r.name}${comma ? ',' : ''} weight ${r.weight}${rev(r.reverse)}`);
}

function tracking(out: string[], list: readonly DumpTracking[]): void {
  if (list.length === 0) return;
  out.push('   Tracking instances :');
  for (const t of list) out.push(`     ${t.instance}, weight ${t.weight}${rev(t.reverse)}`);
}

const notifyLine = (out: string[], c: DumpCommand | undefined, type: string): void => {
  if (c) out.push(`   ${type} state transition script = ${withIdentity(c)}`);
};

function notifyLines(out: string[], n: DumpNotifyScripts, instance: boolean): void {
  notifyLine(out, n.backup, 'Backup');
  notifyLine(out, n.master, 'Master');
  notifyLine(out, n.fault, 'Fault');
  notifyLine(out, n.stop, 'Stop');
  if (instance) notifyLine(out, n.deleted, 'Deleted');
  notifyLine(out, n.generic, 'Generic');
  if (instance) notifyLine(out, n.masterRxLowerPri, 'Master rx lower pri');
}

function instanceLines(out: string[], v: DumpInstance): void {
  out.push(` VRRP Instance = ${v.name}`);
  out.push(`   VRRP Version = ${v.version}`);
  if (v.syncGroup !== undefined) out.push(`   Sync group = ${v.syncGroup}`);
  if (v.family === 'inet6') out.push('   Using Native IPv6');
  out.push(`   State = ${stateText(v.state)}`);
  if (v.state === 'BACKUP') {
    out.push(`   Master router = ${v.masterAddress ?? '(null)'}`);
    out.push(`   Master priority = ${v.masterPriority}`);
    if (v.version === 3) out.push(`   Master advert int = ${(v.masterAdverIntUs / 1e6).toFixed(2)} sec`);
  }
  if (v.hasFlags) {
    out.push('   Flags:');
    if (v.unicast) out.push('     Using unicast');
    else if (v.unicastConfiguredOnly) out.push('     Unicast config option specified but using multicast');
    if (v.unicastFaultNoPeers) out.push('     If unicast go to fault state if no peers');
  } else out.push('   Flags: none');
  out.push(`   Wantstate = ${stateText(v.wantState)}`);
  out.push(`   Number of config faults = ${v.configFaults}`);
  out.push(`   Number of interface and track script faults = ${v.interfaceScriptFaults}`);
  out.push(`   Number of track scripts init = ${v.scriptsInit}`);
  out.push(`   Last transition = ${secUsec(v.lastTransitionUs)} (${ctimeUs(v.lastTransitionUs)})`);
  out.push(v.readTimeoutUs === null ? '   Read timeout = DISABLED' : `   Read timeout = ${secUsec(v.readTimeoutUs)} (${ctimeUs(v.readTimeoutUs)})`);
  out.push(`   Master down timer = ${v.masterDownTimerUs} usecs`);
  out.push(`   Interface = ${v.interface ?? 'not configured'}`);
  if (v.dontTrackPrimary) out.push('   VRRP interface tracking disabled');
  if (v.skipCheckAdvAddr) out.push('   Skip checking advert IP addresses');
  if (v.strict) out.push('   Enforcing strict VRRP compliance');
  out.push(`   Using src_ip = ${v.sourceAddress ?? '(none)'}${v.sourceFromConfig ? ' (from configuration)' : ''}`);
  if (!v.unicast) out.push(`   Multicast address ${v.multicastGroup}`);
  out.push(`   Gratuitous ARP delay = ${Math.floor(v.garpDelay)}`);
  out.push(`   Gratuitous ARP repeat = ${v.garpRepeat}`);
  out.push(`   Gratuitous ARP refresh = ${Math.floor(v.garpRefresh)}`);
  out.push(`   Gratuitous ARP refresh repeat = ${v.garpRefreshRepeat}`);
  out.push(`   Gratuitous ARP lower priority delay = ${Math.floor(v.garpLowerPrioDelay)}`);
  out.push(`   Gratuitous ARP lower priority repeat = ${v.garpLowerPrioRepeat}`);
  out.push(`   Down timer adverts = ${v.downTimerAdverts}`);
  out.push(`   Send advert after receive lower priority advert = ${tf(!v.lowerPrioNoAdvert)}`);
  out.push(`   Send advert after receive higher priority advert = ${tf(v.higherPrioSendAdvert)}`);
  out.push(`   Virtual Router ID = ${v.vrid}`);
  out.push(`   Priority = ${v.basePriority}`);
  out.push(`   Effective priority = ${v.effectivePriority}`);
  out.push(`   Total priority = ${v.totalPriority}`);
  out.push(v.version === 2 ? `   Advert interval = ${Math.floor(v.advertIntUs / 1e6)} sec` : `   Advert interval = ${Math.floor(v.advertIntUs / 1000)} milli-sec`);
  if (v.state === 'BACKUP' && v.version === 3) out.push(`   Master advert interval = ${Math.floor(v.masterAdverIntUs / 1000)} milli-sec`);
  out.push(`   Accept = ${v.accept ? 'enabled' : 'disabled'}`);
  out.push(`   Preempt = ${v.nopreempt ? 'disabled' : 'enabled'}`);
  if (v.preemptDelay) out.push(`   Preempt delay = ${fmtG(v.preemptDelay)} secs`);
  out.push(`   Promote_secondaries = ${v.promoteSecondaries ? 'enabled' : 'disabled'}`);
  if (v.auth.type !== 'none') {
    out.push(`   Authentication type = ${v.auth.type === 'ah' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    if (v.auth.type === 'pass') out.push(`   Password = ${v.auth.password}`);
  } else if (v.version === 2) out.push('   Authentication type = none');
  if (v.kernelRxBufSize) out.push(`   Kernel rx buffer size = ${v.kernelRxBufSize}`);
  if (v.debug) out.push(`   Debug level = ${v.debug}`);
  if (v.vips.length) {
    out.push(`   Virtual IP (${v.vips.length}):`);
    for (const a of v.vips) out.push(`     ${a}`);
  }
  if (v.evips.length) {
    out.push('   Virtual IP Excluded :');
    for (const a of v.evips) out.push(`     ${a}`);
  }
  if (v.unicast) {
    if (v.unicastTtl !== -1) out.push(`   Unicast TTL = ${v.unicastTtl}`);
    out.push(`   Check unicast src : ${v.checkUnicastSrc ? 'yes' : 'no'}`);
    out.push('   Unicast Peer :');
    for (const p of v.unicastPeers) out.push(`     ${p.address} min_ttl ${p.minTtl} max_ttl ${p.maxTtl}`);
    out.push(`   Unicast checksum compatibility = ${v.unicastChecksumCompat}`);
  }
  out.push(v.sockets ? `   fd_in ${v.sockets.fdIn}, fd_out ${v.sockets.fdOut}` : '   No sockets allocated');
  if (v.vroutes.length) {
    out.push('   Virtual Routes :');
    for (const r of v.vroutes) out.push(`     ${r}`);
  }
  if (v.vrules.length) {
    out.push('   Virtual Rules :');
    for (const r of v.vrules) out.push(`     ${r}`);
  }
  refs(out, 'Tracked interfaces', v.trackInterfaces, false);
  refs(out, 'Tracked scripts', v.trackScripts, false);
  refs(out, 'Tracked files', v.trackFiles, true);
  refs(out, 'Tracked processes', v.trackProcesses, true);
  out.push(`   Using smtp notification = ${v.smtpAlert ? 'yes' : 'no'}`);
  out.push(`   Notify deleted = ${v.notifyDeleted ? 'Deleted' : 'Fault'}`);
  notifyLines(out, v.notify, true);
  out.push(`   Notify priority changes = ${tf(v.notifyPriorityChanges)}`);
}

function socketLines(out: string[], s: DumpSocket): void {
  out.push(` fd_in ${s.fdIn} fd_out = ${s.fdOut}`);
  out.push(`   Interface = ${s.interface}`);
  out.push(`   Family = ${s.family === 'inet' ? 'IPv4' : 'IPv6'}`);
  out.push('   Protocol = VRRP');
  out.push(`   Type = ${s.unicastSource !== undefined ? 'Un' : 'Mult'}icast`);
  if (s.unicastSource !== undefined) out.push(`   Address = ${s.unicastSource}`);
  out.push(`   Rx buf size = ${s.rxBufSize}`);
  out.push('   VRRP instances');
  for (const i of s.instances) out.push(`     ${i.name} vrid ${i.vrid}`);
}

function syncGroupLines(out: string[], g: DumpSyncGroup): void {
  out.push(` VRRP Sync Group = ${g.name}, ${stateText(g.state)}`);
  out.push(`   Num member fault ${g.numMemberFault}, num member init ${g.numMemberInit}`);
  if (g.members.length) {
    out.push('   VRRP member instances :');
    for (const m of g.members) out.push(`     ${m}`);
  }
  if (g.trackingWeight) out.push('   sync group tracking weight set');
  out.push(`   Using smtp notification = ${g.smtpAlert ? 'yes' : 'no'}`);
  if (g.notifyPriorityChanges !== undefined) out.push(`   Notify priority changes = ${g.notifyPriorityChanges ? 'yes' : 'no'}`);
  refs(out, 'Tracked interfaces', g.trackInterfaces, false);
  refs(out, 'Tracked scripts', g.trackScripts, false);
  refs(out, 'Tracked files', g.trackFiles, true);
  // keepalived's singular "process" here
  refs(out, 'Tracked process', g.trackProcesses, true);
  notifyLines(out, g.notify, false);
}

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_POINTOPOINT = 0x10;
const IFF_RUNNING = 0x40;
const IFF_NOARP = 0x80;
const IFF_MULTICAST = 0x1000;

function interfaceLines(out: string[], i: DumpInterface): void {
  out.push(` Name = ${i.name}`);
  out.push(`   index = ${i.index}${i.index ? '' : ' (deleted)'}`);
  out.push(`   IPv4 address = ${i.ipv4 ?? '(none)'}`);
  if (i.ipv4Extra.length) {
    out.push('   Additional IPv4 addresses :');
    for (const a of i.ipv4Extra) out.push(`     ${a}`);
  }
  out.push(`   IPv6 address = ${i.ipv6 ?? '(none)'}`);
  if (i.ipv6Extra.length) {
    out.push('   Additional IPv6 addresses :');
    for (const a of i.ipv6Extra) out.push(`     ${a}`);
  }
  if (i.mac !== undefined) {
    out.push(`   MAC = ${i.mac}`);
    out.push(`   MAC broadcast = ${i.macBroadcast ?? ''}`);
  }
  const f = i.flags;
  out.push(
    `   State = ${f & IFF_UP ? '' : 'not '}UP, ${f & IFF_RUNNING ? '' : 'not '}RUNNING` +
      `${f & IFF_BROADCAST ? '' : ', no broadcast'}${f & IFF_LOOPBACK ? ', loopback' : ''}${f & IFF_POINTOPOINT ? ', point to point' : ''}` +
      `${f & IFF_NOARP ? ', no arp' : ''}${f & IFF_MULTICAST ? '' : ', no multicast'}`,
  );
  out.push(`   Seen up = ${i.seenUp ? 1 : 0}`);
  out.push('   Delayed state change running = false');
  out.push(`   Up debounce timer = ${i.upDebounceUs}us`);
  out.push(`   Down debounce timer = ${i.downDebounceUs}us`);
  out.push(`   MTU = ${i.mtu}`);
  // keepalived logs (does not write) the INFINIBAND line
  if (i.hwType === 772) out.push('   HW Type = LOOPBACK');
  else if (i.hwType === 1) out.push('   HW Type = ETHERNET');
  else if (i.hwType !== 32) out.push(`   HW Type = UNKNOWN (${i.hwType})`);
  out.push(i.linkbeatPolling ? '   NIC ioctl refresh polling' : '   NIC netlink status update');
  out.push(`   Reset ARP config counter ${i.resetArpConfig}`);
  out.push(`   Original arp_ignore ${i.arpIgnore}`);
  out.push(`   Original arp_filter ${i.arpFilter}`);
  out.push(`   Original promote_secondaries ${i.promoteSecondaries}`);
  out.push(`   Reset promote_secondaries counter ${i.resetPromoteSecondaries}`);
  if (i.tracking.length) {
    out.push('   Tracking VRRP instances :');
    for (const t of i.tracking) out.push(`     ${t.instance}, weight ${t.weight}${rev(t.reverse)}`);
  }
}

function section<T>(out: string[], title: string, list: readonly T[], lines: (out: string[], x: T) => void): void {
  if (list.length === 0) return;
  out.push(`------< ${title} >------`);
  for (const x of list) lines(out, x);
}

const text = (lines: string[]): string => `${lines.join('\n')}\n`;

/** The text of /tmp/keepalived.data (the VRRP process's SIGUSR1 dump). */
export function formatVrrpData(s: DumpSnapshot): string {
  const out = globalDataLines(s.globals, 'vrrp');
  section(out, 'Static Addresses', s.staticAddresses, (o, a) => o.push(`     ${a}`));
  section(out, 'VRRP Topology', s.instances, instanceLines);
  section(out, 'VRRP Sockpool', s.sockets, socketLines);
  section(out, 'VRRP Sync groups', s.syncGroups, syncGroupLines);
  section(out, 'VRRP Scripts', s.scripts, (o, sc) => {
    o.push(` VRRP Script = ${sc.name}`);
    o.push(`   Command = ${cmdStr(sc.command.args)}`);
    o.push(`   Interval = ${Math.floor(sc.interval)} sec`);
    o.push(`   Timeout = ${Math.floor(sc.timeout)} sec`);
    o.push(`   Weight = ${sc.weight}${rev(sc.reverse)}`);
    o.push(`   Rise = ${sc.rise}`);
    o.push(`   Fall = ${sc.fall}`);
    o.push(`   Result = ${sc.result}`);
    o.push(`   Insecure = ${sc.insecure ? 'yes' : 'no'}`);
    o.push(`   Init state = ${sc.initState}`);
    o.push(`   Status = ${sc.result >= sc.rise ? 'GOOD' : 'BAD'}`);
    o.push(`   Script uid:gid = ${sc.command.uid}:${sc.command.gid}`);
    o.push('   VRRP instances :');
    tracking(o, sc.tracking);
    o.push(`   State = ${sc.running}`);
  });
  section(out, 'VRRP Track files', s.trackFiles, (o, f) => {
    o.push(` Track file = ${f.name}`);
    o.push(`   File = ${f.path}`);
    o.push(`   Status = ${f.status}`);
    o.push(`   Weight = ${f.weight}${rev(f.reverse)}`);
    tracking(o, f.tracking);
  });
  section(out, 'VRRP Track processes', s.trackProcesses, (o, p) => {
    o.push(` VRRP Track process = ${p.name}`);
    o.push(`   Process = ${p.process}`);
    if (p.params !== undefined) o.push(`   Parameters = ${p.params}`);
    if (p.paramMatch !== undefined) o.push(`   Param match${p.paramMatch === 'exact' ? '' : ` = ${p.paramMatch}`}`);
    o.push(`   Min processes = ${p.quorum}`);
    if (p.quorumMax !== undefined) o.push(`   Max processes = ${p.quorumMax}`);
    o.push(`   Current processes = ${p.current}`);
    o.push(`   Have quorum = ${tf(p.haveQuorum)}`);
    o.push(`   Weight = ${p.weight}${rev(p.reverse)}`);
    o.push(`   Terminate delay = ${p.terminateDelay.toFixed(6)}s`);
    o.push(`   Fork delay = ${p.forkDelay.toFixed(6)}s`);
    o.push(`   Fork delay timer ${p.forkTimerRunning ? '' : 'not '}running`);
    o.push(`   Terminate delay timer ${p.terminateTimerRunning ? '' : 'not '}running`);
    o.push(`   Full command = ${tf(p.fullCommand)}`);
    tracking(o, p.tracking);
  });
  section(out, 'Interfaces', s.interfaces, interfaceLines);
  return text(out);
}

/** The text of /tmp/keepalived_parent.data (the parent process's SIGUSR1 dump). */
export function formatParentData(s: DumpSnapshot): string {
  return text(globalDataLines(s.globals, 'parent'));
}
