/**
 * `global_defs { }` and the other top-level keywords keepalived reads in its global pass
 * (keepalived: core/global_parser.c `init_global_keywords()`).
 */
import { Grade } from '../diagnostics.js';
import { isMulticast, isLinkLocal, parseIp, formatIp } from '../address.js';
import { block, type Handler, type KeywordTable } from '../parser.js';
import type { ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { availableParallelism } from 'node:os';
import { parseBool, readDecimal, readInt, readUnsigned } from '../values.js';
import { flag, script } from './kw.js';
import { globalScriptUserFailed } from '../validate/script-user.js';

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
    const w = st.words[1] ?? p.missingParameter();
    const a = parseIp(w);
    if (!a) p.error(`Can't parse ${kw} [${w}]. Skipping`);
    else if (a.family !== family) p.error(`${kw} [${w}] is not ${family === 'inet' ? 'IPv4' : 'IPv6'}. Skipping`);
    else if (!isMulticast(a)) p.error(`${kw} [${w}] is not multicast. Skipping`);
    else {
      if (family === 'inet6' && !(a.bytes[0] === 0xff && ((a.bytes[1] ?? 0) & 0x0f) === 2)) {
        p.warn(`${kw} [${w}] should be link-local multicast.`);
      }
      (g as unknown as Record<string, unknown>)[kw] = formatIp(a);
    }
  };
}

type Fields = Record<string, unknown>;

/** NFT_TABLE_MAXNAMELEN: a table name must be shorter. */
const NftTableMaxNameLen = 32;

/** `vrrp_rx_bufs_policy MTU|ADVERT|SIZE...` (keepalived reads a size from the first word, sic). */
function rxBufsPolicy(g: G, st: { words: readonly string[] }, p: Parsers): void {
  if (st.words.length < 2) {
    p.error('vrrp_rx_bufs_policy missing');
    return;
  }
  let mtu = false;
  let advert = false;
  let size: number | undefined;
  for (const w of st.words.slice(1)) {
    if (w.toUpperCase() === 'MTU') mtu = true;
    else if (w.toUpperCase() === 'ADVERT') advert = true;
    else {
      const n = readUnsigned(p, st.words[1], 0, UintMax);
      if (n === null) p.error(`Invalid vrrp_rx_bufs_policy ${w}`);
      else size = n;
    }
  }
  if (size !== undefined && (mtu || advert)) {
    p.error('Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy');
    mtu = advert = false;
  } else if (mtu && advert) {
    p.error('Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT');
    advert = false;
  }
  g.vrrp_rx_bufs_policy = [...(mtu ? ['MTU'] : []), ...(advert ? ['ADVERT'] : []), ...(size !== undefined ? [String(size)] : [])];
}

/**
 * keepalived's usual shape for a number: `read_unsigned_strvec()` (its own message first, e.g.
 * `invalid number 'x'`), then the keyword's message when the value is not usable.
 */
function unsignedThen(min: number, max: number, message: (word: string) => string, apply: (g: G, n: number, p: Parsers) => void): Handler<G> {
  return (g, st, p) => {
    const n = readUnsigned(p, st.words[1], min, max);
    if (n === null) p.error(message(st.words[1]!));
    else apply(g, n, p);
  };
}

/** As `unsignedThen`, for `read_int_strvec()`. */
function intThen(min: number, max: number, message: (word: string) => string, apply: (g: G, n: number, p: Parsers) => void): Handler<G> {
  return (g, st, p) => {
    const n = readInt(p, st.words[1], min, max);
    if (n === null) p.error(message(st.words[1]!));
    else apply(g, n, p);
  };
}

/** Seconds with microsecond places (`read_decimal_unsigned_strvec(..., TIMER_HZ_DIGITS)`), stored as seconds. */
function decimalSecondsThen(minUs: number, message: (word: string) => string, field: keyof G): Handler<G> {
  return (g, st, p) => {
    const us = readDecimal(p, st.words[1], minUs, UintMax, 6);
    if (us === null) p.error(message(st.words[1]!));
    else (g as unknown as Fields)[field] = us / 1e6;
  };
}

const UintMax = 4294967295;
/** UINT_MAX / TIMER_HZ: the largest whole number of seconds keepalived keeps in a timer. */
const UintMaxSeconds = 4294;

/** A repeat count: 0 is accepted with a message and counts as 1. */
function repeatCount(field: keyof G, invalid: (w: string) => string): Handler<G> {
  return unsignedThen(0, UintMax, invalid, (g, n, p) => {
    if (n === 0) p.error(`${String(field)} must be greater than 0, setting to 1`);
    (g as unknown as Fields)[field] = Math.max(1, n);
  });
}

function smtpServer(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const host = st.words[1] ?? p.missingParameter();
  let port = 25;
  if (st.words[2] !== undefined) {
    const n = /^[0-9]+$/.test(st.words[2]) ? Number(st.words[2]) : NaN;
    if (!(n >= 0 && n <= 65535)) {
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
  if (st.words.length < 3) {
    p.error('lvs_timeouts requires at least one option');
    return;
  }
  const t: LvsTimeouts = g.lvs_timeouts ?? {};
  for (let i = 1; i < st.words.length; i++) {
    const opt = st.words[i]!;
    if (opt !== 'tcp' && opt !== 'tcpfin' && opt !== 'udp') {
      p.error(`Unknown option ${opt} specified for lvs_timeouts`);
      continue;
    }
    if (i === st.words.length - 1) {
      p.error(`No value specified for lvs_timeout ${opt} - ignoring`);
      continue;
    }
    const v = st.words[++i]!;
    const n = readUnsigned(p, v, 0, 86400 * 31);
    if (n === null) p.error(`Invalid lvs_timeout ${opt} (${v}) - ignoring`);
    else t[opt] = n;
  }
  g.lvs_timeouts = t;
}

/** `lvs_flush_on_stop [VS]` (keepalived: global_parser.c). */
function lvsFlushOnStop(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const w = st.words[1];
  if (w === undefined) g.lvs_flush_onstop = 'full';
  else if (w === 'VS') g.lvs_flush_onstop = 'VS';
  else p.error(`Unknown lvs_flush_on_stop type ${w}`);
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

/** The process a `vrrp_*`/`checker_*`/`bfd_*` keyword configures. */
function processOf(kw: string): string {
  return kw.slice(0, kw.indexOf('_'));
}

function cpuAffinity(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const process = processOf(st.words[0]!);
  if (st.words.length < 2) {
    p.error(`No ${process} cpu_id set specified`);
    return;
  }
  const cpus: number[] = [];
  const last = Math.max(0, availableParallelism() - 1);
  for (const w of st.words.slice(1)) {
    const n = readInt(p, w, 0, last);
    if (n === null) {
      // keepalived prints what strtol made of the word, even when it is not a number
      const m = /^[ \t\n\r\f\v]*([+-]?[0-9]+)/.exec(w);
      p.error(`Invalid cpu_id:${m ? Number(BigInt.asIntN(32, BigInt(m[1]!))) : 0} specified for ${process} process`);
      return;
    }
    cpus.push(n);
  }
  (g as unknown as Fields)[st.words[0]!] = cpus;
}

/** sched_get_priority_min/max(SCHED_RR) on Linux. */
const RtPriorityMin = 1;
const RtPriorityMax = 99;

function rtPriority(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const process = processOf(st.words[0]!);
  if (st.words.length < 2) {
    p.error(`No ${process} process real-time priority specified`);
    return;
  }
  let v = readInt(p, st.words[1], -2147483648, 2147483647);
  if (v === null) {
    p.error(`${process} process real-time priority '${st.words[1]}' invalid`);
    return;
  }
  if (v < RtPriorityMin) {
    p.error(`${process} process real-time priority ${v} less than minimum ${RtPriorityMin} - setting to minimum`);
    v = RtPriorityMin;
  } else if (v > RtPriorityMax) {
    p.error(`${process} process real-time priority ${v} greater than maximum ${RtPriorityMax} - setting to maximum`);
    v = RtPriorityMax;
  }
  (g as unknown as Fields)[st.words[0]!] = v;
}

function niceness(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const process = processOf(st.words[0]!);
  if (st.words.length < 2) {
    p.error(`No ${process} process priority specified`);
    return;
  }
  const v = readInt(p, st.words[1], -20, 19);
  if (v === null) p.error(`Invalid ${process} process priority specified`);
  else (g as unknown as Fields)[st.words[0]!] = v;
}

function rtLimit(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const kw = st.words[0]!;
  const process = processOf(kw);
  const field = `${kw.slice(0, kw.lastIndexOf('_'))}_rttime`;
  if (kw.endsWith('_rtime')) p.report(Grade.Info, `Keyword '${kw}' is deprecated - please use '${field}'`);
  const v = readUnsigned(p, st.words[1], 1, UintMax);
  if (v === null) p.error(`Invalid ${process} real-time limit - ${st.words[1]}`);
  else (g as unknown as Fields)[field] = v === 1 ? 2 : v;
}

/** `Invalid value '...' for global KW specified` (with `global` and the value, or neither). */
function optionalBoolNamed(field: keyof G, message: (word: string) => string): Handler<G> {
  return (g, st, p) => {
    const w = st.words[1];
    const v = w === undefined ? true : parseBool(w);
    if (v === null) p.error(message(w!));
    else (g as unknown as Fields)[field] = v;
  };
}

function optionalBool(field: keyof G): Handler<G> {
  return optionalBoolNamed(field, (w) => `Invalid value '${w}' for global ${String(field)} specified`);
}

function netlinkBuffer(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const kw = st.words[0]!;
  if (kw.endsWith('_force')) {
    const w = st.words[1];
    const v = w === undefined ? true : parseBool(w);
    if (v === null) p.error(`Invalid value '${w}' for global ${kw} specified`);
    else g.netlink_buffers[kw] = v;
    return;
  }
  const type = kw.slice(0, -'_rcv_bufs'.length);
  if (st.words.length < 2) {
    p.error(`${type}_rcv_bufs size missing`);
    return;
  }
  const n = readUnsigned(p, st.words[1], 0, UintMax);
  if (n === null) p.error(`${type}_rcv_bufs size (${st.words[1]}) invalid`);
  else if (n !== 0) g.netlink_buffers[kw] = n;
}

function scriptUser(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const user = st.words[1];
  if (user === undefined) {
    p.error('No script username specified');
    return;
  }
  const group = st.words[2];
  if (!p.host.lookupUser(user) || (group !== undefined && !p.host.lookupGroup(group))) {
    // keepalived (set_default_script_user): no script can get the default user from now on
    p.error('Error setting global script uid/gid');
    globalScriptUserFailed(p);
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
  const mask = st.words[1] ?? p.missingParameter();
  if (/^[0-9]/.test(mask)) {
    if (st.words.length !== 2) {
      p.error('Extra parameter(s) to umask option');
      return;
    }
    // strtol(mask, &end, 0): 0x hex, 0 octal, else decimal
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/s.exec(mask)!;
    const v = m[1]!.length > 1 && /^0[xX]/.test(m[1]!) ? parseInt(m[1]!.slice(2), 16) : m[1]!.startsWith('0') ? parseInt(m[1]!, 8) : Number(m[1]);
    if (m[2] !== '' || v > 0o777) {
      p.error(`invalid umask value ${mask}`);
      return;
    }
    g.umask = v;
    return;
  }
  const bits: Record<string, number> = { IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10, IROTH: 0o4, IWOTH: 0o2, IXOTH: 0o1 };
  let value = 0;
  let needOr = false;
  for (const word of st.words.slice(1)) {
    for (let i = 0; i < word.length; ) {
      if (needOr) {
        if (word[i] !== '|') {
          p.error(`Invalid umask syntax ${word}`);
          return;
        }
        needOr = false;
        i++;
        continue;
      }
      const bit = bits[word.slice(i, i + 5)];
      if (bit === undefined) {
        p.error(`Unknown umask bit ${word.slice(i)}`);
        return;
      }
      value |= bit;
      i += 5;
      needOr = true;
    }
  }
  if (!needOr) {
    p.error('umask missing bit value');
    return;
  }
  g.umask = value;
}

function emailBlock(g: G, st: Parameters<Handler<G>>[1], p: Parsers): void {
  const list = p.readValueWords(st);
  if (list.length === 0) p.error('Warning - empty notification_email block');
  g.notification_email.push(...list);
}

function processName(field: keyof G): Handler<G> {
  return (g, st, p) => {
    const name = st.words[1] ?? p.missingParameter();
    if (name.length > 15) p.error(`Process name ${name} more than 15 characters, truncating`);
    (g as unknown as Record<string, unknown>)[field] = name.slice(0, 15);
  };
}

function scriptTimeout(g: G, st: { words: readonly string[] }, p: Parsers): void {
  const kw = st.words[0]!;
  if (st.words.length < 2) {
    p.error(`${kw} requires value`);
    return;
  }
  const n = readUnsigned(p, st.words[1], 1, 1000);
  if (n === null) p.error(`${kw} '${st.words[1]}' must be in [1, 1000] - ignoring`);
  else (g as unknown as Fields)[kw] = n;
}

/** `notify_fifo NAME [USER [GROUP]]` and its vrrp_/lvs_ variants. */
function notifyFifo(field: 'notify_fifo' | 'vrrp_notify_fifo' | 'lvs_notify_fifo'): Handler<G> {
  return (g, st, p) => {
    const type = field.slice(0, -'notify_fifo'.length);
    if (st.words.length < 2) p.error(`No ${type}notify_fifo name specified`);
    else if (g[field] !== undefined) p.error(`${type}notify_fifo already specified - ignoring ${st.words[1]}`);
    else g[field] = st.words[1]!;
  };
}

function notifyFifoScript(field: 'notify_fifo_script' | 'vrrp_notify_fifo_script' | 'lvs_notify_fifo_script'): Handler<G> {
  const read = script<G>();
  return (g, st, p) => {
    const type = field.slice(0, -'notify_fifo_script'.length);
    if (st.words.length < 2) p.error(`No ${type}notify_fifo_script specified`);
    else if (g[field] !== undefined) p.error(`${type}notify_fifo_script already specified - ignoring ${st.words[1]}`);
    else read(g, st, p);
  };
}

/** `startup_script` / `shutdown_script`: keepalived checks for the script before reading it. */
function startupScript(field: 'startup_script' | 'shutdown_script'): Handler<G> {
  const read = script<G>();
  return (g, st, p) => {
    const type = field.slice(0, field.indexOf('_'));
    if (g[field] !== undefined) p.error(`${type} script already specified`);
    else if (st.words.length < 2) p.error(`${type} script missing`);
    else read(g, st, p);
  };
}

/** A keyword whose value keepalived keeps once, saying so on a second one. */
function once(field: 'vmac_prefix' | 'vmac_addr_prefix', what: string): Handler<G> {
  return (g, st, p) => {
    const w = st.words[1] ?? p.missingParameter();
    if (g[field] !== undefined) p.error(`${what} prefix has already been specified - ignoring ${w}`);
    else g[field] = w;
  };
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
  smtp_helo_name: (g, st) => {
    if (st.words[1] !== undefined) g.smtp_helo_name = st.words[1];
  },
  smtp_connect_timeout: unsignedThen(0, UintMaxSeconds, (w) => `smtp_connect_timeout '${w}' must be in [0, ${UintMaxSeconds}] - ignoring`, (g, n, p) => {
    // (sic) keepalived's spelling
    if (n === 0) p.error('smtp_conect_timeout must be greater than 0, setting to 1');
    g.smtp_connect_timeout = Math.max(1, n);
  }),
  notification_email: emailBlock,
  smtp_alert: optionalBool('smtp_alert'),
  smtp_alert_vrrp: optionalBool('smtp_alert_vrrp'),
  smtp_alert_checker: optionalBool('smtp_alert_checker'),
  checker_log_all_failures: optionalBoolNamed('checker_log_all_failures', () => 'Invalid value for checker_log_all_failures specified'),
  startup_script: startupScript('startup_script'),
  startup_script_timeout: scriptTimeout,
  shutdown_script: startupScript('shutdown_script'),
  shutdown_script_timeout: scriptTimeout,
  max_auto_priority: (g, st, p) => {
    const w = st.words[1];
    if (w === undefined) {
      g.max_auto_priority = 99;
      return;
    }
    const n = readInt(p, w, -1, RtPriorityMax);
    if (n === null) p.error(`max_auto_priority '${w}' must be in [0, ${RtPriorityMax}] (or -1 to disable) - ignoring`);
    else g.max_auto_priority = n;
  },
  min_auto_priority_delay: (g, st, p) => {
    if (st.words[1] === undefined) {
      p.error('min_auto_priority_delay requires delay time');
      return;
    }
    const n = readInt(p, st.words[1], 1, 10000000);
    if (n === null) p.error(`min_auto_priority_delay '${st.words[1]}' must be in [1, 10000000] - ignoring`);
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
  vrrp_garp_master_delay: unsignedThen(0, UintMaxSeconds, (w) => `vrrp_garp_master_delay '${w}' invalid - ignoring`, (g, n) => {
    g.vrrp_garp_master_delay = n;
  }),
  vrrp_garp_master_repeat: repeatCount('vrrp_garp_master_repeat', (w) => `vrrp_garp_master_repeat '${w}' invalid - ignoring`),
  vrrp_garp_master_refresh: (g, st, p) => {
    // an invalid value resets the refresh to none
    const n = readUnsigned(p, st.words[1], 0, UintMax);
    if (n === null) p.error(`Invalid vrrp_garp_master_refresh '${st.words[1]}' - ignoring`);
    g.vrrp_garp_master_refresh = n ?? 0;
  },
  vrrp_garp_master_refresh_repeat: repeatCount('vrrp_garp_master_refresh_repeat', (w) => `vrrp_garp_master_refresh_repeat '${w}' invalid - ignoring`),
  vrrp_garp_lower_prio_delay: unsignedThen(0, UintMaxSeconds, (w) => `vrrp_garp_lower_prio_delay '${w}' invalid - ignoring`, (g, n) => {
    g.vrrp_garp_lower_prio_delay = n;
  }),
  vrrp_garp_lower_prio_repeat: unsignedThen(0, 2147483647, (w) => `Invalid vrrp_garp_lower_prio_repeat '${w}'`, (g, n) => {
    g.vrrp_garp_lower_prio_repeat = n;
  }),
  vrrp_down_timer_adverts: unsignedThen(1, 100, (w) => `Invalid vrrp_down_timer_adverts [1:100] '${w}'`, (g, n) => {
    g.vrrp_down_timer_adverts = n;
  }),
  vrrp_garp_interval: decimalSecondsThen(1, (w) => `vrrp_garp_interval '${w}' is invalid`, 'vrrp_garp_interval'),
  vrrp_gna_interval: decimalSecondsThen(1, (w) => `vrrp_gna_interval '${w}' is invalid`, 'vrrp_gna_interval'),
  vrrp_min_garp: optionalBoolNamed('vrrp_min_garp', () => 'Invalid value for vrrp_min_garp specified'),
  vrrp_garp_extra_if: (g, st, p) => {
    const kw = st.words[0]!;
    let allVmacs = false;
    let delay = 0;
    for (const w of st.words.slice(1)) {
      if (w === 'all') {
        allVmacs = true;
        continue;
      }
      const n = readUnsigned(p, w, 1, 86400);
      if (n === null) {
        p.error(`${kw} '${w}' invalid - ignoring`);
        return;
      }
      delay = n;
    }
    if (delay === 0) {
      p.error(`${kw} specified without time - ignoring`);
      return;
    }
    g.vrrp_garp_extra_if = { interval: delay, all_vmacs: allVmacs };
  },
  vrrp_vmac_garp_intvl: (g, st, p) => {
    p.report(Grade.Deprecated, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"');
    globalDefsKeywords.vrrp_garp_extra_if!(g, st, p);
  },
  vrrp_lower_prio_no_advert: optionalBoolNamed('vrrp_lower_prio_no_advert', () => 'Invalid value for vrrp_lower_prio_no_advert specified'),
  v3_checksum_as_v2: (g) => {
    g.v3_checksum_as_v2 = true;
  },
  vrrp_higher_prio_send_advert: optionalBoolNamed('vrrp_higher_prio_send_advert', () => 'Invalid value for vrrp_higher_prio_send_advert specified'),
  vrrp_version: (g, st, p) => {
    const n = readInt(p, st.words[1], 2, 3);
    if (n === null) p.error('VRRP Error: Version must be either 2 or 3');
    else g.vrrp_version = n as 2 | 3;
  },
  // keepalived 2.2.7 as Debian builds it (nftables, no iptables/libipset): vrrp_iptables falls
  // back to nftables with this message (its quotes as they are), and vrrp_ipsets is unknown.
  vrrp_iptables: (g, st, p) => {
    p.error("iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
    g.vrrp_iptables = st.words.slice(1);
    g.nftables = 'keepalived';
  },
  nftables: (g, st, p) => {
    if (g.nftables !== undefined) p.error('nftables already specified - ignoring');
    else if (st.words[1] !== undefined && st.words[1].length >= NftTableMaxNameLen) p.error('nftables table name too long - ignoring');
    else g.nftables = st.words[1] ?? 'keepalived';
  },
  nftables_priority: (g, st, p) => {
    const n = readInt(p, st.words[1], -2147483648, 2147483647);
    if (n === null) p.report(Grade.InvalidNumber, `invalid nftables chain priority '${st.words[1]}'`);
    else g.nftables_priority = n;
  },
  nftables_ifindex: flag(),
  nftables_ipvs: (g, st, p) => {
    if (g.nftables_ipvs !== undefined) p.error('ipvs nftables already specified - ignoring');
    else if (st.words[1] !== undefined && st.words[1].length >= NftTableMaxNameLen) p.error('ipvs nftables table name too long - ignoring');
    else g.nftables_ipvs = st.words[1] ?? 'keepalived_ipvs';
  },
  nftables_ipvs_priority: (g, st, p) => {
    const n = readInt(p, st.words[1], -2147483648, 2147483647);
    if (n === null) p.report(Grade.InvalidNumber, `invalid ipvs nftables chain priority '${st.words[1]}'`);
    else g.nftables_ipvs_priority = n;
  },
  nftables_ipvs_start_fwmark: (g, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, UintMax);
    if (n === null) p.report(Grade.InvalidNumber, `invalid ipvs nftables start_fwmark priority '${st.words[1]}'`);
    else g.nftables_ipvs_start_fwmark = n;
  },
  nftables_counters: flag(),
  vrrp_check_unicast_src: flag(),
  vrrp_skip_check_adv_addr: flag(),
  vrrp_strict: flag(),
  vrrp_priority: niceness,
  vrrp_no_swap: flag(),
  vrrp_rt_priority: rtPriority,
  vrrp_cpu_affinity: cpuAffinity,
  vrrp_rlimit_rttime: rtLimit,
  vrrp_rlimit_rtime: rtLimit,
  notify_fifo: notifyFifo('notify_fifo'),
  notify_fifo_script: notifyFifoScript('notify_fifo_script'),
  vrrp_notify_fifo: notifyFifo('vrrp_notify_fifo'),
  vrrp_notify_fifo_script: notifyFifoScript('vrrp_notify_fifo_script'),
  vrrp_notify_priority_changes: optionalBool('vrrp_notify_priority_changes'),
  fifo_write_vrrp_states_on_reload: flag(),
  lvs_notify_fifo: notifyFifo('lvs_notify_fifo'),
  lvs_notify_fifo_script: notifyFifoScript('lvs_notify_fifo_script'),
  checker_priority: niceness,
  checker_no_swap: flag(),
  checker_rt_priority: rtPriority,
  checker_cpu_affinity: cpuAffinity,
  checker_rlimit_rttime: rtLimit,
  checker_rlimit_rtime: rtLimit,
  bfd_priority: niceness,
  bfd_no_swap: flag(),
  bfd_rt_priority: rtPriority,
  bfd_cpu_affinity: cpuAffinity,
  bfd_rlimit_rttime: rtLimit,
  bfd_rlimit_rtime: rtLimit,
  snmp_socket: (g, st, p) => {
    if (st.words.length > 2) p.error('Too many parameters specified for snmp_socket - ignoring');
    else if (st.words.length < 2) p.error('SNMP error : snmp socket name missing');
    else if (st.words[1]!.length > 4095) p.error('SNMP error : snmp socket name too long - ignored');
    else if (g.snmp_socket !== undefined) p.error(`SNMP socket already set to ${g.snmp_socket} - ignoring`);
    else g.snmp_socket = st.words[1]!;
  },
  enable_traps: flag(),
  enable_snmp_vrrp: flag(),
  enable_snmp_keepalived: flag('enable_snmp_vrrp'),
  enable_snmp_rfc: flag(),
  enable_snmp_rfcv2: flag(),
  enable_snmp_rfcv3: flag(),
  enable_snmp_checker: flag(),
  enable_dbus: flag(),
  dbus_service_name: (g, st, p) => {
    if (st.words[1] === undefined) p.error('dbus_service_name missing - ignoring');
    else g.dbus_service_name = st.words[1];
  },
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
  rs_init_notifies: optionalBool('rs_init_notifies'),
  no_checker_emails: optionalBool('no_checker_emails'),
  vrrp_rx_bufs_policy: rxBufsPolicy,
  vrrp_rx_bufs_multiplier: (g, st, p) => {
    if (st.words.length !== 2) {
      p.error('Invalid vrrp_rx_bufs_multiplier');
      return;
    }
    const n = readUnsigned(p, st.words[1], 1, UintMax);
    if (n === null) p.error(`Invalid vrrp_rx_bufs_multiplier ${st.words[1]}`);
    else g.vrrp_rx_bufs_multiplier = n;
  },
  vrrp_startup_delay: decimalSecondsThen(1000, (w) => `vrrp_startup_delay '${w}' is invalid`, 'vrrp_startup_delay'),
  log_unknown_vrids: flag(),
  vmac_prefix: once('vmac_prefix', 'vmac'),
  vmac_addr_prefix: once('vmac_addr_prefix', 'vmac_addr'),
  umask: umaskHandler,
  random_seed: unsignedThen(0, UintMax, (w) => `random_seed ${w} invalid`, (g, n) => {
    g.random_seed = n;
  }),
  reload_check_config: (g, st) => {
    g.reload_check_config = st.words[1] ?? '';
  },
  reload_time_file: (g, st, p) => {
    if (st.words.length !== 2) p.error('reload_time_file invalid');
    else g.reload_time_file = st.words[1]!;
  },
  reload_repeat: flag(),
  reload_file: (g, st) => {
    // without a name keepalived uses its default reload file
    if (st.words[1] !== undefined) g.reload_file = st.words[1];
  },
  include_check: (g, st) => {
    g.include_check = st.words.slice(1);
  },
  config_save_dir: (g, st, p) => {
    g.config_save_dir = st.words[1] ?? p.missingParameter();
  },
  tmp_config_directory: (g, st, p) => {
    if (g.tmp_config_directory !== undefined) p.error(`${st.words[0]} already specified - ignoring`);
    else if (st.words[1] === undefined) p.error(`${st.words[0]} missing directory name`);
    else g.tmp_config_directory = st.words[1];
  },
  // (sic) keepalived's spelling
  data_use_instance: optionalBoolNamed('data_use_instance', (w) => `Invalid value '${w}' for global date_use_instance specified`),
};

type C = KeepalivedConfig;

function rootString(field: 'net_namespace' | 'net_namespace_ipvs' | 'instance'): Handler<C> {
  return (c, st, p) => {
    if (field === 'net_namespace_ipvs') {
      // no name: the default namespace
      if (c[field] !== undefined) p.error(`Duplicate ${field} definition ${st.words[1] ?? p.missingParameter()} - ignoring`);
      else c[field] = st.words[1] ?? '';
    } else if (st.words[1] === undefined) p.error(`${field} name missing - ignoring`);
    else if (c[field] !== undefined) p.error(`Duplicate ${field} definition ${st.words[1]} - ignoring`);
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
    const n = readUnsigned(p, st.words[1], 0, UintMax);
    if (n === null) p.error(`Invalid child_wait_time ${st.words[1]}`);
    else c.child_wait_time = n;
  },
  global_defs: block((c) => c.global_defs, globalDefsKeywords),
};

