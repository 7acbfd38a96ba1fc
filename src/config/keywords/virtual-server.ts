/**
 * `virtual_server IP PORT | fwmark N | group NAME { }`, `virtual_server_group NAME { }` and the
 * root `SSL { }` block (keepalived: check/check_parser.c, check/check_data.c).
 */
import { block, type Handler, type KeywordTable, type ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { parseBool, readUnsigned } from '../values.js';
import { formatIp, parseIp, type Family } from '../address.js';
import {
  ConnectTimeoutMaxSeconds,
  familyOfAddress,
  familyOfServer,
  readForwarding,
  readRetry,
  readSeconds,
  readServerAddress,
  setFamilyOfServer,
  type LvsForwarding,
} from './lvs-common.js';
import { realServerBlock, type RealServer } from './real-server.js';

export const LvsSchedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;

export interface SorryServer extends LvsForwarding {
  ip: string;
  port: number;
  inhibit?: boolean;
}

export interface VirtualServer extends LvsForwarding {
  ip?: string;
  port?: number;
  fwmark?: number;
  group?: string;
  ip_family?: 'inet' | 'inet6';
  /** Seconds. */
  delay_loop: number;
  lvs_sched?: string;
  hashed?: boolean;
  ops?: boolean;
  'flag-1'?: boolean;
  'flag-2'?: boolean;
  'flag-3'?: boolean;
  persistence_engine?: string;
  /** Seconds; absent = not persistent. */
  persistence_timeout?: number;
  persistence_granularity?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  ha_suspend: boolean;
  smtp_alert?: boolean;
  virtualhost?: string;
  snmp_name?: string;
  alpha: boolean;
  omega: boolean;
  quorum_up?: ScriptSpec;
  quorum_down?: ScriptSpec;
  quorum: number;
  hysteresis: number;
  weight?: number;
  inhibit_on_failure?: boolean;
  retry?: number;
  delay_before_retry?: number;
  warmup?: number;
  connect_timeout?: number;
  sorry_server?: SorryServer;
  real_server: RealServer[];
}

export interface VirtualServerGroupEntry {
  /** Address, or first address of a range. */
  ip?: string;
  /** Last byte/word of a range `a.b.c.d-e`. */
  range_end?: number;
  prefix?: number;
  port?: number;
  fwmark?: number;
  /** `fwmark N inet|inet6`: the family of a fwmark entry, when given. */
  family?: Family;
  weight?: number;
}

export interface VirtualServerGroup {
  name: string;
  entries: VirtualServerGroupEntry[];
}

export interface SslContext {
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

type VS = VirtualServer;
const configOf = new WeakMap<VirtualServer, KeepalivedConfig>();

function vsSeconds(field: 'delay_loop' | 'delay_before_retry' | 'warmup', what: string, min = 0): Handler<VS> {
  return (vs, st, p) => {
    const s = readSeconds(p, st.words[1], `virtual server ${what}`, min);
    if (s !== null) vs[field] = s;
  };
}

/** keepalived's argument-less virtual server flags: whatever follows the keyword is ignored. */
function setFlag(field: 'ha_suspend' | 'alpha' | 'omega' | 'inhibit_on_failure'): Handler<VS> {
  return (vs) => {
    vs[field] = true;
  };
}

/**
 * `ops`, `flag-1..3`, `hashed`, `sh-*`, `mh-*` (keepalived's lbflags_handler(), arguments
 * ignored): anything but ops and flag-N only counts with the sh or mh scheduler already set, and
 * is refused otherwise. keepalived has no case for `hashed`, so it is refused unless the
 * scheduler is sh or mh, and then does nothing.
 */
const lbFlag: Handler<VS> = (vs, st, p) => {
  const w = st.words[0]!;
  const flags = vs as unknown as Record<string, boolean>;
  if (w === 'ops' || w === 'flag-1' || w === 'flag-2' || w === 'flag-3') flags[w] = true;
  else if (vs.lvs_sched === 'sh') {
    if (w === 'sh-port' || w === 'sh-fallback') flags[w] = true;
  } else if (vs.lvs_sched === 'mh') {
    if (w === 'mh-port' || w === 'mh-fallback') flags[w] = true;
  } else p.error(`${w} only applies to sh scheduler - ignoring`);
};

function smtpAlert(): Handler<VS> {
  return (vs, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid virtual_server smtp_alert parameter ${w}`);
    else vs.smtp_alert = b;
  };
}

/**
 * An IPv4 address as getaddrinfo(AI_NUMERICHOST) reads it (inet_aton): one to four parts, each
 * decimal, 0x-hex or 0-octal, the last part filling the remaining bytes.
 */
export function parseInetAton(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(part)) v = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) v = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) v = Number(part);
    else return null;
    values.push(v);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return null;
  const bytes = [...values];
  for (let i = 4 - values.length - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes;
}

function quorumScript(field: 'quorum_up' | 'quorum_down'): Handler<VS> {
  return (vs, st, p) => {
    if (vs[field]) {
      p.error(`${field} script already specified - ignoring ${st.words[1] ?? ''}`);
      return;
    }
    const spec = p.readScript(st);
    if (spec) vs[field] = spec;
  };
}

const virtualServerKeywords: KeywordTable<VS> = {
  ip_family: (vs, st, p) => {
    const w = st.words[1];
    const af = familyOfServer(vs);
    if (w !== 'inet' && w !== 'inet6') p.error(`unknown address family ${w ?? ''}`);
    else if (af !== undefined && af !== w) p.error(`Virtual server specified family ${w} conflicts with server family`);
    else {
      vs.ip_family = w;
      setFamilyOfServer(vs, w);
    }
  },
  retry: (vs, st, p) => {
    const n = readRetry(p, st.words[1]);
    if (n !== null) vs.retry = n;
  },
  delay_before_retry: vsSeconds('delay_before_retry', 'delay before retry'),
  warmup: vsSeconds('warmup', 'warmup'),
  connect_timeout: (vs, st, p) => {
    const s = readSeconds(p, st.words[1], 'virtual server connect_timeout', 0.000001, ConnectTimeoutMaxSeconds, false);
    if (s !== null) vs.connect_timeout = s;
  },
  delay_loop: vsSeconds('delay_loop', 'delay loop', 0.000001),
  inhibit_on_failure: setFlag('inhibit_on_failure'),
  lvs_sched: (vs, st, p) => {
    const w = st.words[1] ?? '';
    if (!(LvsSchedulers as readonly string[]).includes(w)) p.error(`Invalid lvs_scheduler '${w}' - ignoring`);
    else vs.lvs_sched = w;
  },
  hashed: lbFlag,
  ops: lbFlag,
  'flag-1': lbFlag,
  'flag-2': lbFlag,
  'flag-3': lbFlag,
  'sh-port': lbFlag,
  'sh-fallback': lbFlag,
  'mh-port': lbFlag,
  'mh-fallback': lbFlag,
  lvs_method: (vs, st, p) => {
    const f = readForwarding(p, st.words, 'virtual');
    if (f) Object.assign(vs, f);
  },
  persistence_engine: (vs, st, p) => {
    if (st.words[1] === undefined) p.error('persistence_engine requires a name');
    else vs.persistence_engine = st.words[1];
  },
  persistence_timeout: (vs, st, p) => {
    if (st.words.length < 2) {
      vs.persistence_timeout = 360;
      return;
    }
    const n = readUnsigned(p, st.words[1], 1, 2678400); // LVS_MAX_TIMEOUT
    if (n === null) p.error('persistence_timeout invalid');
    else vs.persistence_timeout = n;
  },
  persistence_granularity: (vs, st, p) => {
    // keepalived 2.2.7 takes the family of the service so far, else guesses it from a '.'; an
    // IPv4 mask need not be solid (its check is compiled out). Setting it makes the service
    // persistent.
    const w = st.words[1] ?? '';
    const af: Family = familyOfServer(vs) ?? (w.includes('.') ? 'inet' : 'inet6');
    if (af === 'inet6') {
      const n = readUnsigned(p, w, 1, 128);
      if (n === null) {
        p.error(`Invalid IPv6 persistence_granularity specified - ${w}`);
        return;
      }
      vs.persistence_granularity = String(n);
    } else {
      const bytes = parseInetAton(w);
      if (!bytes) {
        p.error(`Invalid IPv4 persistence_granularity specified - ${w}`);
        return;
      }
      vs.persistence_granularity = bytes.join('.');
    }
    if (familyOfServer(vs) === undefined) setFamilyOfServer(vs, af);
    vs.persistence_timeout ||= 360;
  },
  protocol: (vs, st, p) => {
    const w = (st.words[1] ?? '').toUpperCase();
    if (w === 'TCP' || w === 'UDP' || w === 'SCTP') vs.protocol = w;
    else p.error(`Unknown protocol ${st.words[1] ?? ''} - ignoring`);
  },
  ha_suspend: setFlag('ha_suspend'),
  smtp_alert: smtpAlert(),
  virtualhost: (vs, st, p) => {
    if (st.words[1] === undefined) p.error('virtual server virtualhost missing');
    else vs.virtualhost = st.words[1];
  },
  snmp_name: (vs, st, p) => {
    if (st.words.length !== 2) p.error('virtual server snmp_name missing or extra parameters');
    else vs.snmp_name = st.words[1]!;
  },
  alpha: setFlag('alpha'),
  omega: setFlag('omega'),
  quorum_up: quorumScript('quorum_up'),
  quorum_down: quorumScript('quorum_down'),
  quorum: (vs, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 4294967295);
    if (n === null) p.error(`Quorum ${st.words[1] ?? ''} must be in [1, 4294967295]. Setting to 1.`);
    vs.quorum = n ?? 1;
  },
  hysteresis: (vs, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n === null) p.error(`Hysteresis ${st.words[1] ?? ''} must be in [0, 4294967295] - ignoring`);
    else vs.hysteresis = n;
  },
  weight: (vs, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 65535);
    if (n === null) p.error(`Virtual server weight ${st.words[1] ?? ''} is outside range 1-65535`);
    else vs.weight = n;
  },
  sorry_server: (vs, st, p) => {
    const addr = readServerAddress(p, st.words[1], st.words[2], 'sorry server', `Invalid sorry server IP address ${st.words[1] ?? ''} - skipping`);
    if (!addr) return;
    // its family is checked at the virtual server's `}`; it starts with the service's forwarding
    const ss: SorryServer = addr;
    if (vs.lvs_method !== undefined) ss.lvs_method = vs.lvs_method;
    if (vs.tunnel_type !== undefined) ss.tunnel_type = vs.tunnel_type;
    if (vs.tunnel_port !== undefined) ss.tunnel_port = vs.tunnel_port;
    if (vs.tunnel_checksum !== undefined) ss.tunnel_checksum = vs.tunnel_checksum;
    vs.sorry_server = ss;
  },
  // argument-less in keepalived: anything after it is ignored
  sorry_server_inhibit: (vs, _st, p) => {
    if (!vs.sorry_server) p.error('Ignoring sorry_server inhibit used before or without sorry_server');
    else vs.sorry_server.inhibit = true;
  },
  sorry_server_lvs_method: (vs, st, p) => {
    if (!vs.sorry_server) {
      p.error('sorry_server forwarding used without sorry_server');
      return;
    }
    const f = readForwarding(p, st.words, 'sorry');
    if (f) {
      delete vs.sorry_server.tunnel_type;
      delete vs.sorry_server.tunnel_port;
      delete vs.sorry_server.tunnel_checksum;
      Object.assign(vs.sorry_server, f);
    }
  },
  real_server: realServerBlock<VS>((vs) => configOf.get(vs)!),
};

// keepalived's older names for the same keywords.
const aliases: KeywordTable<VS> = {
  lb_algo: virtualServerKeywords.lvs_sched!,
  lb_kind: virtualServerKeywords.lvs_method!,
};

function openVirtualServer(c: KeepalivedConfig, st: { words: readonly string[] }, p: Parameters<Handler<KeepalivedConfig>>[2]): VS | null {
  const [, first, second] = st.words;
  const vs: VS = { delay_loop: 60, ha_suspend: false, alpha: false, omega: false, quorum: 1, hysteresis: 0, real_server: [] };
  if (first === 'fwmark') {
    const n = second === undefined ? null : readUnsigned(p, second, 0, 4294967295);
    if (n === null) {
      p.error(`virtual server fwmark '${second ?? ''}' must be in [0, 4294967295] - ignoring`);
      return null;
    }
    vs.fwmark = n;
  } else if (first === 'group') {
    if (second === undefined) {
      p.error('virtual server group requires a name');
      return null;
    }
    vs.group = second;
  } else {
    // keepalived leaves out a port of zeros, and reads the port before the address
    const portText = second !== undefined && !/^0*$/.test(second) ? second : undefined;
    const port = portText === undefined ? 0 : readUnsigned(p, portText, 1, 65535);
    const a = port === null || first === undefined ? null : parseIp(first);
    if (!a || port === null) {
      p.error(`Invalid virtual server IP address${portText !== undefined ? '/port' : ''} ${first ?? ''}${portText !== undefined ? `/${portText}` : ''} - skipping`);
      return null;
    }
    vs.ip = formatIp(a);
    vs.port = port;
    setFamilyOfServer(vs, a.family);
  }
  configOf.set(vs, c);
  c.virtual_server.push(vs);
  return vs;
}

/**
 * At a virtual server's `}` (keepalived's vs_end_handler()): a sorry server that is not tunnelled
 * must be of the service's family; a service still without a family takes it from its sorry and
 * real servers (IPv4 if they disagree or there are none), unless it uses a group.
 */
function closeVirtualServer(vs: VS, _c: KeepalivedConfig, p: Parameters<Handler<KeepalivedConfig>>[2]): void {
  const ss = vs.sorry_server;
  if (ss && ss.lvs_method !== 'TUN') {
    const af = familyOfServer(vs);
    if (af === undefined) setFamilyOfServer(vs, familyOfAddress(ss.ip));
    else if (af !== familyOfAddress(ss.ip)) {
      p.error(`Address family of virtual server and sorry server ${ss.ip} don't match - skipping sorry server.`);
      delete vs.sorry_server;
    }
  }
  if (familyOfServer(vs) === undefined && vs.group === undefined) {
    const families = new Set([...(vs.sorry_server ? [vs.sorry_server.ip] : []), ...vs.real_server.map((rs) => rs.ip)].map(familyOfAddress));
    setFamilyOfServer(vs, families.size === 1 ? [...families][0]! : 'inet');
  }
}

function readGroupEntry(p: Parameters<Handler<KeepalivedConfig>>[2], words: readonly string[], g: VirtualServerGroup): void {
  if (words[0] === 'fwmark') {
    const n = readUnsigned(p, words[1], 0, 4294967295);
    if (n === null) {
      p.error(`(${g.name}): fwmark '${words[1]}' must be in [0, 4294967295] - ignoring`);
      return;
    }
    const family = words[2];
    if (family !== undefined && family !== 'inet' && family !== 'inet6') {
      p.error(`(${g.name}): fwmark '${n}' family ${family} unknown - ignoring`);
      return;
    }
    g.entries.push(family === undefined ? { fwmark: n } : { fwmark: n, family });
    return;
  }
  const text = words[0]!;
  // as for a virtual server: a port of zeros is left out, and the port is read first
  const portText = words[1] !== undefined && !/^0*$/.test(words[1]) ? words[1] : undefined;
  const port = portText === undefined ? 0 : readUnsigned(p, portText, 1, 65535);
  const m = /^([^-/]+)(?:-([0-9a-fA-F]+))?(?:\/([0-9]+))?$/.exec(text);
  const a = m && port !== null ? parseIp(m[1]!) : null;
  if (!m || !a || port === null) {
    p.error(`Invalid virtual server group IP address ${text} ${portText !== undefined ? `/port/${portText}` : ''} - skipping`);
    return;
  }
  const entry: VirtualServerGroupEntry = { ip: formatIp(a), port };
  if (m[2] !== undefined) {
    const end = a.family === 'inet' ? Number(m[2]) : parseInt(m[2], 16);
    const last = a.family === 'inet' ? a.bytes[3]! : (a.bytes[14]! << 8) | a.bytes[15]!;
    if (!(end <= (a.family === 'inet' ? 255 : 65535))) {
      p.error(`Invalid range end ${m[2]} - skipping`);
      return;
    }
    if (end < last) {
      p.error(`Address range end is less than address range start - ${text} - skipping`);
      return;
    }
    entry.range_end = end;
  }
  if (m[3] !== undefined) entry.prefix = Number(m[3]);
  g.entries.push(entry);
}

export const virtualServerRootKeywords: KeywordTable<KeepalivedConfig> = {
  SSL: block(
    (c, _st, p) => {
      if (c.SSL) p.error('SSL context already specified - replacing');
      c.SSL = {};
      return c.SSL;
    },
    Object.fromEntries(
      (['password', 'ca', 'certificate', 'key'] as const).map((k) => [
        k,
        ((s, st, p) => {
          if (st.words[1] === undefined) p.error(`SSL ${k} missing`);
          else {
            if (s[k] !== undefined) p.error(`SSL ${k} already specified - replacing`);
            s[k] = st.words[1];
          }
        }) as Handler<SslContext>,
      ]),
    ),
  ),
  virtual_server_group: (c, st, p) => {
    const name = st.words[1];
    if (name === undefined) {
      p.error('virtual_server_group requires a name');
      p.skipBlock();
      return;
    }
    const g: VirtualServerGroup = { name, entries: [] };
    p.eachValue({ ...st, words: [st.words[0]!] }, (e) => readGroupEntry(p, e.words, g));
    if (g.entries.length === 0) {
      p.error(`virtual server group ${name} has no entries - removing`);
      return;
    }
    // IPv4 and IPv6 may be mixed, but not with a fwmark that has no family
    const families = groupFamilies(g);
    if (families.inet && families.inet6 && g.entries.some((e) => e.fwmark !== undefined && e.family === undefined)) {
      p.error(`virtual server group ${name} cannot have IPv4, IPv6 and fwmark without family - removing`);
      return;
    }
    c.virtual_server_group.push(g);
  },
  virtual_server: block(openVirtualServer, { ...virtualServerKeywords, ...aliases }, closeVirtualServer),
};

/** Which families a group's entries have (addresses, and fwmarks given a family). */
export function groupFamilies(g: VirtualServerGroup): Record<Family, boolean> {
  const out = { inet: false, inet6: false };
  for (const e of g.entries) {
    const f = e.ip !== undefined ? familyOfAddress(e.ip) : e.family;
    if (f) out[f] = true;
  }
  return out;
}
