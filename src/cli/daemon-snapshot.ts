/**
 * The running daemon seen as keepalived's dump data (a DumpSnapshot), for the dump files and
 * for /metrics and /status alike, so that they agree. The collectors are imported at the first
 * use rather than at start (a dozen modules: each costs the daemon's start).
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { EventHub } from '../events/hub.js';
import type { CheckerDaemon } from '../check/daemon.js';
import type { VrrpDaemon } from '../vrrp/daemon.js';
import type { DumpSnapshot } from '../dump/snapshot.js';
import { TransitionLog } from '../dump/transitions.js';
import { systemHostEnvironment } from '../io/host-environment.js';
import { monotonicUs } from '../native/timer.js';

export interface DaemonSources {
  hub: EventHub;
  /** The configuration running now (changes with reloads). */
  config(): KeepalivedConfig;
  /** The subsystems running now (a reload can start one). */
  vrrp(): VrrpDaemon | null;
  checkers(): CheckerDaemon | null;
}

export const wallUs = (): number => Date.now() * 1000;

export interface SnapshotOptions {
  /** Read the host's links and addresses (the Interfaces section; a netlink dump). */
  links?: boolean;
  /** Collect the checker side (virtual servers, real servers, checkers). */
  checkers?: boolean;
  /** `-u/--umask`, which overrides the configuration's. */
  umask?: number;
}

export class DaemonSnapshotter {
  /** Last state change of each instance; made before the instances start. */
  readonly transitions: TransitionLog;

  constructor(readonly src: DaemonSources) {
    this.transitions = new TransitionLog(src.hub, wallUs);
  }

  async snapshot(opts: SnapshotOptions = {}): Promise<DumpSnapshot> {
    const { collectSnapshot } = await import('../dump/collect.js');
    const vrrp = this.src.vrrp();
    const checkers = opts.checkers === false ? null : this.src.checkers();
    const byName = (name: string) => vrrp?.runners.find((r) => r.name === name);
    const links = vrrp && opts.links !== false ? await vrrp.hostLinks() : null;
    const transitions = this.transitions;
    return collectSnapshot({
      config: this.src.config(),
      vrrp,
      checkers,
      host: systemHostEnvironment(),
      clock: { nowUs: wallUs, monotonicUs },
      runtime: {
        startedAtUs: transitions.startedAtUs,
        lastTransitionUs: (name) => transitions.lastTransitionUs(name),
        master: (name) => {
          const r = byName(name);
          if (!r) return undefined;
          if (r.state === 'MASTER') return { address: [...(r.config.source ?? r.iface?.primaryAddress ?? [])].join('.'), priority: r.machine.effectivePriority };
          return r.lastAdvert ? { address: r.lastAdvert.from.join('.'), priority: r.lastAdvert.priority } : undefined;
        },
        priorityZeroReceived: (name) => byName(name)?.received.priorityZero,
      },
      ...(links ? { links } : {}),
      ...(opts.umask !== undefined ? { umask: opts.umask } : {}),
    });
  }

  close(): void {
    this.transitions.close();
  }
}
