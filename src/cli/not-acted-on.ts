/**
 * The keywords keepalived-ts reads but does not act on yet, as found in one configuration.
 * A keyword read and then ignored can make a director fail over wrongly without a word, so the
 * daemon names every one of them in one warning at start and at each reload (README: "Not
 * supported yet" lists the same). Pure: the configuration and the subsystems that run in, the
 * list out.
 */
import type { KeepalivedConfig } from '../config/model.js';

export interface NotActedOn {
  keyword: string;
  /** Where: `global_defs`, an instance, group or virtual server name. */
  where: string[];
}

type Probe = (c: KeepalivedConfig) => string[];

const instances = (c: KeepalivedConfig, test: (v: KeepalivedConfig['vrrp_instance'][number]) => boolean): string[] =>
  c.vrrp_instance.filter(test).map((v) => v.name);
const global = (test: (g: KeepalivedConfig['global_defs']) => boolean): Probe => (c) => (test(c.global_defs) ? ['global_defs'] : []);

/**
 * Process-wide keywords, whichever subsystems run. `net_namespace`: keepalived enters the named
 * namespace before it opens anything; the daemon stays in its own (`-t` does check in it).
 */
const processProbes: Record<string, Probe> = {
  net_namespace: (c) => (c.net_namespace !== undefined ? ['net_namespace'] : []),
  net_namespace_ipvs: (c) => (c.net_namespace_ipvs !== undefined ? ['net_namespace_ipvs'] : []),
};

/** VRRP keywords: checked when the VRRP side runs. */
const vrrpProbes: Record<string, Probe> = {
  'IPv6 vrrp_instance': (c) => instances(c, (v) => v.family === 'inet6'),
  'auth_type AH': (c) => instances(c, (v) => v.authentication?.auth_type === 'AH'),
  track_bfd: (c) => [...instances(c, (v) => v.track_bfd.length > 0), ...c.vrrp_sync_group.filter((g) => g.track_bfd.length > 0).map((g) => g.name)],
  bfd_instance: (c) => c.bfd_instance.map((b) => b.name),
  virtual_routes: (c) => instances(c, (v) => v.virtual_routes.length > 0),
  virtual_rules: (c) => instances(c, (v) => v.virtual_rules.length > 0),
  static_ipaddress: (c) => (c.static_ipaddress.length > 0 ? ['static_ipaddress'] : []),
  static_routes: (c) => (c.static_routes.length > 0 ? ['static_routes'] : []),
  static_rules: (c) => (c.static_rules.length > 0 ? ['static_rules'] : []),
  use_vmac: (c) => instances(c, (v) => v.use_vmac !== undefined),
  use_ipvlan: (c) => instances(c, (v) => v.use_ipvlan !== undefined),
  // keepalived drops traffic to the VIPs of a non-owner master in no_accept mode (firewall rules)
  'no_accept (no firewall rules are installed)': (c) => instances(c, (v) => v.accept === false && v.priority !== 255),
  vrrp_strict: global((g) => g.vrrp_strict),
  // the reader fills these from global_defs and garp_master_*: only values that differ were written
  garp_lower_prio_delay: (c) => [
    ...instances(c, (v) => v.garp_lower_prio_delay !== (c.global_defs.vrrp_garp_lower_prio_delay ?? v.garp_master_delay)),
    ...global((g) => g.vrrp_garp_lower_prio_delay !== undefined)(c),
  ],
  garp_lower_prio_repeat: (c) => [
    ...instances(c, (v) => v.garp_lower_prio_repeat !== (c.global_defs.vrrp_garp_lower_prio_repeat ?? v.garp_master_repeat)),
    ...global((g) => g.vrrp_garp_lower_prio_repeat !== undefined)(c),
  ],
  garp_extra_if: (c) => [...instances(c, (v) => v.garp_extra_if !== undefined), ...global((g) => g.vrrp_garp_extra_if !== undefined)(c)],
  garp_group: (c) => (c.garp_group.length > 0 ? ['garp_group'] : []),
  vrrp_min_garp: global((g) => g.vrrp_min_garp),
  notify_master_rx_lower_pri: (c) => instances(c, (v) => v.notify_master_rx_lower_pri !== undefined),
  notify_deleted: (c) => instances(c, (v) => v.notify_deleted !== undefined),
  'smtp_alert (VRRP)': (c) => [...instances(c, (v) => v.smtp_alert === true), ...c.vrrp_sync_group.filter((g) => g.smtp_alert === true).map((g) => g.name)],
  track_src_ip: (c) => instances(c, (v) => v.track_src_ip),
  unicast_fault_no_peer: (c) => instances(c, (v) => v.unicast_fault_no_peer),
  kernel_rx_buf_size: (c) => instances(c, (v) => v.kernel_rx_buf_size !== undefined),
  lvs_sync_daemon_interface: (c) => instances(c, (v) => v.lvs_sync_daemon_interface !== undefined),
  vrrp_startup_delay: global((g) => g.vrrp_startup_delay > 0),
  'vrrp_iptables / vrrp_ipsets / nftables': global((g) => g.vrrp_iptables !== undefined || g.vrrp_ipsets !== undefined || g.nftables !== undefined),
  'enable_snmp_* / enable_traps': global((g) => g.enable_snmp_vrrp || g.enable_snmp_rfc || g.enable_snmp_rfcv2 || g.enable_snmp_rfcv3 || g.enable_traps),
  enable_dbus: global((g) => g.enable_dbus),
  'notify_fifo_script / vrrp_notify_fifo_script': global((g) => g.notify_fifo_script !== undefined || g.vrrp_notify_fifo_script !== undefined),
  interface_up_down_delays: (c) => (c.interface_up_down_delays.length > 0 ? ['global_defs'] : []),
  linkbeat_interfaces: (c) => (c.linkbeat_interfaces.length > 0 ? ['linkbeat_interfaces'] : []),
  track_group: (c) => (c.track_group.length > 0 ? ['track_group'] : []),
};

const vsName = (vs: KeepalivedConfig['virtual_server'][number]): string =>
  vs.group !== undefined ? `group ${vs.group}` : vs.fwmark !== undefined ? `fwmark ${vs.fwmark}` : `${vs.ip ?? ''} ${vs.port ?? ''}`.trim();

/** Checker and IPVS keywords: checked when the checker side runs. */
const checkerProbes: Record<string, Probe> = {
  lvs_sync_daemon: global((g) => g.lvs_sync_daemon !== undefined),
  'smtp_alert (checkers)': (c) => c.virtual_server.filter((vs) => vs.smtp_alert === true || vs.real_server.some((rs) => rs.smtp_alert === true)).map(vsName),
  BFD_CHECK: (c) => c.virtual_server.filter((vs) => vs.real_server.some((rs) => rs.checkers.some((k) => k.type === 'BFD_CHECK'))).map(vsName),
  lvs_notify_fifo_script: global((g) => g.lvs_notify_fifo_script !== undefined),
  'enable_snmp_checker': global((g) => g.enable_snmp_checker),
};

/** `run.namespace`: the `-s/--namespace` option, not acted on either (it overrides `net_namespace`). */
export function notActedOn(c: KeepalivedConfig, run: { vrrp: boolean; checkers: boolean; namespace?: string }): NotActedOn[] {
  const out: NotActedOn[] = [];
  const scan = (probes: Record<string, Probe>): void => {
    for (const [keyword, probe] of Object.entries(probes)) {
      const where = probe(c);
      if (where.length > 0) out.push({ keyword, where: [...new Set(where)] });
    }
  };
  if (run.namespace !== undefined) out.push({ keyword: '-s/--namespace', where: [run.namespace] });
  scan(processProbes);
  if (run.vrrp) scan(vrrpProbes);
  if (run.checkers) scan(checkerProbes);
  return out;
}

/** The one warning line: `keywords read but not acted on yet: use_vmac (VI_1), ...`, or null. */
export function notActedOnWarning(list: readonly NotActedOn[]): string | null {
  if (list.length === 0) return null;
  return `keywords read but not acted on yet: ${list.map((n) => `${n.keyword} (${n.where.join(', ')})`).join('; ')}`;
}
