/**
 * `global_defs { }` and the other top-level keywords keepalived reads in its global pass
 * (keepalived: core/global_parser.c `init_global_keywords()`).
 */
import { Grade } from '../diagnostics.js';
import { isMulticast, isLinkLocal, parseIp, formatIp } from '../address.js';
import { block, type Handler, type KeywordTable } from '../parser.js';
import type { ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { parseBool, readInt, readUnsigned } from '../values.js';
import { choice, flag, int, script, seconds, str, uint, words } from './kw.js';

export interface LvsSyncDaemon {
  interface: string;
  vrrp_instance?: string;
  id?: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

export interface LvsTimeouts {
  tcp?: number;
  tcpfin?: number;
  udp?: number;
}

export interface GlobalDefs {
  router_id: string;
  notification_email: string[];
  notification_email_from?: string;
  smtp_server?: string;
  smtp_server_port?: number;
  smtp_helo_name?: string;
  /** Seconds. */
  smtp_connect_timeout: number;
  smtp_alert?: boolean;
  smtp_alert_vrrp?: boolean;
  smtp_alert_checker?: boolean;
  no_email_faults: boolean;
  checker_log_all_failures: boolean;
  startup_script?: ScriptSpec;
  startup_script_timeout: number;
  shutdown_script?: ScriptSpec;
  shutdown_script_timeout: number;
  process_names: boolean;
  process_name?: string;
  vrrp_process_name?: string;
  checker_process_name?: string;
  bfd_process_name?: string;
  max_auto_priority?: number;
  min_auto_priority_delay?: number;
  dynamic_interfaces: boolean;
  dynamic_interfaces_allow_if_changes?: boolean;
  default_interface?: string;
  disable_local_igmp: boolean;
  lvs_timeouts?: LvsTimeouts;
  lvs_flush: boolean;
  /** `full` (no argument): one FLUSH at stop; `VS`: only the services removed. */
  lvs_flush_onstop?: 'full' | 'VS';
  lvs_sync_daemon?: LvsSyncDaemon;
  vrrp_mcast_group4: string;
  vrrp_mcast_group6: string;
  /** Seconds. */
  vrrp_garp_master_delay: number;
  vrrp_garp_master_repeat: number;
  vrrp_garp_master_refresh: number;
  vrrp_garp_master_refresh_repeat: number;
  vrrp_garp_lower_prio_delay?: number;
  vrrp_garp_lower_prio_repeat?: number;
  vrrp_down_timer_adverts: number;
  vrrp_garp_interval: number;
  vrrp_gna_interval: number;
  vrrp_min_garp: boolean;
  vrrp_garp_extra_if?: { interval: number; all_vmacs: boolean };
  vrrp_lower_prio_no_advert: boolean;
  /** keepalived 2.2.8+: the default of the instance keyword v3_checksum_as_v2. */
  v3_checksum_as_v2: boolean;
  vrrp_higher_prio_send_advert: boolean;
  vrrp_version: 2 | 3;
  vrrp_iptables?: string[];
  vrrp_ipsets?: string[];
  nftables?: string;
  nftables_priority?: number;
  nftables_ifindex: boolean;
  nftables_ipvs?: string;
  nftables_ipvs_priority?: number;
  nftables_ipvs_start_fwmark?: number;
  nftables_counters: boolean;
  vrrp_check_unicast_src: boolean;
  vrrp_skip_check_adv_addr: boolean;
  vrrp_strict: boolean;
  vrrp_priority?: number;
  vrrp_no_swap: boolean;
  vrrp_rt_priority?: number;
  vrrp_cpu_affinity?: number[];
  vrrp_rlimit_rttime?: number;
  checker_priority?: number;
  checker_no_swap: boolean;
  checker_rt_priority?: number;
  checker_cpu_affinity?: number[];
  checker_rlimit_rttime?: number;
  bfd_priority?: number;
  bfd_no_swap: boolean;
  bfd_rt_priority?: number;
  bfd_cpu_affinity?: number[];
  bfd_rlimit_rttime?: number;
  notify_fifo?: string;
  notify_fifo_script?: ScriptSpec;
  vrrp_notify_fifo?: string;
  vrrp_notify_fifo_script?: ScriptSpec;
  vrrp_notify_priority_changes: boolean;
  fifo_write_vrrp_states_on_reload: boolean;
  lvs_notify_fifo?: string;
  lvs_notify_fifo_script?: ScriptSpec;
  snmp_socket?: string;
  enable_traps: boolean;
  enable_snmp_vrrp: boolean;
  enable_snmp_checker: boolean;
  enable_snmp_rfc: boolean;
  enable_snmp_rfcv2: boolean;
  enable_snmp_rfcv3: boolean;
  enable_dbus: boolean;
  dbus_service_name?: string;
  script_user?: { user: string; group?: string };
  enable_script_security: boolean;
  rs_init_notifies: boolean;
  no_checker_emails: boolean;
  vrrp_rx_bufs_policy?: string[];
  vrrp_rx_bufs_multiplier?: number;
  vrrp_startup_delay: number;
  log_unknown_vrids: boolean;
  vmac_prefix?: string;
  vmac_addr_prefix?: string;
  umask?: number;
  random_seed?: number;
  reload_check_config?: string;
  reload_time_file?: string;
  reload_repeat: boolean;
  reload_file?: string;
  include_check?: string[];
  config_save_dir?: string;
  tmp_config_directory?: string;
  data_use_instance: boolean;
  /** Netlink buffer sizes (vrrp_netlink_cmd_rcv_bufs etc.), by keyword. */
  netlink_buffers: Record<string, number | boolean>;
}

/** Top-level settings outside global_defs. */
export interface RootSettings {
  net_namespace?: string;
  net_namespace_ipvs?: string;
  namespace_with_ipsets?: boolean;
  use_pid_dir?: boolean;
  instance?: string;
  child_wait_time?: number;
  linkbeat_use_polling?: boolean;
}

export function defaultGlobalDefs(hostname: string): GlobalDefs {
  return {
    router_id: hostname,
    notification_email: [],
    smtp_connect_timeout: 30,
    no_email_faults: false,
    checker_log_all_failures: false,
    startup_script_timeout: 10,
    shutdown_script_timeout: 10,
    process_names: false,
    dynamic_interfaces: false,
    disable_local_igmp: false,
    lvs_flush: false,
    vrrp_mcast_group4: '224.0.0.18',
    vrrp_mcast_group6: 'ff02::12',
    vrrp_garp_master_delay: 5,
    vrrp_garp_master_repeat: 5,
    vrrp_garp_master_refresh: 0,
    vrrp_garp_master_refresh_repeat: 1,
    vrrp_down_timer_adverts: 3,
    vrrp_garp_interval: 0,
    vrrp_gna_interval: 0,
    vrrp_min_garp: false,
    vrrp_lower_prio_no_advert: false,
    v3_checksum_as_v2: false,
    vrrp_higher_prio_send_advert: false,
    vrrp_version: 2,
    nftables_ifindex: false,
    nftables_counters: false,
    vrrp_check_unicast_src: false,
    vrrp_skip_check_adv_addr: false,
    vrrp_strict: false,
    vrrp_no_swap: false,
    checker_no_swap: false,
    bfd_no_swap: false,
    vrrp_notify_priority_changes: false,
    fifo_write_vrrp_states_on_reload: false,
    enable_traps: false,
    enable_snmp_vrrp: false,
    enable_snmp_checker: false,
    enable_snmp_rfc: false,
    enable_snmp_rfcv2: false,
    enable_snmp_rfcv3: false,
    enable_dbus: false,
    enable_script_security: false,
    rs_init_notifies: false,
    no_checker_emails: false,
    vrrp_startup_delay: 0,
    log_unknown_vrids: false,
    reload_repeat: false,
    data_use_instance: false,
    netlink_buffers: {},
  };
}

type G = GlobalDefs;

function mcastGroup(family: 'inet' | 'inet6'): Handler<G> {
  return (g, st, p) => {
    const kw = st.words[0]!;
    const a = st.words[1] === undefined ? null : parseIp(st.words[1]);
    if (!a) p.error(`Can't parse ${kw} [${st.words[1] ?? ''}] - skipping`);
    else if (a.family !== family) p.error(`${kw} [${st.words[1]}] is not ${family === 'inet' ? 'IPv4' : 'IPv6'} - skipping`);
    else if (!isMulticast(a)) p.error(`${kw} [${st.words[1]}] is not multicast - skipping`);
    else {
      if (family === 'inet6' && !(a.bytes[0] === 0xff && ((a.bytes[1] ?? 0) & 0x0f) === 2)) {
        p.warn(`${kw} [${st.words[1]}] should be link-local multicast`);
      }
      (g as unknown as Record<string, unknown>)[kw] = formatIp(a);
    }
  };
}

/** A value that keepalived checks with its own message (`'x' invalid - ignoring`). */
function checked(min: number, max: number, unit: 'int' | 'seconds' = 'int', atLeastOne = false): Handler<G> {
  return (g, st, p) => {
    const kw = st.words[0]!;
    const w = st.words[1] ?? p.missingParameter();
    const v = Number(w);
    const ok = w !== undefined && /^[0-9]+(\.[0-9]+)?$/.test(w) && (unit === 'seconds' || Number.isInteger(v)) && v >= min && v <= max;
    if (!ok) {
      p.error(`${kw} '${w ?? ''}' invalid - ignoring`);
      return;
    }
    let value = v;
    if (atLeastOne && value === 0) {
      p.error(`${kw} must be greater than 0, setting to 1`);
      value = 1;
    }
    (g as unknown as Record<string, unknown>)[kw] = value;
  };
}

function smtpServer(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const host = st.words[1];
  if (host === undefined) {
    p.error('smtp_server requires an address');
    return;
  }
  let port = 25;
  if (st.words[2] !== undefined) {
    const n = readUnsigned(p, st.words[2], 1, 65535);
    if (n === null) {
      p.error(`Invalid smtp server ${host} ${st.words[2]}`);
      return;
    }
    port = n;
  }
  g.smtp_server = host;
  g.smtp_server_port = port;
}
type Parsers = Parameters<Handler<G>>[2];

function lvsTimeouts(g: G, st: { words: readonly string[] }, p: Parsers): void {
  if (st.words.length < 2) {
    p.error('lvs_timeouts requires at least one option');
    return;
  }
  const t: LvsTimeouts = g.lvs_timeouts ?? {};
  for (let i = 1; i < st.words.length; i += 2) {
    const opt = st.words[i]!;
    if (opt !== 'tcp' && opt !== 'tcpfin' && opt !== 'udp') {
      p.error(`Unknown option ${opt} specified for lvs_timeouts`);
      return;
    }
    const v = st.words[i + 1];
    if (v === undefined) {
      p.error(`No value specified for lvs_timeout ${opt} - ignoring`);
      return;
    }
    const n = readUnsigned(p, v, 0, 86400 * 31);
    if (n !== null) t[opt] = n;
  }
  g.lvs_timeouts = t;
}

/** `lvs_flush_on_stop [VS]` (keepalived: global_parser.c). */
function lvsFlushOnStop(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const w = st.words[1];
  if (w === undefined) g.lvs_flush_onstop = 'full';
  else if (w === 'VS') g.lvs_flush_onstop = 'VS';
  else p.error(`Unknown ${st.words[0]} type ${w}`);
}

function lvsSyncDaemon(g: G, st: { words: readonly string[] }, p: Parsers): void {
  if (g.lvs_sync_daemon) {
    p.error(`lvs_sync_daemon has already been specified as ${g.lvs_sync_daemon.interface} - ignoring`);
    return;
  }
  const ifname = st.words[1];
  if (ifname === undefined) {
    p.error('lvs_sync_daemon requires interface');
    return;
  }
  const d: LvsSyncDaemon = { interface: ifname };
  let i = 2;
  if (st.words[2] !== undefined && !['id', 'maxlen', 'port', 'ttl', 'group'].includes(st.words[2])) {
    d.vrrp_instance = st.words[2];
    i = 3;
  }
  for (; i < st.words.length; i += 2) {
    const opt = st.words[i]!;
    const v = st.words[i + 1];
    const ranges: Record<string, [number, number]> = { id: [0, 255], maxlen: [1, 65535 - 20 - 8], port: [1, 65535], ttl: [1, 255] };
    if (opt === 'group') {
      const a = v === undefined ? null : parseIp(v);
      if (!a) p.error(`Invalid lvs_sync_daemon group (${v ?? ''}) - ignoring`);
      else if (!isMulticast(a)) p.error(`lvs_sync_daemon group address ${v} is not multicast - ignoring`);
      else d.group = formatIp(a);
    } else if (ranges[opt]) {
      if (v === undefined) p.error(`No value specified for lvs_sync_daemon ${opt}`);
      else {
        const [min, max] = ranges[opt]!;
        const n = readUnsigned(p, v, min, max);
        if (n !== null) (d as unknown as Record<string, number>)[opt] = n;
      }
    } else {
      p.error(`Unknown option ${opt} specified for lvs_sync_daemon`);
      i--;
    }
  }
  g.lvs_sync_daemon = d;
}

function cpuAffinity(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const cpus: number[] = [];
  for (const w of st.words.slice(1)) {
    const n = readUnsigned(p, w, 0, 4095);
    if (n === null) return;
    cpus.push(n);
  }
  if (cpus.length === 0) p.error(`No ${st.words[0]} cpu_id set specified`);
  else (g as unknown as Record<string, unknown>)[st.words[0]!] = cpus;
}

function rtPriority(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const v = readInt(p, st.words[1], 1, 99);
  if (v !== null) (g as unknown as Record<string, unknown>)[st.words[0]!] = v;
}

function niceness(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const v = readInt(p, st.words[1], -20, 19);
  if (v !== null) (g as unknown as Record<string, unknown>)[st.words[0]!] = v;
}

function optionalBool(field: keyof G): Handler<G> {
  return (g, st, p) => {
    const w = st.words[1];
    const v = w === undefined ? true : parseBool(w);
    if (v === null) p.error(`Invalid value '${w}' for ${st.words[0]} specified`);
    else (g as unknown as Record<string, unknown>)[field] = v;
  };
}

function netlinkBuffer(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const kw = st.words[0]!;
  if (kw.endsWith('_force')) {
    const w = st.words[1];
    const v = w === undefined ? true : parseBool(w);
    if (v === null) p.error(`Invalid value '${w}' for ${kw}`);
    else g.netlink_buffers[kw] = v;
    return;
  }
  const n = readUnsigned(p, st.words[1], 0, 4294967295);
  if (n !== null) g.netlink_buffers[kw] = n;
}

function scriptUser(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const user = st.words[1];
  if (user === undefined) {
    p.error('No script username specified');
    return;
  }
  if (!p.host.lookupUser(user)) {
    p.error(`Unable to set default user for scripts to '${user}'`);
    return;
  }
  const group = st.words[2];
  if (group !== undefined && !p.host.lookupGroup(group)) {
    p.error(`Unable to set default group for scripts to '${group}'`);
    return;
  }
  g.script_user = group === undefined ? { user } : { user, group };
}

function dynamicInterfaces(g: G, st: { words: readonly string[] }, p: Parsers): void {
  g.dynamic_interfaces = true;
  p.dynamicInterfaces = true;
  const opt = st.words[1];
  if (opt === undefined) return;
  if (opt === 'allow_if_changes') g.dynamic_interfaces_allow_if_changes = true;
  else p.error(`Unknown dynamic_interfaces option '${opt}'`);
}

function umaskHandler(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const text = st.words.slice(1).join('');
  if (/^0[0-7]*$|^[1-7][0-7]*$/.test(text) && parseInt(text, 8) <= 0o777) {
    g.umask = parseInt(text, 8);
    return;
  }
  // keepalived also accepts symbolic IWGRP|IWOTH|...: keep the words as given if they look like that.
  const bits: Record<string, number> = { IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 0o4, IWOTH: 0o2, IXOTH: 0o1 };
  let mask = 0;
  for (const part of text.split('|')) {
    const b = bits[part];
    if (b === undefined) {
      p.error(`Invalid umask value ${text}`);
      return;
    }
    mask |= b;
  }
  g.umask = mask;
}

function emailBlock(g: G, st: Parameters<Handler<G>>[1], p: Parsers): void {
  const list = p.readValueWords(st);
  if (list.length === 0) p.error('Warning - empty notification_email block');
  g.notification_email.push(...list);
}

function processName(field: keyof G): Handler<G> {
  return (g, st, p) => {
    const name = st.words[1];
    if (name === undefined) {
      p.error('Process name missing');
      return;
    }
    if (name.length > 15) p.error(`Process name ${name} more than 15 characters, truncating`);
    (g as unknown as Record<string, unknown>)[field] = name.slice(0, 15);
  };
}

function scriptTimeout(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const kw = st.words[0]!;
  const n = st.words[1] === undefined ? NaN : Number(st.words[1]);
  if (!Number.isInteger(n) || n < 1 || n > 1000) p.error(`${kw} '${st.words[1] ?? ''}' must be in [1, 1000] - ignoring`);
  else (g as unknown as Record<string, unknown>)[kw] = n;
}

export const globalDefsKeywords: KeywordTable<G> = {
  process_names: flag(),
  process_name: processName('process_name'),
  vrrp_process_name: processName('vrrp_process_name'),
  checker_process_name: processName('checker_process_name'),
  lvs_process_name: processName('checker_process_name'),
  bfd_process_name: processName('bfd_process_name'),
  router_id: (g, st, p) => {
    if (st.words[1] === undefined) p.error('routerid name missing - ignoring');
    else g.router_id = st.words.slice(1).join(' ');
  },
  notification_email_from: (g, st, p) => {
    if (st.words[1] === undefined) p.error('emailfrom missing - ignoring');
    else g.notification_email_from = st.words[1];
  },
  smtp_server: smtpServer,
  smtp_helo_name: str(),
  smtp_connect_timeout: (g, st, p) => {
    const n = Number(st.words[1] ?? p.missingParameter());
    if (!/^[0-9]+$/.test(st.words[1] ?? '') || n > 4294) {
      p.error(`smtp_connect_timeout '${st.words[1] ?? ''}' must be in [0, 4294] - ignoring`);
      return;
    }
    if (n === 0) p.error('smtp_connect_timeout must be greater than 0, setting to 1');
    g.smtp_connect_timeout = Math.max(1, n);
  },
  notification_email: emailBlock,
  smtp_alert: optionalBool('smtp_alert'),
  smtp_alert_vrrp: optionalBool('smtp_alert_vrrp'),
  smtp_alert_checker: optionalBool('smtp_alert_checker'),
  checker_log_all_failures: optionalBool('checker_log_all_failures'),
  startup_script: script(),
  startup_script_timeout: scriptTimeout,
  shutdown_script: script(),
  shutdown_script_timeout: scriptTimeout,
  max_auto_priority: (g, st, p) => {
    const w = st.words[1];
    if (w === undefined) {
      g.max_auto_priority = 99;
      return;
    }
    const n = Number(w);
    if (!Number.isInteger(n) || n < -1 || n > 99) p.error(`max_auto_priority '${w}' must be in [0, 99] (or -1 to disable) - ignoring`);
    else g.max_auto_priority = n;
  },
  min_auto_priority_delay: (g, st, p) => {
    if (st.words[1] === undefined) {
      p.error('min_auto_priority_delay requires delay time');
      return;
    }
    const n = Number(st.words[1]);
    if (!Number.isInteger(n) || n < 1 || n > 10000000) p.error(`min_auto_priority_delay '${st.words[1]}' must be in [1, 10000000] - ignoring`);
    else g.min_auto_priority_delay = n;
  },
  dynamic_interfaces: dynamicInterfaces,
  no_email_faults: flag(),
  default_interface: (g, st, p) => {
    if (st.words[1] === undefined) p.error('default_interface requires interface name');
    else g.default_interface = st.words[1];
  },
  disable_local_igmp: flag(),
  lvs_timeouts: lvsTimeouts,
  lvs_flush: flag(),
  lvs_flush_on_stop: lvsFlushOnStop,
  lvs_flush_onstop: lvsFlushOnStop,
  lvs_sync_daemon: lvsSyncDaemon,
  vrrp_mcast_group4: mcastGroup('inet'),
  vrrp_mcast_group6: mcastGroup('inet6'),
  vrrp_garp_master_delay: checked(0, 4294, 'int'),
  vrrp_garp_master_repeat: checked(0, 2147483647, 'int', true),
  vrrp_garp_master_refresh: checked(0, 4294, 'int'),
  vrrp_garp_master_refresh_repeat: checked(0, 2147483647, 'int', true),
  vrrp_garp_lower_prio_delay: checked(0, 4294, 'int'),
  vrrp_garp_lower_prio_repeat: checked(0, 2147483647, 'int'),
  vrrp_down_timer_adverts: (g, st, p) => {
    const n = Number(st.words[1] ?? p.missingParameter());
    if (!Number.isInteger(n) || n < 1 || n > 100) p.error(`Invalid vrrp_down_timer_adverts [1:100] '${st.words[1] ?? ''}'`);
    else g.vrrp_down_timer_adverts = n;
  },
  vrrp_garp_interval: (g, st, p) => {
    const n = Number(st.words[1] ?? p.missingParameter());
    if (!/^[0-9]+(\.[0-9]+)?$/.test(st.words[1] ?? '') || n <= 0 || n > 1) p.error(`vrrp_garp_interval '${st.words[1] ?? ''}' is invalid`);
    else g.vrrp_garp_interval = n;
  },
  vrrp_gna_interval: (g, st, p) => {
    const n = Number(st.words[1] ?? p.missingParameter());
    if (!/^[0-9]+(\.[0-9]+)?$/.test(st.words[1] ?? '') || n <= 0 || n > 1) p.error(`vrrp_gna_interval '${st.words[1] ?? ''}' is invalid`);
    else g.vrrp_gna_interval = n;
  },
  vrrp_min_garp: optionalBool('vrrp_min_garp'),
  vrrp_garp_extra_if: (g, st, p) => {
    let i = 1;
    let allVmacs = false;
    if (st.words[1] === 'all') {
      allVmacs = true;
      i = 2;
    }
    const w = st.words[i];
    if (w === undefined) {
      p.error(`${st.words[0]} specified without time - ignoring`);
      return;
    }
    const n = readUnsigned(p, w, 0, 86400);
    if (n !== null) g.vrrp_garp_extra_if = { interval: n, all_vmacs: allVmacs };
  },
  vrrp_vmac_garp_intvl: (g, st, p) => {
    p.report(Grade.Deprecated, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"');
    globalDefsKeywords.vrrp_garp_extra_if!(g, st, p);
  },
  vrrp_lower_prio_no_advert: optionalBool('vrrp_lower_prio_no_advert'),
  v3_checksum_as_v2: (g) => {
    g.v3_checksum_as_v2 = true;
  },
  vrrp_higher_prio_send_advert: optionalBool('vrrp_higher_prio_send_advert'),
  vrrp_version: (g, st, p) => {
    const n = readInt(p, st.words[1], 2, 3);
    if (n === null) p.error(`vrrp_version '${st.words[1] ?? ''}' invalid - must be 2 or 3`);
    else g.vrrp_version = n as 2 | 3;
  },
  vrrp_iptables: (g, st, p) => {
    p.error("iptables not supported, using nftables instead. Please replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables'");
    g.vrrp_iptables = st.words.slice(1);
    g.nftables ??= 'keepalived';
  },
  vrrp_ipsets: (g, st, p) => {
    p.error("ipsets not supported, using nftables instead. Please replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables'");
    g.vrrp_ipsets = st.words.slice(1);
  },
  nftables: (g, st, p) => {
    if (g.nftables !== undefined) p.error('nftables already specified - ignoring');
    else g.nftables = st.words[1] ?? 'keepalived';
  },
  nftables_priority: int(-2147483648, 2147483647),
  nftables_ifindex: flag(),
  nftables_ipvs: (g, st, p) => {
    if (g.nftables_ipvs !== undefined) p.error('ipvs nftables already specified - ignoring');
    else g.nftables_ipvs = st.words[1] ?? 'keepalived_ipvs';
  },
  nftables_ipvs_priority: int(-2147483648, 2147483647),
  nftables_ipvs_start_fwmark: uint(1, 4294967295),
  nftables_counters: flag(),
  vrrp_check_unicast_src: flag(),
  vrrp_skip_check_adv_addr: flag(),
  vrrp_strict: flag(),
  vrrp_priority: niceness,
  vrrp_no_swap: flag(),
  vrrp_rt_priority: rtPriority,
  vrrp_cpu_affinity: cpuAffinity,
  vrrp_rlimit_rttime: uint(1, 4294967295),
  vrrp_rlimit_rtime: uint(1, 4294967295, 'vrrp_rlimit_rttime'),
  notify_fifo: str(),
  notify_fifo_script: script(),
  vrrp_notify_fifo: str(),
  vrrp_notify_fifo_script: script(),
  vrrp_notify_priority_changes: optionalBool('vrrp_notify_priority_changes'),
  fifo_write_vrrp_states_on_reload: flag(),
  lvs_notify_fifo: str(),
  lvs_notify_fifo_script: script(),
  checker_priority: niceness,
  checker_no_swap: flag(),
  checker_rt_priority: rtPriority,
  checker_cpu_affinity: cpuAffinity,
  checker_rlimit_rttime: uint(1, 4294967295),
  checker_rlimit_rtime: uint(1, 4294967295, 'checker_rlimit_rttime'),
  bfd_priority: niceness,
  bfd_no_swap: flag(),
  bfd_rt_priority: rtPriority,
  bfd_cpu_affinity: cpuAffinity,
  bfd_rlimit_rttime: uint(1, 4294967295),
  bfd_rlimit_rtime: uint(1, 4294967295, 'bfd_rlimit_rttime'),
  snmp_socket: str(),
  enable_traps: flag(),
  enable_snmp_vrrp: flag(),
  enable_snmp_keepalived: flag('enable_snmp_vrrp'),
  enable_snmp_rfc: flag(),
  enable_snmp_rfcv2: flag(),
  enable_snmp_rfcv3: flag(),
  enable_snmp_checker: flag(),
  enable_dbus: flag(),
  dbus_service_name: str(),
  script_user: scriptUser,
  enable_script_security: flag(),
  vrrp_netlink_cmd_rcv_bufs: netlinkBuffer,
  vrrp_netlink_cmd_rcv_bufs_force: netlinkBuffer,
  vrrp_netlink_monitor_rcv_bufs: netlinkBuffer,
  vrrp_netlink_monitor_rcv_bufs_force: netlinkBuffer,
  process_monitor_rcv_bufs: netlinkBuffer,
  process_monitor_rcv_bufs_force: netlinkBuffer,
  lvs_netlink_cmd_rcv_bufs: netlinkBuffer,
  lvs_netlink_cmd_rcv_bufs_force: netlinkBuffer,
  lvs_netlink_monitor_rcv_bufs: netlinkBuffer,
  lvs_netlink_monitor_rcv_bufs_force: netlinkBuffer,
  rs_init_notifies: flag(),
  no_checker_emails: flag(),
  vrrp_rx_bufs_policy: words(),
  vrrp_rx_bufs_multiplier: uint(1, 4294967295),
  vrrp_startup_delay: seconds(0, 4294),
  log_unknown_vrids: flag(),
  vmac_prefix: str(),
  vmac_addr_prefix: str(),
  umask: umaskHandler,
  random_seed: uint(0, 4294967295),
  reload_check_config: (g, st) => {
    g.reload_check_config = st.words[1] ?? '';
  },
  reload_time_file: str(),
  reload_repeat: flag(),
  reload_file: str(),
  include_check: (g, st) => {
    g.include_check = st.words.slice(1);
  },
  config_save_dir: str(),
  tmp_config_directory: str(),
  data_use_instance: flag(),
};

type C = KeepalivedConfig;

function rootString(field: 'net_namespace' | 'net_namespace_ipvs' | 'instance'): Handler<C> {
  return (c, st, p) => {
    if (c[field] !== undefined) p.error(`${st.words[0]} already specified - ignoring`);
    else if (st.words[1] === undefined) p.error(`${st.words[0]} requires a name`);
    else c[field] = st.words[1];
  };
}

export const globalRootKeywords: KeywordTable<C> = {
  linkbeat_use_polling: (c) => {
    c.linkbeat_use_polling = true;
  },
  net_namespace: rootString('net_namespace'),
  net_namespace_ipvs: rootString('net_namespace_ipvs'),
  namespace_with_ipsets: (c) => {
    c.namespace_with_ipsets = true;
  },
  use_pid_dir: (c) => {
    c.use_pid_dir = true;
  },
  instance: rootString('instance'),
  child_wait_time: (c, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n !== null) c.child_wait_time = n;
  },
  global_defs: block((c) => c.global_defs, globalDefsKeywords),
};

