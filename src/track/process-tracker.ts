/**
 * The counting core of `vrrp_track_process` (keepalived 2.2.7, keepalived/core/track_process.c),
 * pure with an injected clock: for each tracked process, the pids that match it; whether its
 * quorum (quorum <= count <= quorum_max) holds as last reported; the fork_delay and
 * terminate_delay timers. The edge (process-monitor.ts) feeds it a /proc scan and the kernel's
 * process events; it reports `(id, up)` when the reported state changes, with keepalived's
 * "Quorum gained/lost for tracked process NAME" line.
 *
 * keepalived's rules, kept here:
 * - Only a count crossing a bound matters: reaching `quorum` or `quorum_max + 1` going up,
 *   leaving `quorum` or returning to `quorum_max` going down.
 * - A fork of a counted process counts the child for every tracked process the parent counts
 *   for, without reading /proc; the crossing it causes is reported after fork_delay. An exit's
 *   crossing is reported after terminate_delay. A crossing back while the other timer runs
 *   cancels that timer instead (so a quick restart does not bounce the state); a timer, when it
 *   fires, reports the state the count is then in.
 * - An exec or a name change re-reads the process: gaining a match is reported at once
 *   (cancelling a pending terminate timer), losing one at once too (cancelling a pending fork
 *   timer). Delays apply to forks and exits only.
 *
 * Where 2.2.7 misbehaves, this keeps the intent rather than the slip: a pid counts once per
 * tracked process (2.2.7 counts it again when a counted process execs into a match or a scan
 * races an event); a new fork timer replaces a running one (2.2.7 loses track of the first,
 * which may then fire early); a rescan compares with the state last reported and applies the
 * fork delay (not the terminate delay) to a gain, as keepalived after 2.2.7 (commit 3df29478).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { processMatches, type ProcessIdentity } from './process-match.js';
import type { ResolvedTrackProcess } from './types.js';

/** A process as a scan or an exec event found it. */
export interface ProcessSighting extends ProcessIdentity {
  readonly pid: number;
}

export interface ProcessTrackerOptions {
  clock: Clock;
  log: Logger;
  /** The reported quorum state of tracked process `id` changed. */
  onChange(id: number, up: boolean): void;
}

export interface TrackedProcessStatus {
  readonly id: number;
  readonly name: string;
  /** Matching processes now. */
  readonly count: number;
  /** The quorum state as last reported (a delay may be holding back a change in `count`). */
  readonly up: boolean;
}

interface Tracked {
  readonly spec: ResolvedTrackProcess;
  readonly pids: Set<number>;
  up: boolean;
  /** The running fork_delay or terminate_delay timer. */
  pending?: { readonly kind: 'fork' | 'terminate'; readonly cancel: () => void };
}

export class ProcessTracker {
  readonly #opts: ProcessTrackerOptions;
  readonly #tracked: Tracked[];
  readonly #byId = new Map<number, Tracked>();
  /** pid -> the tracked processes counting it (keepalived's process tree). */
  readonly #byPid = new Map<number, Set<Tracked>>();

  constructor(specs: readonly ResolvedTrackProcess[], opts: ProcessTrackerOptions) {
    this.#opts = opts;
    this.#tracked = specs.map((spec) => ({ spec, pids: new Set<number>(), up: inQuorum(spec, 0) }));
    for (const t of this.#tracked) this.#byId.set(t.spec.id, t);
  }

  /**
   * The first scan: the counts and the initial quorum states, reported to no one (the caller
   * reads them with `isUp`, as keepalived's initialise_tracking_priorities does).
   */
  start(processes: Iterable<ProcessSighting>): void {
    this.#replaceCounts(processes);
    for (const t of this.#tracked) t.up = inQuorum(t.spec, t.pids.size);
  }

  /**
   * A fresh scan after events were lost (or, without the connector, every second): the counts
   * are replaced and a changed quorum state is reported after the delay of its direction
   * (fork_delay for a gain, terminate_delay for a loss), a timer already running being kept.
   */
  rescan(processes: Iterable<ProcessSighting>): void {
    this.#replaceCounts(processes);
    for (const t of this.#tracked) {
      const now = inQuorum(t.spec, t.pids.size);
      if (now === t.up) {
        this.#cancel(t);
        continue;
      }
      if (t.pending) continue;
      const delay = now ? t.spec.forkDelayUs : t.spec.terminateDelayUs;
      if (delay > 0) this.#startTimer(t, now ? 'fork' : 'terminate', delay);
      else this.#report(t, now);
    }
  }

  /** PROC_EVENT_FORK of a process (not a thread): the child counts wherever the parent does (check_process_fork). */
  fork(parentPid: number, childPid: number): void {
    const parentOf = this.#byPid.get(parentPid);
    if (!parentOf) return;
    for (const t of parentOf) {
      if (!this.#add(t, childPid)) continue;
      const n = t.pids.size;
      if (n !== t.spec.quorum && n !== t.spec.quorumMax + 1) continue;
      if (t.pending?.kind === 'terminate') this.#cancel(t);
      else if (t.spec.forkDelayUs > 0) {
        this.#startTimer(t, 'fork', t.spec.forkDelayUs);
        continue;
      }
      this.#report(t, n === t.spec.quorum);
    }
  }

  /** PROC_EVENT_EXIT of a process (check_process_termination). */
  exit(pid: number): void {
    const of = this.#byPid.get(pid);
    if (!of) return;
    this.#byPid.delete(pid);
    for (const t of of) {
      t.pids.delete(pid);
      if (!this.#crossedGoingDown(t)) continue;
      if (t.pending?.kind === 'fork') this.#cancel(t);
      else if (t.spec.terminateDelayUs > 0) {
        this.#startTimer(t, 'terminate', t.spec.terminateDelayUs);
        continue;
      }
      this.#report(t, t.pids.size === t.spec.quorumMax);
    }
  }

  /**
   * PROC_EVENT_EXEC of a process, with what /proc now says of it (check_process). A process
   * already gone is not to be passed: its exit event follows.
   */
  exec(proc: ProcessSighting): void {
    for (const t of this.#tracked) {
      if (processMatches(t.spec, proc)) this.#gainNow(t, proc.pid);
      else this.#loseNow(t, proc.pid);
    }
  }

  /**
   * PROC_EVENT_COMM: the process's name changed (check_process_comm_change). Only the trackers
   * matching by name are concerned; full_command ones keep the command line they matched.
   */
  commChange(pid: number, comm: string): void {
    for (const t of this.#tracked) {
      if (t.spec.fullCommand) continue;
      if (processMatches(t.spec, { comm })) this.#gainNow(t, pid);
      else this.#loseNow(t, pid);
    }
  }

  /** The reported quorum state of tracked process `id` (false for an unknown id). */
  isUp(id: number): boolean {
    return this.#byId.get(id)?.up ?? false;
  }

  status(): TrackedProcessStatus[] {
    return this.#tracked.map((t) => ({ id: t.spec.id, name: t.spec.name, count: t.pids.size, up: t.up }));
  }

  /** Stop the timers (end_process_monitor). */
  close(): void {
    for (const t of this.#tracked) this.#cancel(t);
  }

  /** A match found by exec or rename: counted, and a crossing reported at once (check_process). */
  #gainNow(t: Tracked, pid: number): void {
    if (!this.#add(t, pid)) return;
    const n = t.pids.size;
    if (n !== t.spec.quorum && n !== t.spec.quorumMax + 1) return;
    if (t.pending?.kind === 'terminate') this.#cancel(t);
    this.#report(t, n === t.spec.quorum);
  }

  /** A match lost by exec or rename: uncounted, a crossing reported at once (remove_process_from_track). */
  #loseNow(t: Tracked, pid: number): void {
    if (!t.pids.delete(pid)) return;
    const of = this.#byPid.get(pid);
    of?.delete(t);
    if (of?.size === 0) this.#byPid.delete(pid);
    if (!this.#crossedGoingDown(t)) return;
    if (t.pending?.kind === 'fork') this.#cancel(t);
    this.#report(t, t.pids.size === t.spec.quorumMax);
  }

  /** After one pid left: the count was `quorum` or is now `quorum_max`. */
  #crossedGoingDown(t: Tracked): boolean {
    const n = t.pids.size;
    return n + 1 === t.spec.quorum || n === t.spec.quorumMax;
  }

  /** Count `pid` for `t`; false if it already was. */
  #add(t: Tracked, pid: number): boolean {
    if (t.pids.has(pid)) return false;
    t.pids.add(pid);
    let of = this.#byPid.get(pid);
    if (!of) this.#byPid.set(pid, (of = new Set()));
    of.add(t);
    return true;
  }

  #replaceCounts(processes: Iterable<ProcessSighting>): void {
    this.#byPid.clear();
    for (const t of this.#tracked) t.pids.clear();
    for (const proc of processes) {
      for (const t of this.#tracked) if (processMatches(t.spec, proc)) this.#add(t, proc.pid);
    }
  }

  #startTimer(t: Tracked, kind: 'fork' | 'terminate', delayUs: number): void {
    this.#cancel(t);
    const cancel = this.#opts.clock.at(this.#opts.clock.nowUs() + delayUs, () => {
      t.pending = undefined;
      this.#report(t, inQuorum(t.spec, t.pids.size));
    });
    t.pending = { kind, cancel };
  }

  #cancel(t: Tracked): void {
    t.pending?.cancel();
    t.pending = undefined;
  }

  /** update_process_status + process_update_track_process_status: only a change is reported. */
  #report(t: Tracked, up: boolean): void {
    if (up === t.up) return;
    t.up = up;
    this.#opts.log.info(
      { trackProcess: t.spec.name, count: t.pids.size, quorum: t.spec.quorum, quorumMax: t.spec.quorumMax },
      `Quorum ${up ? 'gained' : 'lost'} for tracked process ${t.spec.name}`,
    );
    this.#opts.onChange(t.spec.id, up);
  }
}

/** Whether `count` processes satisfy the quorum: quorum <= count <= quorum_max. */
export function inQuorum(spec: ResolvedTrackProcess, count: number): boolean {
  return count >= spec.quorum && count <= spec.quorumMax;
}
