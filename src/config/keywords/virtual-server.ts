/**
 * `virtual_server IP PORT | fwmark N | group NAME { }`, `virtual_server_group NAME { }` and the
 * root `SSL { }` block (keepalived: check/check_parser.c, check/check_data.c).
 */
import { block, type Handler, type KeywordTable, type ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { parseBool, readUnsigned } from '../values.js';
import { formatIp, parseIp } from '../address.js';
import { readForwarding, readRetry, readSeconds, readServerAddress, type LvsForwarding } from './lvs-common.js';
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

function vsSeconds(field: 'delay_loop' | 'delay_before_retry' | 'warmup' | 'connect_timeout', what: string, min = 0): Handler<VS> {
  return (vs, st, p) => {
    const s = readSeconds(p, st.words[1], `virtual server ${what}`, min);
    if (s !== null) vs[field] = s;
  };
}

function optionalBool(field: 'ha_suspend' | 'alpha' | 'omega' | 'inhibit_on_failure' | 'smtp_alert' | 'hashed' | 'ops' | 'flag-1' | 'flag-2' | 'flag-3', label: string): Handler<VS> {
  return (vs, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid ${label} parameter ${w}`);
    else vs[field] = b;
  };
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

const schedulerOnly = (sched: string) =>
  ((vs, st, p) => {
    p.report(0, `${st.words[0]} applies to the ${sched} scheduler`);
    (vs as unknown as Record<string, unknown>)[st.words[0]!] = true;
  }) as Handler<VS>;

const virtualServerKeywords: KeywordTable<VS> = {
  ip_family: (vs, st, p) => {
    const w = st.words[1];
    if (w !== 'inet' && w !== 'inet6') p.error(`unknown address family ${w ?? ''}`);
    else if (vs.ip !== undefined && vs.ip.includes(':') !== (w === 'inet6')) p.error(`Virtual server specified family ${w} conflicts with server family`);
    else vs.ip_family = w;
  },
  retry: (vs, st, p) => {
    const n = readRetry(p, st.words[1]);
    if (n !== null) vs.retry = n;
  },
  delay_before_retry: vsSeconds('delay_before_retry', 'delay before retry'),
  warmup: vsSeconds('warmup', 'warmup'),
  connect_timeout: vsSeconds('connect_timeout', 'connect_timeout', 0.000001),
  delay_loop: vsSeconds('delay_loop', 'delay loop', 0.000001),
  inhibit_on_failure: optionalBool('inhibit_on_failure', 'inhibit_on_failure'),
  lvs_sched: (vs, st, p) => {
    const w = st.words[1] ?? '';
    if (!(LvsSchedulers as readonly string[]).includes(w)) p.error(`Invalid lvs_scheduler '${w}' - ignoring`);
    else vs.lvs_sched = w;
  },
  hashed: optionalBool('hashed', 'hashed'),
  ops: optionalBool('ops', 'ops'),
  'flag-1': optionalBool('flag-1', 'flag-1'),
  'flag-2': optionalBool('flag-2', 'flag-2'),
  'flag-3': optionalBool('flag-3', 'flag-3'),
  'sh-port': schedulerOnly('sh'),
  'sh-fallback': schedulerOnly('sh'),
  'mh-port': schedulerOnly('mh'),
  'mh-fallback': schedulerOnly('mh'),
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
    const n = /^[0-9]+$/.test(st.words[1]!) ? Number(st.words[1]) : NaN;
    if (!(n >= 1 && n <= 2678400)) p.error('persistence_timeout invalid');
    else vs.persistence_timeout = n;
  },
  persistence_granularity: (vs, st, p) => {
    const w = st.words[1] ?? '';
    const v6 = vs.ip?.includes(':');
    if (v6) {
      if (!/^[0-9]+$/.test(w) || Number(w) < 1 || Number(w) > 128) p.error(`Invalid IPv6 persistence_granularity specified - ${w}`);
      else vs.persistence_granularity = w;
      return;
    }
    const a = parseIp(w);
    if (!a || a.family !== 'inet') {
      p.error(`Invalid IPv4 persistence_granularity specified - ${w}`);
      return;
    }
    const mask = ((a.bytes[0]! << 24) | (a.bytes[1]! << 16) | (a.bytes[2]! << 8) | a.bytes[3]!) >>> 0;
    const inverted = ~mask >>> 0;
    if ((inverted & (inverted + 1)) !== 0) p.error(`IPv4 persistence_granularity netmask is not solid - ${w}`);
    else vs.persistence_granularity = formatIp(a);
  },
  protocol: (vs, st, p) => {
    const w = (st.words[1] ?? '').toUpperCase();
    if (w === 'TCP' || w === 'UDP' || w === 'SCTP') vs.protocol = w;
    else p.error(`Unknown protocol ${st.words[1] ?? ''} - ignoring`);
  },
  ha_suspend: optionalBool('ha_suspend', 'ha_suspend'),
  smtp_alert: optionalBool('smtp_alert', 'virtual_server smtp_alert'),
  virtualhost: (vs, st, p) => {
    if (st.words[1] === undefined) p.error('virtual server virtualhost missing');
    else vs.virtualhost = st.words[1];
  },
  snmp_name: (vs, st, p) => {
    if (st.words.length !== 2) p.error('virtual server snmp_name missing or extra parameters');
    else vs.snmp_name = st.words[1]!;
  },
  alpha: optionalBool('alpha', 'alpha'),
  omega: optionalBool('omega', 'omega'),
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
    const addr = readServerAddress(p, st.words[1], st.words[2], 'sorry server');
    if (!addr) return;
    if (vs.ip !== undefined && vs.ip.includes(':') !== addr.ip.includes(':')) {
      p.error(`Address family of virtual server and sorry server ${addr.ip} don't match - skipping sorry server.`);
      return;
    }
    vs.sorry_server = addr;
  },
  sorry_server_inhibit: (vs, st, p) => {
    if (!vs.sorry_server) {
      p.error('Ignoring sorry_server inhibit used before or without sorry_server');
      return;
    }
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid sorry_server_inhibit parameter ${w}`);
    else vs.sorry_server.inhibit = b;
  },
  sorry_server_lvs_method: (vs, st, p) => {
    if (!vs.sorry_server) {
      p.error('sorry_server forwarding used without sorry_server');
      return;
    }
    const f = readForwarding(p, st.words, 'sorry');
    if (f) Object.assign(vs.sorry_server, f);
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
    const n = second !== undefined && /^[0-9]+$/.test(second) ? Number(second) : NaN;
    if (!(n >= 0 && n <= 4294967295)) {
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
    const a = first === undefined ? null : parseIp(first);
    const port = second === undefined ? 0 : /^[0-9]+$/.test(second) ? Number(second) : NaN;
    if (!a || !(port >= 0 && port <= 65535)) {
      p.error(`Invalid virtual server IP address ${first ?? ''} ${second ?? ''} - skipping`);
      return null;
    }
    vs.ip = formatIp(a);
    vs.port = port;
  }
  configOf.set(vs, c);
  c.virtual_server.push(vs);
  return vs;
}

function readGroupEntry(p: Parameters<Handler<KeepalivedConfig>>[2], words: readonly string[], g: VirtualServerGroup): void {
  if (words[0] === 'fwmark') {
    const n = words[1] !== undefined && /^[0-9]+$/.test(words[1]) ? Number(words[1]) : NaN;
    if (!(n >= 0 && n <= 4294967295)) p.error(`(${g.name}): fwmark '${words[1] ?? ''}' must be in [0, 4294967295] - ignoring`);
    else g.entries.push({ fwmark: n });
    return;
  }
  const text = words[0]!;
  const port = words[1] === undefined ? 0 : /^[0-9]+$/.test(words[1]) ? Number(words[1]) : NaN;
  const m = /^([^-/]+)(?:-([0-9a-fA-F]+))?(?:\/([0-9]+))?$/.exec(text);
  const a = m ? parseIp(m[1]!) : null;
  if (!m || !a || !(port >= 0 && port <= 65535)) {
    p.error(`Invalid virtual server group IP address ${text} ${words[1] ?? ''} - skipping`);
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
    const families = new Set(g.entries.filter((e) => e.ip !== undefined).map((e) => (e.ip!.includes(':') ? 6 : 4)));
    if (families.size > 1) {
      p.error(`virtual server group ${name} cannot have IPv4, IPv6 and fwmark entries mixed - removing`);
      return;
    }
    c.virtual_server_group.push(g);
  },
  virtual_server: block(openVirtualServer, { ...virtualServerKeywords, ...aliases }),
};
