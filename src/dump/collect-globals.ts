/** global_defs as keepalived's dump_global_data() shows them (its defaults filled in). */
import type { KeepalivedConfig } from '../config/model.js';
import type { ScriptSpec } from '../config/parser.js';
import type { CollectContext } from './collect-context.js';
import type { DumpFifo, DumpGlobals, DumpProcessSettings } from './snapshot.js';

/** keepalived's umask default (S_IXUSR | S_IRWXG | S_IRWXO): dump files are rw------- */
export const DefaultUmask = 0o177;
/** RT_RLIMIT_DEFAULT. */
const RealtimeLimit = 10000;

function processSettings(priority: number | undefined, noSwap: boolean, rt: number | undefined, cpus: number[] | undefined, limit: number | undefined): DumpProcessSettings {
  return { priority: priority ?? 0, noSwap, realtimePriority: rt ?? 0, ...(cpus ? { cpuAffinity: cpus } : {}), realtimeLimit: limit ?? RealtimeLimit };
}

export function collectGlobals(c: KeepalivedConfig, ctx: CollectContext, umask: number | undefined): DumpGlobals {
  const g = c.global_defs;
  const extra = g as unknown as Record<string, unknown>;
  const fifo = (name: string | undefined, script: ScriptSpec | undefined): DumpFifo | undefined => {
    if (name === undefined) return undefined;
    const id = ctx.defaultIdentity ?? ctx.self;
    return { name, uid: id.uid, gid: id.gid, ...(script ? { script: ctx.command(script) } : {}) };
  };
  const netlink: Record<string, number> = {};
  for (const [k, v] of Object.entries(g.netlink_buffers)) netlink[k] = typeof v === 'boolean' ? Number(v) : v;
  const policy = g.vrrp_rx_bufs_policy;
  const lowerDelay = g.vrrp_garp_lower_prio_delay ?? g.vrrp_garp_master_delay;
  const lowerRepeat = g.vrrp_garp_lower_prio_repeat ?? g.vrrp_garp_master_repeat;
  const json = extra.json_version;
  return {
    ...(c.net_namespace !== undefined ? { networkNamespace: c.net_namespace } : {}),
    ...(c.net_namespace_ipvs !== undefined ? { networkNamespaceIpvs: c.net_namespace_ipvs } : {}),
    ...(c.instance !== undefined ? { instanceName: c.instance } : {}),
    processNames: {
      ...(g.process_name !== undefined ? { parent: g.process_name } : {}),
      ...(g.vrrp_process_name !== undefined ? { vrrp: g.vrrp_process_name } : {}),
      ...(g.checker_process_name !== undefined ? { lvs: g.checker_process_name } : {}),
      ...(g.bfd_process_name !== undefined ? { bfd: g.bfd_process_name } : {}),
    },
    routerId: g.router_id,
    ...(g.smtp_server !== undefined ? { smtpServer: { address: g.smtp_server, port: g.smtp_server_port ?? 25 } } : {}),
    ...(g.smtp_helo_name !== undefined ? { smtpHeloName: g.smtp_helo_name } : {}),
    smtpConnectTimeout: g.smtp_connect_timeout,
    ...(g.notification_email_from !== undefined ? { emailFrom: g.notification_email_from } : {}),
    emails: g.notification_email,
    smtpAlert: g.smtp_alert ?? null,
    smtpAlertVrrp: g.smtp_alert_vrrp ?? null,
    smtpAlertChecker: g.smtp_alert_checker ?? null,
    checkerLogAllFailures: g.checker_log_all_failures,
    ...(g.reload_check_config !== undefined ? { reloadCheckConfig: g.reload_check_config } : {}),
    ...(g.reload_time_file !== undefined ? { reloadTimeFile: { path: g.reload_time_file, repeat: g.reload_repeat } } : {}),
    ...(g.reload_file !== undefined ? { reloadFile: g.reload_file } : {}),
    ...(g.tmp_config_directory !== undefined ? { configSaveDirectory: g.tmp_config_directory } : {}),
    dataUseInstance: g.data_use_instance,
    ...(g.startup_script ? { startupScript: { command: ctx.command(g.startup_script), timeout: g.startup_script_timeout } } : {}),
    ...(g.shutdown_script ? { shutdownScript: { command: ctx.command(g.shutdown_script), timeout: g.shutdown_script_timeout } } : {}),
    dynamicInterfaces: g.dynamic_interfaces,
    allowInterfaceChanges: g.dynamic_interfaces_allow_if_changes ?? false,
    noEmailFaults: g.no_email_faults,
    lvsTimeouts: { ...g.lvs_timeouts },
    defaultInterface: g.default_interface ?? 'eth0',
    disableLocalIgmp: g.disable_local_igmp,
    ...(g.lvs_sync_daemon
      ? {
          lvsSyncDaemon: {
            interface: g.lvs_sync_daemon.interface,
            ...(g.lvs_sync_daemon.vrrp_instance !== undefined ? { vrrpInstance: g.lvs_sync_daemon.vrrp_instance } : {}),
            syncId: g.lvs_sync_daemon.id ?? 4294967295,
            ...(g.lvs_sync_daemon.maxlen !== undefined ? { maxlen: g.lvs_sync_daemon.maxlen } : {}),
            ...(g.lvs_sync_daemon.group !== undefined ? { group: g.lvs_sync_daemon.group } : {}),
            ...(g.lvs_sync_daemon.port !== undefined ? { port: g.lvs_sync_daemon.port } : {}),
            ...(g.lvs_sync_daemon.ttl !== undefined ? { ttl: g.lvs_sync_daemon.ttl } : {}),
          },
        }
      : {}),
    lvsFlush: g.lvs_flush,
    lvsFlushOnStop: g.lvs_flush_onstop ?? 'disabled',
    ...(g.notify_fifo !== undefined ? { notifyFifo: fifo(g.notify_fifo, g.notify_fifo_script)! } : {}),
    // keepalived drops a VRRP or LVS fifo that is the global one
    ...(g.vrrp_notify_fifo !== undefined && g.vrrp_notify_fifo !== g.notify_fifo ? { vrrpNotifyFifo: fifo(g.vrrp_notify_fifo, g.vrrp_notify_fifo_script)! } : {}),
    ...(g.lvs_notify_fifo !== undefined && g.lvs_notify_fifo !== g.notify_fifo ? { lvsNotifyFifo: fifo(g.lvs_notify_fifo, g.lvs_notify_fifo_script)! } : {}),
    fifoWriteVrrpStatesOnReload: g.fifo_write_vrrp_states_on_reload,
    vrrpNotifyPriorityChanges: g.vrrp_notify_priority_changes,
    vrrpMcastGroup4: g.vrrp_mcast_group4,
    vrrpMcastGroup6: g.vrrp_mcast_group6,
    garpDelay: g.vrrp_garp_master_delay,
    garpRepeat: g.vrrp_garp_master_repeat,
    garpRefresh: g.vrrp_garp_master_refresh,
    garpRefreshRepeat: g.vrrp_garp_master_refresh_repeat,
    garpLowerPrioDelay: lowerDelay,
    garpLowerPrioRepeat: lowerRepeat,
    downTimerAdverts: g.vrrp_down_timer_adverts,
    vmacGarpInterval: g.vrrp_garp_extra_if?.interval ?? 0,
    vmacGarpAllIf: g.vrrp_garp_extra_if?.all_vmacs === true,
    lowerPrioNoAdvert: g.vrrp_lower_prio_no_advert,
    higherPrioSendAdvert: g.vrrp_higher_prio_send_advert,
    garpInterval: g.vrrp_garp_interval,
    gnaInterval: g.vrrp_gna_interval,
    vrrpVersion: g.vrrp_version,
    ...(g.nftables !== undefined ? { nftables: { table: g.nftables, priority: g.nftables_priority ?? -1, ifindex: g.nftables_ifindex } } : {}),
    ...(g.nftables_ipvs !== undefined ? { nftablesIpvs: { table: g.nftables_ipvs, priority: g.nftables_ipvs_priority ?? -1, startFwmark: g.nftables_ipvs_start_fwmark ?? 1000 } } : {}),
    nftablesCounters: g.nftables_counters,
    checkUnicastSrc: g.vrrp_check_unicast_src,
    skipCheckAdvAddr: g.vrrp_skip_check_adv_addr,
    strict: g.vrrp_strict,
    maxAutoPriority: g.max_auto_priority ?? 0,
    minAutoPriorityDelayUs: g.min_auto_priority_delay ?? 1_000_000,
    vrrpProcess: processSettings(g.vrrp_priority, g.vrrp_no_swap, g.vrrp_rt_priority, g.vrrp_cpu_affinity, g.vrrp_rlimit_rttime),
    checkerProcess: processSettings(g.checker_priority, g.checker_no_swap, g.checker_rt_priority, g.checker_cpu_affinity, g.checker_rlimit_rttime),
    bfdProcess: processSettings(g.bfd_priority, g.bfd_no_swap, g.bfd_rt_priority, g.bfd_cpu_affinity, g.bfd_rlimit_rttime),
    snmp: {
      vrrp: g.enable_snmp_vrrp,
      checker: g.enable_snmp_checker,
      rfcv2: g.enable_snmp_rfcv2 || g.enable_snmp_rfc,
      rfcv3: g.enable_snmp_rfcv3 || g.enable_snmp_rfc,
      traps: g.enable_traps,
      ...(g.snmp_socket !== undefined ? { socket: g.snmp_socket } : {}),
    },
    dbus: { enabled: g.enable_dbus, ...(g.dbus_service_name !== undefined ? { serviceName: g.dbus_service_name } : {}) },
    scriptSecurity: g.enable_script_security,
    defaultScriptIdentity: ctx.defaultIdentity,
    netlinkBuffers: netlink,
    rsInitNotifies: g.rs_init_notifies,
    noCheckerEmails: g.no_checker_emails,
    ...(policy?.length ? { rxBufsPolicy: policy[0]! } : {}),
    rxBufsMultiples: g.vrrp_rx_bufs_multiplier ?? 3,
    umask: umask ?? g.umask ?? DefaultUmask,
    vrrpStartupDelay: g.vrrp_startup_delay,
    logUnknownVrids: g.log_unknown_vrids,
    ...(g.vmac_prefix !== undefined ? { vmacPrefix: g.vmac_prefix } : {}),
    ...(g.vmac_addr_prefix !== undefined ? { vmacAddrPrefix: g.vmac_addr_prefix } : {}),
    jsonVersion: json === 2 ? 2 : 1,
  };
}
