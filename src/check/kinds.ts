/** Which module checks which kind: the probe of every checker keyword (one module each). */
import type { KeepalivedConfig } from '../config/model.js';
import type { ScriptIdentity, ScriptRunner } from '../notify/script-runner.js';
import type { ProbeFactory } from './checkers.js';
import { failed, probeTarget, type Probe } from './probe.js';
import { tcpProbe } from './tcp.js';
import { httpProbe } from './http.js';
import { miscProbe } from './misc.js';
import { fileProbe } from './file.js';
import { smtpProbes } from './smtp.js';
import { dnsProbe } from './dns.js';
import { udpProbe } from './udp.js';
import { pingProbe } from './ping.js';

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
        return httpProbe(check, target, virtualhost === undefined ? {} : { virtualhost });
      }
      case 'MISC_CHECK':
        return miscProbe(check, { runner: deps.scripts, defaultIdentity: deps.defaultIdentity, defaultTimeout: vs.delay_loop });
      case 'FILE_CHECK': {
        const tf = deps.config.track_file.find((t) => t.name === check.track_file);
        if (!tf) return async () => failed(`track_file ${check.track_file ?? '(none)'} is not configured`);
        return fileProbe(check, tf);
      }
      case 'SMTP_CHECK':
        return allOf(smtpProbes(check, rs));
      case 'DNS_CHECK':
        return dnsProbe(check, target);
      case 'UDP_CHECK':
        return udpProbe(check, target);
      case 'PING_CHECK':
        return pingProbe(check, target);
      case 'BFD_CHECK':
        return null;
    }
  };
}
