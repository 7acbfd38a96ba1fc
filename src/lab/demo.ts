/**
 * `keepalived-ts lab`: the failover drill on a built-in default. Two directors running
 * keepalived-ts in network namespaces on a bridge elect a master; the master is crashed, then
 * stopped gracefully; each time the backup's takeover is measured from a capture on the bridge
 * and compared with the RFC timers. Everything is removed at the end.
 */
import { FailoverLab, type FailoverMode, type TrialResult } from './failover.js';
import { nativeSockets } from '../native/index.js';

export interface LabOptions {
  version: 2 | 3;
  advertInt: number;
  agent: 'keepalived' | 'keepalived-ts';
  keep: boolean;
  out: (line: string) => void;
}

/** Slack over the RFC bound beyond which the drill reports a failure. */
const SlackMs = 50;

export async function runLab(o: LabOptions): Promise<number> {
  if (process.getuid?.() !== 0) {
    o.out('keepalived-ts lab: must run as root (it creates network namespaces)');
    return 1;
  }
  nativeSockets(); // fail early with the build hint if the addon is missing
  const lab = new FailoverLab('ktslab', '/tmp/keepalived-ts-lab');
  o.out(`lab: namespaces ktslab-sw (bridge br0), ktslab-h1 = director1, ktslab-h2 = director2; ${o.agent}, VRRPv${o.version}, advert_int ${o.advertInt}s`);
  const results: { mode: FailoverMode; r: TrialResult }[] = [];
  let failed = false;
  try {
    await lab.up();
    for (const mode of ['kill9', 'term'] as const) {
      o.out(mode === 'kill9' ? '--- drill 1: director1 crashes (SIGKILL to its process group)' : '--- drill 2: director1 is stopped (SIGTERM: it sends priority 0)');
      const [r] = await lab.run({ agent: o.agent, version: o.version, advertInt: o.advertInt, mode, trials: 1 }, o.out);
      if (r) results.push({ mode, r });
    }
  } catch (e) {
    o.out(`lab: ${(e as Error).message}`);
    failed = true;
  } finally {
    if (!o.keep) lab.down();
    else o.out('lab: left running (--keep); remove it with: ip -all netns delete, or keepalived-ts lab --down');
  }
  o.out('--- results (from a capture on the bridge)');
  for (const { mode, r } of results) {
    const ok = r.advertMs <= r.boundMs + SlackMs;
    failed ||= !ok;
    o.out(
      `${mode === 'kill9' ? 'crash   ' : 'SIGTERM '} takeover advert ${r.advertMs.toFixed(1)} ms, gratuitous ARP ${r.garpMs?.toFixed(1) ?? '-'} ms; ` +
        `RFC ${mode === 'kill9' ? 'Master_Down_Interval' : 'Skew_Time'} ${r.boundMs.toFixed(1)} ms ${ok ? 'OK' : 'TOO SLOW'}`,
    );
  }
  if (results.length < 2) failed = true;
  return failed ? 1 : 0;
}

export async function labDown(): Promise<void> {
  new FailoverLab('ktslab', '/tmp/keepalived-ts-lab').down();
}
