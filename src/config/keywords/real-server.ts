/** `real_server IP PORT { }` inside a virtual_server (keepalived: check/check_parser.c). */
import { block, type Handler, type KeywordTable, type ScriptSpec } from '../parser.js';
import { parseBool, readUnsigned } from '../values.js';
import { checkerKeywords, type Checker, type CheckerOwner } from '../checkers/index.js';
import { checkerContext, type CheckerContext } from '../checkers/common.js';
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
import type { KeepalivedConfig } from '../model.js';

export interface RealServer extends CheckerOwner, LvsForwarding {
  ip: string;
  port: number;
  weight: number;
  inhibit_on_failure?: boolean;
  uthreshold?: number;
  lthreshold?: number;
  notify_up?: ScriptSpec;
  notify_down?: ScriptSpec;
  alpha?: boolean;
  smtp_alert?: boolean;
  virtualhost?: string;
  snmp_name?: string;
  checkers: Checker[];
}

type R = RealServer;

/** Real servers given a `weight` of their own; the others take the virtual server's at the end. */
export const explicitWeight = new WeakSet<RealServer>();

function optionalBool(field: 'inhibit_on_failure' | 'alpha' | 'smtp_alert', label: string): Handler<R> {
  return (r, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid ${label} parameter ${w}`);
    else r[field] = b;
  };
}

function notify(field: 'notify_up' | 'notify_down'): Handler<R> {
  return (r, st, p) => {
    if (r[field] !== undefined) {
      p.error(`(${r.ip}) ${field} script already specified - ignoring ${st.words[1] ?? ''}`);
      return;
    }
    const spec = p.readScript(st);
    if (spec) r[field] = spec;
  };
}

export const realServerKeywords: KeywordTable<R> = {
  weight: (r, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 65535);
    if (n === null) p.error(`Real server weight ${st.words[1] ?? ''} is outside range 0-65535`);
    else {
      r.weight = n;
      explicitWeight.add(r);
    }
  },
  lvs_method: (r, st, p) => {
    const f = readForwarding(p, st.words, 'real');
    if (f) {
      delete r.tunnel_type;
      delete r.tunnel_port;
      delete r.tunnel_checksum;
      Object.assign(r, f);
    }
  },
  uthreshold: (r, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n === null) p.error(`Invalid real_server uthreshold '${st.words[1] ?? ''}' - ignoring`);
    else r.uthreshold = n;
  },
  lthreshold: (r, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n === null) p.error(`Invalid real_server lthreshold '${st.words[1] ?? ''}' - ignoring`);
    else r.lthreshold = n;
  },
  inhibit_on_failure: optionalBool('inhibit_on_failure', 'inhibit_on_failure'),
  notify_up: notify('notify_up'),
  notify_down: notify('notify_down'),
  alpha: optionalBool('alpha', 'alpha'),
  retry: (r, st, p) => {
    const n = readRetry(p, st.words[1]);
    if (n !== null) r.retry = n;
  },
  delay_before_retry: (r, st, p) => {
    const s = readSeconds(p, st.words[1], 'real server delay_before_retry');
    if (s !== null) r.delay_before_retry = s;
  },
  warmup: (r, st, p) => {
    const s = readSeconds(p, st.words[1], 'real server warmup');
    if (s !== null) r.warmup = s;
  },
  connect_timeout: (r, st, p) => {
    const s = readSeconds(p, st.words[1], 'real server connect_timeout', 0.000001, ConnectTimeoutMaxSeconds, false);
    if (s !== null) r.connect_timeout = s;
  },
  delay_loop: (r, st, p) => {
    const s = readSeconds(p, st.words[1], 'real server delay_loop', 0.000001);
    if (s !== null) r.delay_loop = s;
  },
  smtp_alert: optionalBool('smtp_alert', 'real_server smtp_alert'),
  virtualhost: (r, st, p) => {
    if (st.words[1] === undefined) p.error('real server virtualhost missing');
    else r.virtualhost = st.words[1];
  },
  snmp_name: (r, st, p) => {
    if (st.words.length !== 2) p.error('real server snmp_name missing or extra parameters');
    else r.snmp_name = st.words[1]!;
  },
  ...(checkerKeywords as KeywordTable<R>),
};

// one checker context per configuration, not one closure per real server
const contexts = new WeakMap<KeepalivedConfig, CheckerContext>();
function contextOf(c: KeepalivedConfig): CheckerContext {
  let context = contexts.get(c);
  if (!context) {
    context = { trackFileNames: () => c.track_file.map((t) => t.name) };
    contexts.set(c, context);
  }
  return context;
}

/** The real_server block inside a virtual_server owning `list`, in a configuration `config`. */
export function realServerBlock<V extends LvsForwarding & { real_server: RealServer[] }>(config: (vs: V) => KeepalivedConfig): Handler<V> {
  return block<V, R>(
    (vs, st, p) => {
      const addr = readServerAddress(p, st.words[1], st.words[2], 'real server');
      if (!addr) return null;
      const r: R = { ...addr, weight: 1, checkers: [] };
      // keepalived gives a new real server the forwarding method the virtual server has so far
      if (vs.lvs_method !== undefined) r.lvs_method = vs.lvs_method;
      if (vs.tunnel_type !== undefined) r.tunnel_type = vs.tunnel_type;
      if (vs.tunnel_port !== undefined) r.tunnel_port = vs.tunnel_port;
      if (vs.tunnel_checksum !== undefined) r.tunnel_checksum = vs.tunnel_checksum;
      checkerContext.set(r, contextOf(config(vs)));
      vs.real_server.push(r);
      return r;
    },
    realServerKeywords,
    (r, vs, p) => {
      // At the real server's `}`: unless tunnelled, it must be of the virtual server's family,
      // and the first one decides the family of a virtual server that has none yet.
      if (r.lvs_method === 'TUN') return;
      const family = familyOfAddress(r.ip);
      const af = familyOfServer(vs);
      if (af === undefined) setFamilyOfServer(vs, family);
      else if (af !== family) {
        p.error(`Address family of virtual server and real server ${r.ip} don't match - skipping real server.`);
        const i = vs.real_server.lastIndexOf(r);
        if (i >= 0) vs.real_server.splice(i, 1);
      }
    },
  );
}
