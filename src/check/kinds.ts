/**
 * Which module checks which kind: the probe of every checker keyword (one module each). TCP_CHECK's
 * is loaded with this module; the others when a configuration has such checkers
 * (loadProbeKinds): each module costs the daemon's start, and HTTP's brings in Node.js's TLS.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { Checker } from '../config/checkers/index.js';
import type { ScriptIdentity, ScriptRunner } from '../notify/script-runner.js';
import type { ProbeFactory } from './checkers.js';
import { failed, probeTarget, type Probe } from './probe.js';
import { tcpProbe } from './tcp.js';

const kindModules = {
  http: () => import('./http.js'),
  misc: () => import('./misc.js'),
  file: () => import('./file.js'),
  smtp: () => import('./smtp.js'),
  dns: () => import('./dns.js'),
  udp: () => import('./udp.js'),
  ping: () => import('./ping.js'),
};
type KindModules = { -readonly [K in keyof typeof kindModules]?: Awaited<ReturnType<(typeof kindModules)[K]>> };
const loaded: KindModules = {};

function moduleOf(type: Checker['type']): keyof typeof kindModules | null {
  switch (type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return 'http';
    case 'MISC_CHECK':
      return 'misc';
    case 'FILE_CHECK':
      return 'file';
    case 'SMTP_CHECK':
      return 'smtp';
    case 'DNS_CHECK':
      return 'dns';
    case 'UDP_CHECK':
      return 'udp';
    case 'PING_CHECK':
      return 'ping';
    case 'TCP_CHECK':
    case 'BFD_CHECK':
      return null;
  }
}

/** Load the probe modules of the kinds of checker `config` has; probeFactory() needs them before it builds their probes. */
export async function loadProbeKinds(config: Pick<KeepalivedConfig, 'virtual_server'>): Promise<void> {
  const wanted = new Set<keyof typeof kindModules>();
  for (const vs of config.virtual_server) {
    for (const rs of vs.real_server) {
      for (const c of rs.checkers) {
        const m = moduleOf(c.type);
        if (m && !loaded[m]) wanted.add(m);
      }
    }
  }
  await Promise.all([...wanted].map(async (m) => ((loaded as Record<string, unknown>)[m] = await kindModules[m]())));
}

function need<K extends keyof typeof kindModules>(m: K): NonNullable<KindModules[K]> {
  const mod = loaded[m];
  if (!mod) throw new Error(`the ${m} probe module is not loaded (loadProbeKinds first)`);
  return mod as NonNullable<KindModules[K]>;
}

export interface ProbeDependencies {
  config: Pick<KeepalivedConfig, 'track_file'>;
  /** The script runner shared with notify scripts (MISC_CHECK). */
  scripts: Pick<ScriptRunner, 'run'>;
  /** keepalived's default script user (script_user, else keepalived_script). */
  defaultIdentity: ScriptIdentity | null;
}

/** All of a list of probes must pass (SMTP_CHECK with `host` blocks checks every endpoint). */
function allOf(probes: Probe[]): Probe {
  return async (signal) => {
    for (const p of probes) {
      const r = await p(signal);
      if (!r.ok) return r;
    }
    return { ok: true, reason: 'ok' };
  };
}

export function probeFactory(deps: ProbeDependencies): ProbeFactory {
  return (check, rs, vs) => {
    const target = probeTarget(check, rs);
    switch (check.type) {
      case 'TCP_CHECK':
        return tcpProbe(check, target);
      case 'HTTP_GET':
      case 'SSL_GET': {
        const virtualhost = rs.virtualhost ?? vs.virtualhost;
        return need('http').httpProbe(check, target, virtualhost === undefined ? {} : { virtualhost });
      }
      case 'MISC_CHECK':
        return need('misc').miscProbe(check, { runner: deps.scripts, defaultIdentity: deps.defaultIdentity, defaultTimeout: vs.delay_loop });
      case 'FILE_CHECK': {
        const tf = deps.config.track_file.find((t) => t.name === check.track_file);
        if (!tf) return async () => failed(`track_file ${check.track_file ?? '(none)'} is not configured`);
        return need('file').fileProbe(check, tf);
      }
      case 'SMTP_CHECK':
        return allOf(need('smtp').smtpProbes(check, rs));
      case 'DNS_CHECK':
        return need('dns').dnsProbe(check, target);
      case 'UDP_CHECK':
        return need('udp').udpProbe(check, target);
      case 'PING_CHECK':
        return need('ping').pingProbe(check, target);
      case 'BFD_CHECK':
        return null;
    }
  };
}
