/**
 * `vrrp_instance NAME { }` (keepalived: vrrp/vrrp_parser.c `init_vrrp_keywords()`). Checks that
 * need the whole file (vrid set, VIPs present, version/auth compatibility, ...) are in
 * src/config/validate/vrrp.ts; defaults that come from global_defs are filled there too.
 */
import { Grade } from '../diagnostics.js';
import { block, type Handler, type KeywordTable, type ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { formatIp, isMulticast, isLinkLocal, parseIp } from '../address.js';
import { parseBool, readDecimal, readInt, readUnsigned } from '../values.js';
import { parseIpAddressEntry, type IpAddressEntry } from './ip-address.js';
import { parseIpRouteEntry, type IpRouteEntry } from './ip-route.js';
import { parseIpRuleEntry, type IpRuleEntry } from './ip-rule.js';
import {
  readTrackInterfaces,
  readTrackedObjects,
  readUnicastPeers,
  sockaddrText,
  type TrackLists,
  type UnicastPeer,
} from './vrrp-instance-lists.js';

export type { TrackedInterface, TrackedObject, UnicastPeer } from './vrrp-instance-lists.js';

export interface VrrpInstance extends TrackLists {
  name: string;
  /** Initial state asked for; absent = derived from priority (255 → MASTER). */
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  /** keepalived-ts: the `interface` named in the file when the host lacks it (keepalived keeps none). */
  missing_interface?: string;
  vrf?: string;
  dont_track_primary: boolean;
  /** Address family of the instance (from its VIPs or addresses). */
  family?: 'inet' | 'inet6';
  mcast_src_ip?: string;
  unicast_src_ip?: string;
  mcast_dst_ip?: string;
  unicast_peer: UnicastPeer[];
  unicast_fault_no_peer: boolean;
  /** A unicast keyword was used (unicast_peer, unicast_src_ip, check_unicast_src, ...). */
  unicast_configured: boolean;
  check_unicast_src: boolean;
  old_unicast_checksum?: 'config' | 'never';
  unicast_ttl?: number;
  track_src_ip: boolean;
  native_ipv6: boolean;
  /** 0 = not set. */
  virtual_router_id: number;
  /** 0 = not set (derived at completion: 255 for MASTER, else 100). */
  priority: number;
  /** Seconds. */
  advert_int: number;
  version?: 2 | 3;
  authentication?: { auth_type?: 'PASS' | 'AH'; auth_pass?: string };
  virtual_ipaddress: IpAddressEntry[];
  virtual_ipaddress_excluded: IpAddressEntry[];
  virtual_routes: IpRouteEntry[];
  virtual_rules: IpRuleEntry[];
  promote_secondaries: boolean;
  linkbeat_use_polling: boolean;
  accept?: boolean;
  skip_check_adv_addr: boolean;
  strict_mode?: boolean;
  nopreempt: boolean;
  /** Seconds. */
  preempt_delay: number;
  debug: number;
  notify_backup?: ScriptSpec;
  notify_master?: ScriptSpec;
  notify_fault?: ScriptSpec;
  notify_stop?: ScriptSpec;
  notify_deleted?: ScriptSpec | true;
  notify?: ScriptSpec;
  notify_master_rx_lower_pri?: ScriptSpec;
  smtp_alert?: boolean;
  notify_priority_changes?: boolean;
  lvs_sync_daemon_interface?: string;
  garp_master_delay?: number;
  garp_master_refresh?: number;
  garp_master_repeat?: number;
  garp_master_refresh_repeat?: number;
  garp_lower_prio_delay?: number;
  garp_lower_prio_repeat?: number;
  down_timer_adverts?: number;
  garp_extra_if?: { interval: number; all: boolean };
  lower_prio_no_advert?: boolean;
  /** keepalived 2.2.8+: VRRPv3 IPv4 checksum without the pseudo-header (RFC 9568 / Cisco). */
  v3_checksum_as_v2?: boolean;
  higher_prio_send_advert?: boolean;
  kernel_rx_buf_size?: number;
  use_vmac?: { name?: string; mac?: string };
  use_vmac_addr: boolean;
  vmac_xmit_base: boolean;
  use_ipvlan?: { name?: string; address?: string; type?: 'bridge' | 'private' | 'vepa' };
}

function newInstance(name: string): VrrpInstance {
  return {
    name,
    dont_track_primary: false,
    track_interface: [],
    track_script: [],
    track_file: [],
    track_process: [],
    track_bfd: [],
    unicast_peer: [],
    unicast_fault_no_peer: false,
    unicast_configured: false,
    check_unicast_src: false,
    track_src_ip: false,
    native_ipv6: false,
    virtual_router_id: 0,
    priority: 0,
    advert_int: 1,
    virtual_ipaddress: [],
    virtual_ipaddress_excluded: [],
    virtual_routes: [],
    virtual_rules: [],
    promote_secondaries: false,
    linkbeat_use_polling: false,
    skip_check_adv_addr: false,
    nopreempt: false,
    preempt_delay: 0,
    debug: 0,
    use_vmac_addr: false,
    vmac_xmit_base: false,
  };
}

/** The config being read, for instance handlers that resolve names (track_script, ...). */
const configOf = new WeakMap<VrrpInstance, KeepalivedConfig>();

type V = VrrpInstance;
type Fields = Record<string, unknown>;

function onOff(field: keyof V): Handler<V> {
  return (v, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`(${v.name}) invalid ${st.words[0]} ${w} specified`);
    else (v as unknown as Fields)[field] = b;
  };
}

function setTrue(field: keyof V, extra?: (v: V) => void): Handler<V> {
  return (v) => {
    (v as unknown as Fields)[field] = true;
    extra?.(v);
  };
}

function notifyScript(field: keyof V, label: string): Handler<V> {
  return (v, st, p) => {
    if ((v as unknown as Fields)[field] !== undefined) {
      p.error(`(${v.name}) ${label} already specified - ignoring ${st.words[1] ?? ''}`);
      return;
    }
    const spec = p.readScript(st);
    if (spec) (v as unknown as Fields)[field] = spec;
  };
}

/** Whole seconds, keepalived's `'<v>' invalid - ignoring` style. */
function garpSeconds(field: keyof V, atLeastOne = false): Handler<V> {
  return (v, st, p) => {
    const kw = st.words[0]!;
    const n = readUnsigned(p, st.words[1], 0, atLeastOne ? 2147483647 : 4294);
    if (n === null) {
      p.error(`(${v.name}): ${kw} '${st.words[1] ?? ''}' invalid - ignoring`);
      return;
    }
    if (atLeastOne && n === 0) p.error(`(${v.name}): ${kw} must be greater than 0, setting to 1`);
    (v as unknown as Fields)[field] = atLeastOne ? Math.max(1, n) : n;
  };
}

function sourceAddress(field: 'mcast_src_ip' | 'unicast_src_ip'): Handler<V> {
  return (v, st, p) => {
    if (field === 'unicast_src_ip') v.unicast_configured = true;
    // keepalived reads the address up to a '-' or '/': a range or prefix length is dropped
    const a = st.words[1] === undefined ? null : parseIp(sockaddrText(st.words[1]));
    if (!a) {
      p.error(`Configuration error: VRRP instance[${v.name}] malformed src address[${st.words[1] ?? ''}]. Skipping...`);
      return;
    }
    if (v.family !== undefined && v.family !== a.family) {
      p.error(`Configuration error: VRRP instance[${v.name}] and src address[${st.words[1]}] MUST be of the same family !!! Skipping...`);
      return;
    }
    v.family ??= a.family;
    v[field] = formatIp(a);
  };
}

function addressBlock(field: 'virtual_ipaddress' | 'virtual_ipaddress_excluded'): Handler<V> {
  return (v, st, p) => {
    p.eachValue(st, (e) => {
      const entry = parseIpAddressEntry(p, e.words, field === 'virtual_ipaddress' ? 'vip' : 'evip', v.interface);
      if (!entry) return;
      if (field === 'virtual_ipaddress') {
        if (v.family !== undefined && v.family !== entry.family) {
          p.error(`(${v.name}): address family must match VRRP instance [${e.words[0]}] - ignoring`);
          return;
        }
        v.family ??= entry.family;
      }
      v[field].push(entry);
    });
  };
}

/** The macvlan/ipvlan interface name an instance asked for (keepalived's `vmac_ifname`). */
function vmacName(v: V): string | undefined {
  return v.use_vmac?.name ?? v.use_ipvlan?.name;
}

/** The kernel's rule for an interface name (keepalived copies net/core/dev.c dev_valid_name()). */
function devNameValid(name: string): boolean {
  if (name === '' || Buffer.byteLength(name) >= 16 || name === '.' || name === '..') return false;
  return !/[/:\s]/.test(name);
}

/**
 * A VMAC address as keepalived reads it: six hex octets of one or two digits separated by ':'; five
 * octets leave the last to the VRID. null if malformed. (Only hex digits and ':' reach here.)
 */
function parseVmacAddress(text: string): number[] | null {
  const octets: number[] = [];
  const parts = text.split(':');
  for (let j = 0; j < 6; j++) {
    const part = parts[j];
    if (part === undefined || part === '' || part.length > 2) return null;
    octets.push(parseInt(part, 16));
    const last = j === parts.length - 1;
    // keepalived stops after the fifth octet when nothing (or a lone ':') follows
    if (j === 4 && (last || (j === parts.length - 2 && parts[j + 1] === ''))) return octets;
    if (last && j < 5) return null;
    if (j < 5 && parts[j + 1] === '') return null;
  }
  return octets;
}

const authenticationKeywords: KeywordTable<NonNullable<V['authentication']> & { owner: string }> = {
  auth_type: (a, st, p) => {
    const w = st.words[1] ?? p.missingParameter();
    if (w === 'AH' || w === 'PASS') a.auth_type = w;
    else p.error(`(${a.owner}) unknown authentication type '${w ?? ''}'`);
  },
  auth_pass: (a, st, p) => {
    const w = st.words[1] ?? p.missingParameter();
    if (Buffer.byteLength(w) > 8) p.error('Truncating auth_pass to 8 characters');
    a.auth_pass = Buffer.from(w).subarray(0, 8).toString();
  },
};

export const vrrpInstanceKeywords: KeywordTable<V> = {
  use_vmac: (v, st, p) => {
    // keepalived (vrrp_vmac_handler): a name and a MAC, in either order, among the first two words
    const vmac: { name?: string; mac?: string } = v.use_vmac ?? {};
    v.use_vmac = vmac;
    for (const w of st.words.slice(1, 3)) {
      if (w.includes(':')) {
        if (vmac.mac !== undefined) p.error('VMAC interface address already specified');
        else if (/[^0-9A-Fa-f:]/.test(w)) p.error(`VMAC invalid MAC address ${w}`);
        else {
          const mac = parseVmacAddress(w);
          if (mac === null) p.error(`VMAC invalid MAC address ${w} - ignored`);
          else if (mac[0]! & 0x01) p.error(`VMAC MAC address is multicast ${w} - ignoring`);
          else if (mac[0] === 0 && mac[1] === 0 && mac[2] === 0x5e && mac[3] === 0 && (mac[4] === 1 || mac[4] === 2)) {
            p.error(`VMAC MAC address not allowed to be RFC5798 address (${w}) - ignoring`);
          } else vmac.mac = w.toLowerCase();
        }
        continue;
      }
      if (vmacName(v) !== undefined) {
        p.error('VMAC interface name already specified');
        continue;
      }
      if (!devNameValid(w)) {
        p.error(`VMAC interface name '${w}' too long or invalid characters - ignoring`);
        continue;
      }
      const other = configOf.get(v)?.vrrp_instance.find((o) => vmacName(o) === w);
      if (other) {
        p.error(`(${v.name}) VRRP instance ${other.name} is already using ${w} - ignoring name`);
        continue;
      }
      vmac.name = w;
    }
  },
  use_vmac_addr: setTrue('use_vmac_addr'),
  vmac_xmit_base: setTrue('vmac_xmit_base'),
  use_ipvlan: (v, st, p) => {
    if (v.use_ipvlan) {
      p.error(`(${v.name}) use_ipvlan already specified`);
      return;
    }
    const ipvlan: NonNullable<V['use_ipvlan']> = {};
    for (const w of st.words.slice(1)) {
      if (w === 'bridge' || w === 'private' || w === 'vepa') ipvlan.type = w;
      else if (parseIp(w.split('/')[0]!)) ipvlan.address = w;
      else if (vmacName(v) !== undefined || ipvlan.name !== undefined) p.error(`(${v.name}) IPVLAN interface already specified - ignoring '${w}'`);
      else if (w.length >= 16) p.error(`(${v.name}) IPVLAN interface name '${w}' too long - ignoring`);
      else {
        const other = configOf.get(v)?.vrrp_instance.find((o) => vmacName(o) === w);
        if (other) p.error(`(${v.name}) VRRP instance ${other.name} is already using ${w} - ignoring name`);
        else ipvlan.name = w;
      }
    }
    v.use_ipvlan = ipvlan;
  },
  unicast_peer: (v, st, p) => {
    v.unicast_configured = true;
    readUnicastPeers(p, st, v.name, () => v.family, (f) => (v.family = f), v.unicast_peer, () => (v.check_unicast_src = true));
  },
  unicast_fault_no_peer: setTrue('unicast_fault_no_peer', (v) => (v.unicast_configured = true)),
  check_unicast_src: setTrue('check_unicast_src', (v) => (v.unicast_configured = true)),
  old_unicast_checksum: (v, st, p) => {
    v.unicast_configured = true;
    if (st.words[1] === undefined) v.old_unicast_checksum = 'config';
    else if (st.words[1] === 'never') v.old_unicast_checksum = 'never';
    else p.error(`(${v.name}) Unknown old_unicast_chksum mode ${st.words[1]} - ignoring`);
  },
  native_ipv6: (v, _st, p) => {
    if (v.family === 'inet') {
      p.error(`(${v.name}) Cannot specify native_ipv6 with IPv4 addresses`);
      return;
    }
    v.native_ipv6 = true;
    v.family = 'inet6';
    v.version = 3;
  },
  state: (v, st, p) => {
    const w = st.words[1] ?? p.missingParameter();
    if (w === 'MASTER') v.state = 'MASTER';
    else if (w === 'BACKUP') {
      if (v.state === 'MASTER') p.error(`(${v.name}) state previously set as MASTER - ignoring BACKUP`);
      else v.state = 'BACKUP';
    } else {
      p.error(`(${v.name}) unknown state '${w ?? ''}', defaulting to BACKUP`);
      v.state = 'BACKUP';
    }
  },
  interface: (v, st, p) => {
    const name = st.words[1] ?? p.missingParameter();
    if (name.length >= 16) {
      p.error(`Interface name '${name}' too long - ignoring`);
      return;
    }
    if (p.interfaceMissing(name)) {
      // keepalived leaves the instance without an interface ("Unknown interface!" later).
      p.error(`WARNING - interface ${name} for vrrp_instance ${v.name} doesn't exist`);
      v.missing_interface = name;
      return;
    }
    if (name === 'lo') {
      p.error(`(${v.name}) cannot use a loopback interface (${name}) for vrrp - ignoring`);
      return;
    }
    v.interface = name;
  },
  vrf: (v, st, p) => {
    const name = st.words[1] ?? '';
    if (v.interface !== undefined) p.error(`(${v.name}) Cannot specify VRF interface and interface - ignoring`);
    else if (v.vrf !== undefined) p.error(`(${v.name}) VRF interface already specified as '${v.vrf}' - ignoring`);
    else {
      if (p.interfaceMissing(name)) p.error(`(${v.name}) WARNING - VRF interface ${name} doesn't exist`);
      v.vrf = name;
    }
  },
  dont_track_primary: setTrue('dont_track_primary'),
  track_interface: (v, st, p) => readTrackInterfaces(p, st, v.name, v.track_interface),
  track_script: (v, st, p) => readTrackedObjects(p, st, v.name, configOf.get(v)!, 'track_script', v.track_script),
  track_file: (v, st, p) => readTrackedObjects(p, st, v.name, configOf.get(v)!, 'track_file', v.track_file),
  track_process: (v, st, p) => readTrackedObjects(p, st, v.name, configOf.get(v)!, 'track_process', v.track_process),
  track_bfd: (v, st, p) => readTrackedObjects(p, st, v.name, configOf.get(v)!, 'track_bfd', v.track_bfd),
  mcast_src_ip: sourceAddress('mcast_src_ip'),
  unicast_src_ip: sourceAddress('unicast_src_ip'),
  mcast_dst_ip: (v, st, p) => {
    const a = st.words[1] === undefined ? null : parseIp(sockaddrText(st.words[1]));
    if (!a) {
      p.error(`(${v.name}) malformed mcast dest address ${st.words[1] ?? ''}. Skipping...`);
      return;
    }
    if (v.family !== undefined && v.family !== a.family) {
      p.error(`(${v.name}) mcast dest address ${st.words[1]} MUST match VRRP instance family. Skipping...`);
      return;
    }
    v.family ??= a.family;
    if (!isMulticast(a) || (a.family === 'inet6' && !(isLinkLocal(a) || ((a.bytes[1] ?? 0) & 0x0f) === 2))) {
      p.error(`(${v.name}) mcast_dst_ip ${st.words[1]} not${a.family === 'inet6' ? ' link-local' : ''} multicast. Skipping...`);
      return;
    }
    v.mcast_dst_ip = formatIp(a);
  },
  track_src_ip: setTrue('track_src_ip'),
  virtual_router_id: (v, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 255);
    if (n === null) p.error(`(${v.name}): VRID '${st.words[1]}' not valid - must be between 1 & 255`);
    else v.virtual_router_id = n;
  },
  unicast_ttl: (v, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 255);
    if (n === null) p.error(`(${v.name}): TTL '${st.words[1]}' not valid - must be between 0 & 255`);
    else v.unicast_ttl = n;
  },
  version: (v, st, p) => {
    const n = readInt(p, st.words[1], 2, 3);
    if (n === null) {
      p.error(`(${v.name}): Version must be either 2 or 3`);
      return;
    }
    // a version already set (or deduced: native_ipv6) stays; VRRPv2 cannot carry IPv6
    if ((v.version !== undefined && v.version !== n) || (n === 2 && v.family === 'inet6')) {
      p.error(`(${v.name}) vrrp_version ${n} conflicts with configured or deduced version ${v.version ?? 0}; ignoring.`);
      return;
    }
    v.version = n === 2 ? 2 : 3;
  },
  priority: (v, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 255);
    if (n === null) {
      p.error(`(${v.name}) Priority not valid! must be between 1 & 255. Using default 100`);
      v.priority = 100;
    } else v.priority = n;
  },
  advert_int: (v, st, p) => {
    // keepalived: microseconds (6 places), [TIMER_HZ / 100, 255 * TIMER_HZ]
    const us = readDecimal(p, st.words[1], 10_000, 255_000_000, 6);
    if (us === null || us <= 0) p.error(`(${v.name}) Advert interval (${st.words[1] ?? ''}) not valid! Must be > 0 - ignoring`);
    else v.advert_int = us / 1e6;
  },
  virtual_ipaddress: addressBlock('virtual_ipaddress'),
  virtual_ipaddress_excluded: addressBlock('virtual_ipaddress_excluded'),
  promote_secondaries: setTrue('promote_secondaries'),
  linkbeat_use_polling: (v, _st, p) => {
    v.linkbeat_use_polling = true;
    p.error(`(${v.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
  },
  virtual_routes: (v, st, p) => {
    p.eachValue(st, (e) => {
      const r = parseIpRouteEntry(p, e.words, 'virtual');
      if (r) v.virtual_routes.push(r);
    });
  },
  virtual_rules: (v, st, p) => {
    p.eachValue(st, (e) => {
      const r = parseIpRuleEntry(p, e.words, 'virtual');
      if (r) v.virtual_rules.push(r);
    });
  },
  accept: (v) => {
    v.accept = true;
  },
  no_accept: (v) => {
    v.accept = false;
  },
  skip_check_adv_addr: onOff('skip_check_adv_addr'),
  strict_mode: onOff('strict_mode'),
  preempt: (v) => {
    v.nopreempt = false;
  },
  nopreempt: setTrue('nopreempt'),
  preempt_delay: (v, st, p) => {
    const us = readDecimal(p, st.words[1], 0, 1000_000000, 6); // TIMER_MAX_SEC seconds
    if (us === null) {
      p.error(`(${v.name}) Preempt_delay not valid! must be between 0-1000`);
      v.preempt_delay = 0;
    } else v.preempt_delay = us / 1e6;
  },
  debug: (v, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4);
    if (n === null) p.error(`(${v.name}) Debug value '${st.words[1]}' not valid; must be between 0-4`);
    else v.debug = n;
  },
  notify_backup: notifyScript('notify_backup', 'notify_backup script'),
  notify_master: notifyScript('notify_master', 'notify_master script'),
  notify_fault: notifyScript('notify_fault', 'notify_fault script'),
  notify_stop: notifyScript('notify_stop', 'notify_stop script'),
  notify_deleted: (v, st, p) => {
    if (v.notify_deleted !== undefined) {
      p.error(`(${v.name}) notify_deleted already specified - ignoring ${st.words[1] ?? ''}`);
      return;
    }
    if (st.words.length === 1) v.notify_deleted = true;
    else {
      const spec = p.readScript(st);
      if (spec) v.notify_deleted = spec;
    }
  },
  notify: notifyScript('notify', 'notify script'),
  notify_master_rx_lower_pri: notifyScript('notify_master_rx_lower_pri', 'notify_master_rx_lower_pri script'),
  smtp_alert: (v, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid vrrp_instance smtp_alert parameter ${w}`);
    else v.smtp_alert = b;
  },
  notify_priority_changes: (v, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`(${v.name}) Invalid value '${w}' for notify_priority_changes specified`);
    else v.notify_priority_changes = b;
  },
  lvs_sync_daemon_interface: (v, st, p) => {
    // two lines, the second indented under the first's text (printf's %*s of an empty string)
    p.error(`(${v.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.`);
    p.error(`${' '.repeat(6 + Math.abs(v.name.length - 2))}Please use global lvs_sync_daemon`);
    v.lvs_sync_daemon_interface = st.words[1] ?? '';
  },
  garp_master_delay: garpSeconds('garp_master_delay'),
  garp_master_refresh: garpSeconds('garp_master_refresh'),
  garp_master_repeat: garpSeconds('garp_master_repeat', true),
  garp_master_refresh_repeat: garpSeconds('garp_master_refresh_repeat', true),
  garp_lower_prio_delay: garpSeconds('garp_lower_prio_delay'),
  garp_lower_prio_repeat: (v, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 2147483647);
    if (n === null) p.error(`(${v.name}): Invalid garp_lower_prio_repeat '${st.words[1] ?? ''}'`);
    else v.garp_lower_prio_repeat = n;
  },
  down_timer_adverts: (v, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 100);
    if (n === null) p.error(`(${v.name}): Invalid down_timer_adverts [1:100] '${st.words[1] ?? ''}'`);
    else v.down_timer_adverts = n;
  },
  garp_extra_if: garpExtraIf,
  vmac_garp_intvl: (v, st, p) => {
    p.report(Grade.Deprecated, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
    garpExtraIf(v, st, p);
  },
  lower_prio_no_advert: onOff('lower_prio_no_advert'),
  v3_checksum_as_v2: onOff('v3_checksum_as_v2'),
  higher_prio_send_advert: onOff('higher_prio_send_advert'),
  kernel_rx_buf_size: (v, st, p) => {
    const n = st.words.length === 2 ? readUnsigned(p, st.words[1], 0, 4294967295) : null;
    if (n === null) p.error(`(${v.name}) invalid kernel_rx_buf_size specified`);
    else v.kernel_rx_buf_size = n;
  },
  authentication: block(
    (v) => {
      const auth = { owner: v.name } as NonNullable<V['authentication']> & { owner: string };
      return auth;
    },
    authenticationKeywords,
    (auth, v) => {
      const { owner: _owner, ...rest } = auth;
      v.authentication = { ...v.authentication, ...rest };
    },
  ),
};

function garpExtraIf(v: V, st: { words: readonly string[] }, p: Parameters<Handler<V>>[2]): void {
  let interval: number | undefined;
  let all = false;
  for (const w of st.words.slice(1)) {
    if (w === 'all') all = true;
    else {
      const n = readUnsigned(p, w, 0, 86400);
      if (n === null) {
        p.error(`(${v.name}): ${st.words[0]} '${w}' invalid - ignoring`);
        return;
      }
      interval = n;
    }
  }
  if (interval === undefined) {
    p.error(`(${v.name}): ${st.words[0]} specified without time - ignoring`);
    return;
  }
  v.garp_extra_if = { interval, all };
}

/** keepalived: vrrp_end_handler(), at the instance's closing brace. */
function closeInstance(v: V, _c: KeepalivedConfig, p: Parameters<Handler<V>>[2]): void {
  if (v.unicast_ttl !== undefined && v.unicast_peer.length === 0) {
    p.error(`(${v.name}): Cannot use unicast_ttl without unicast peers - resetting`);
    delete v.unicast_ttl;
  }
  if (v.unicast_peer.length > 0 && v.use_vmac && !v.vmac_xmit_base) {
    if (v.interface === undefined) {
      p.error(`(${v.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`);
      delete v.use_vmac;
    } else {
      p.error(`(${v.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
      v.vmac_xmit_base = true;
    }
  }
}

export const vrrpInstanceBlock: Handler<KeepalivedConfig> = block(
  (c, st, p) => {
    const name = st.words[1];
    if (name === undefined) {
      p.error('vrrp_instance must have a name');
      return null;
    }
    if (c.vrrp_instance.some((v) => v.name === name)) {
      p.error(`vrrp instance ${name} already defined`);
      return null;
    }
    const v = newInstance(name);
    configOf.set(v, c);
    c.vrrp_instance.push(v);
    return v;
  },
  vrrpInstanceKeywords,
  closeInstance,
);
