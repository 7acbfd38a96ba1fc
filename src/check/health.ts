/**
 * The one owner of what the checks say (pure): per real server, whether every one of its
 * checkers is up and the weight they ask for; per virtual server, the quorum with hysteresis.
 * It is the RealServerHealth the IPVS desired table reads, and it reports the events keepalived
 * acts on (notify_up/notify_down, quorum_up/quorum_down) - keepalived: ipwrapper.c
 * update_svr_checker_state(), update_quorum_state(), update_svr_wgt().
 */
import type { VirtualServer } from '../config/keywords/virtual-server.js';
import type { RealServer } from '../config/keywords/real-server.js';
import type { RealServerHealth } from '../ipvs/desired.js';
import type { ProbeResult } from './probe.js';

export type HealthEvent =
  | { type: 'rs-up' | 'rs-down'; vs: VirtualServer; rs: RealServer; reason: string }
  | { type: 'rs-weight'; vs: VirtualServer; rs: RealServer; from: number; to: number }
  | { type: 'quorum-up' | 'quorum-down'; vs: VirtualServer; weightSum: number };

interface ServerRecord {
  /** Whether each checker is down, by index in rs.checkers. */
  down: boolean[];
  downCount: number;
  /** misc_dynamic weight, replacing the configured one. */
  dynamicWeight?: number;
  /** FILE_CHECK deltas by checker index (made with the first). */
  deltas?: Map<number, number>;
}

const noEvents: readonly HealthEvent[] = Object.freeze([]);

/** keepalived's real_weight(): clamped to 0..INT32_MAX. */
const clampWeight = (w: number): number => Math.max(0, Math.min(0x7fffffff, Math.trunc(w)));

export class HealthBook implements RealServerHealth {
  readonly #servers = new Map<RealServer, ServerRecord>();
  readonly #quorum = new Map<VirtualServer, boolean>();

  /**
   * @param initiallyDown checkers that start down (alpha), as [vs, rs, checker index]
   */
  constructor(virtualServers: readonly VirtualServer[], initiallyDown: (vs: VirtualServer, rs: RealServer, index: number) => boolean) {
    for (const vs of virtualServers) {
      for (const rs of vs.real_server) {
        const down = rs.checkers.map((_c, i) => initiallyDown(vs, rs, i));
        this.#servers.set(rs, { down, downCount: down.filter(Boolean).length });
      }
      const sum = this.weightSum(vs);
      this.#quorum.set(vs, sum > 0 && sum >= vs.quorum);
    }
  }

  alive(_vs: VirtualServer, rs: RealServer): boolean {
    const r = this.#servers.get(rs);
    return r === undefined || r.downCount === 0;
  }

  weight(_vs: VirtualServer, rs: RealServer): number {
    const r = this.#servers.get(rs);
    if (!r) return rs.weight;
    let w = r.dynamicWeight ?? rs.weight;
    if (r.deltas) for (const d of r.deltas.values()) w += d;
    return clampWeight(w);
  }

  quorumUp(vs: VirtualServer): boolean {
    return this.#quorum.get(vs) ?? true;
  }

  weightSum(vs: VirtualServer): number {
    return vs.real_server.reduce((s, rs) => s + (this.alive(vs, rs) ? this.weight(vs, rs) : 0), 0);
  }

  /**
   * A checker's result. `transition` is what its state machine made of it; the weight fields
   * of the result apply whenever present.
   */
  checkerResult(vs: VirtualServer, rs: RealServer, index: number, result: ProbeResult, transition: 'up' | 'down' | null): readonly HealthEvent[] {
    const r = this.#servers.get(rs);
    if (!r) return noEvents;
    const misc = rs.checkers[index]?.type === 'MISC_CHECK';
    // the common case, a check that changes nothing, costs nothing (no walk over the service's servers)
    if (transition === null && !misc && result.weightDelta === undefined) return noEvents;
    const wasAlive = r.downCount === 0;
    const wasWeight = this.weight(vs, rs);
    if (transition !== null && r.down[index] !== (transition === 'down')) {
      r.down[index] = transition === 'down';
      r.downCount += transition === 'down' ? 1 : -1;
    }
    // misc_dynamic: exit 2..255 sets the weight; exit 0 or a failure restores the configured one
    if (misc) r.dynamicWeight = result.ok ? result.weight : undefined;
    if (result.weightDelta !== undefined) (r.deltas ??= new Map()).set(index, result.weightDelta);

    const alive = r.downCount === 0;
    const weight = this.weight(vs, rs);
    if (alive === wasAlive && weight === wasWeight) return noEvents;
    const events: HealthEvent[] = [];
    if (alive !== wasAlive) events.push({ type: alive ? 'rs-up' : 'rs-down', vs, rs, reason: result.reason });
    if (alive && wasAlive && weight !== wasWeight) events.push({ type: 'rs-weight', vs, rs, from: wasWeight, to: weight });
    const q = this.#updateQuorum(vs);
    if (q) events.push(q);
    return events;
  }

  /** keepalived's hysteresis: gained at quorum + hysteresis, lost below quorum - hysteresis (or at 0). */
  #updateQuorum(vs: VirtualServer): HealthEvent | null {
    const up = this.quorumUp(vs);
    const sum = this.weightSum(vs);
    if (!up && sum > 0 && sum >= vs.quorum + vs.hysteresis) {
      this.#quorum.set(vs, true);
      return { type: 'quorum-up', vs, weightSum: sum };
    }
    if (up && (sum === 0 || sum < vs.quorum - vs.hysteresis)) {
      this.#quorum.set(vs, false);
      return { type: 'quorum-down', vs, weightSum: sum };
    }
    return null;
  }
}
