/**
 * The one scheduler of every health check: a min-heap of due times, one timer armed for the
 * earliest, at most `concurrency` probes in flight (the rest wait in order of their due
 * time), no thread or process per check. Everything runs on libuv's epoll loop, so there is
 * no select() ceiling of 1,024 descriptors; the open-files limit is what bounds concurrency.
 *
 * Each job carries its checker's state machine; the next check is scheduled from the time the
 * previous one ended, as keepalived does. Lateness (start time minus due time) is recorded in
 * a histogram for the bench and the status dump.
 */
import { setMaxListeners } from 'node:events';
import type { Probe, ProbeResult } from './probe.js';
import type { CheckerState, ResultOutcome } from './checker-state.js';
import { systemClock, type Clock } from '../clock.js';
import type { CheckMetrics } from './check-metrics.js';

/** The pool runs on the daemon's injected clock. */
export type PoolClock = Clock;
export { systemClock };

/** How late the event loop is, in ms: the pool's measure of "the checker is too busy to read its sockets in time". */
export type LoopLag = () => number;

/**
 * Back-pressure: every ControlPeriodUs the pool looks at the loop's lag (by default, how late
 * its own control timer fired: free, where a loop-delay monitor cost ~40 % more CPU per TCP
 * check in bench/checkers). Above HighLagMs the
 * checks in flight are too many for the checker to follow them all in time (their answers
 * would wait unread until they time out, and healthy servers would be failed): the limit is
 * halved. Below LowLagMs, with the limit reached, it grows again by a quarter, up to the
 * configured concurrency. Checks that wait for the limit start late (which the lateness
 * histogram shows) rather than fail.
 */
export const ControlPeriodUs = 250_000;
export const HighLagMs = 250;
export const LowLagMs = 100;
export const MinConcurrency = 16;

export interface CheckJob {
  /** For logs: `TCP_CHECK on service [203.0.113.21]:tcp:80 of [192.0.2.100]:tcp:80`. */
  readonly name: string;
  readonly probe: Probe;
  readonly state: CheckerState;
  /** The checker kind for metrics (TCP_CHECK, HTTP_GET, ...). */
  readonly kind?: string;
  /** Told of every result with what the state machine made of it. */
  onResult(result: ProbeResult, outcome: ResultOutcome): void;
  /** While true the check is skipped (ha_suspend) and looked at again a delay_loop later. */
  suspended?(): boolean;
}

interface Entry {
  job: CheckJob;
  dueUs: number;
  /** Insertion order, to keep equal due times first-come first-served. */
  seq: number;
  removed: boolean;
}

/** Lateness histogram: 100 µs buckets up to 10 s, then one overflow bucket. */
const BucketUs = 100;
const Buckets = 100_000;

export interface PoolStats {
  jobs: number;
  inFlight: number;
  waiting: number;
  /** In-flight limit now in force (back-pressure lowers it below the configured concurrency). */
  limit: number;
  checks: number;
  /** Lateness of a check's start against its schedule, in ms. */
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

export class CheckPool {
  readonly #clock: PoolClock;
  readonly #concurrency: number;
  readonly #random: () => number;
  readonly #lag: LoopLag | null;
  #limit: number;
  #cancelControl: (() => void) | null = null;
  #controlLateMs = 0;
  #heap: Entry[] = [];
  #ready: Entry[] = [];
  #readyHead = 0;
  #entries = new Map<CheckJob, Entry>();
  #inFlight = 0;
  #seq = 0;
  #cancelTimer: (() => void) | null = null;
  #timerAtUs = Infinity;
  #running = false;
  #abort = new AbortController();
  #checks = 0;
  #lateness = new Uint32Array(Buckets + 1);
  #latenessMaxUs = 0;
  #idle: (() => void)[] = [];

  readonly #metrics: CheckMetrics | null;

  /**
   * @param opts.lag the loop-lag source for back-pressure (default: the control timer's lateness); null turns back-pressure off
   * @param opts.metrics the daemon's check counters (they outlive this pool across reloads)
   */
  constructor(opts: { concurrency: number; clock?: PoolClock; random?: () => number; lag?: LoopLag | null; metrics?: CheckMetrics }) {
    this.#metrics = opts.metrics ?? null;
    this.#clock = opts.clock ?? systemClock;
    this.#concurrency = Math.max(1, opts.concurrency);
    this.#limit = this.#concurrency;
    this.#random = opts.random ?? Math.random;
    this.#lag = opts.lag === undefined ? (): number => this.#controlLateMs : opts.lag;
    // every probe in flight listens to the one abort signal
    setMaxListeners(0, this.#abort.signal);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Add a job; its first check is due at its checker's bootstrap time from now. */
  add(job: CheckJob, firstAtUs = job.state.firstAtUs(this.#clock.nowUs(), this.#random())): void {
    const e: Entry = { job, dueUs: firstAtUs, seq: this.#seq++, removed: false };
    this.#entries.set(job, e);
    this.#push(e);
    if (this.#running) this.#arm();
  }

  /**
   * Add jobs whose first checks all count from one reading of the clock (a system call each
   * would add up with thousands of jobs; in User-Mode Linux, where a clock read is a real
   * system call, to tens of ms).
   */
  addAll(jobs: Iterable<CheckJob>): void {
    const nowUs = this.#clock.nowUs();
    for (const job of jobs) this.add(job, job.state.firstAtUs(nowUs, this.#random()));
  }

  /** Remove a job (reload); a check in flight finishes but is not rescheduled. */
  remove(job: CheckJob): void {
    const e = this.#entries.get(job);
    if (!e) return;
    e.removed = true;
    this.#entries.delete(job);
  }

  start(): void {
    this.#running = true;
    this.#arm();
    if (this.#lag) this.#scheduleControl();
  }

  #scheduleControl(): void {
    const atUs = this.#clock.nowUs() + ControlPeriodUs;
    this.#cancelControl = this.#clock.at(atUs, () => {
      if (!this.#running) return;
      this.#controlLateMs = (this.#clock.nowUs() - atUs) / 1000;
      this.#control(this.#lag!());
      this.#scheduleControl();
    });
  }

  #control(lagMs: number): void {
    if (lagMs > HighLagMs) {
      this.#limit = Math.max(Math.min(MinConcurrency, this.#concurrency), Math.floor(this.#limit / 2));
    } else if (lagMs < LowLagMs && this.#limit < this.#concurrency && this.#inFlight >= this.#limit) {
      this.#limit = Math.min(this.#concurrency, this.#limit + Math.max(4, Math.ceil(this.#limit / 4)));
      this.#startReady();
    }
  }

  /** Stop scheduling, abort checks in flight and wait for them to settle. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#cancelControl?.();
    this.#cancelControl = null;
    this.#abort.abort();
    if (this.#inFlight > 0) await new Promise<void>((r) => this.#idle.push(r));
  }

  stats(): PoolStats {
    const total = this.#lateness.reduce((a, b) => a + b, 0);
    const quantile = (q: number): number => {
      if (total === 0) return 0;
      let n = 0;
      const want = Math.ceil(q * total);
      for (let i = 0; i <= Buckets; i++) {
        n += this.#lateness[i]!;
        if (n >= want) return i === Buckets ? this.#latenessMaxUs / 1000 : ((i + 1) * BucketUs) / 1000;
      }
      return this.#latenessMaxUs / 1000;
    };
    return {
      jobs: this.#entries.size,
      inFlight: this.#inFlight,
      waiting: this.#ready.length - this.#readyHead,
      limit: this.#limit,
      checks: this.#checks,
      latenessP50Ms: quantile(0.5),
      latenessP99Ms: quantile(0.99),
      latenessMaxMs: this.#latenessMaxUs / 1000,
    };
  }

  resetStats(): void {
    this.#lateness.fill(0);
    this.#latenessMaxUs = 0;
    this.#checks = 0;
  }

  #arm(): void {
    this.#dropRemovedTop();
    const top = this.#heap[0];
    if (!this.#running || !top) return;
    if (top.dueUs >= this.#timerAtUs && this.#cancelTimer) return;
    this.#cancelTimer?.();
    this.#timerAtUs = top.dueUs;
    this.#cancelTimer = this.#clock.at(top.dueUs, () => {
      this.#cancelTimer = null;
      this.#timerAtUs = Infinity;
      this.#fire();
    });
  }

  #fire(): void {
    const now = this.#clock.nowUs();
    for (;;) {
      this.#dropRemovedTop();
      const top = this.#heap[0];
      if (!top || top.dueUs > now) break;
      this.#pop();
      this.#ready.push(top);
    }
    this.#startReady();
    this.#arm();
  }

  #startReady(): void {
    while (this.#running && this.#inFlight < this.#limit && this.#readyHead < this.#ready.length) {
      const e = this.#ready[this.#readyHead++]!;
      if (e.removed) continue;
      if (e.job.suspended?.()) {
        e.dueUs = this.#clock.nowUs() + e.job.state.timing.delayLoopUs;
        e.seq = this.#seq++;
        this.#push(e);
        continue;
      }
      this.#run(e);
    }
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 4096) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
  }

  #run(e: Entry): void {
    const started = this.#clock.nowUs();
    const late = Math.max(0, started - e.dueUs);
    this.#lateness[Math.min(Buckets, Math.floor(late / BucketUs))]!++;
    if (late > this.#latenessMaxUs) this.#latenessMaxUs = late;
    this.#inFlight++;
    this.#checks++;
    this.#metrics?.started(late);
    e.job
      .probe(this.#abort.signal)
      .catch((err: Error): ProbeResult => ({ ok: false, reason: `checker error: ${err.message}` }))
      .then((result) => {
        this.#inFlight--;
        if (!this.#running || e.removed) return;
        this.#metrics?.finished(e.job.kind ?? 'unknown', this.#clock.nowUs() - started, result.ok, result.reason);
        const outcome = e.job.state.result(result.ok, this.#clock.nowUs());
        e.dueUs = outcome.nextAtUs;
        e.seq = this.#seq++;
        this.#push(e);
        try {
          e.job.onResult(result, outcome);
        } finally {
          this.#arm();
        }
      })
      .finally(() => {
        if (this.#running) this.#startReady();
        else if (this.#inFlight === 0) for (const r of this.#idle.splice(0)) r();
      });
  }

  #dropRemovedTop(): void {
    while (this.#heap[0]?.removed) this.#pop();
  }

  // a binary min-heap on (dueUs, seq)
  #less(a: Entry, b: Entry): boolean {
    return a.dueUs < b.dueUs || (a.dueUs === b.dueUs && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
