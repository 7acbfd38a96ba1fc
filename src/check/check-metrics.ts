/**
 * The checker pool's counters for /metrics: how long checks take by checker kind, how they
 * end (and why they fail, in a few fixed classes so that the label set stays bounded), and how
 * late they start. One instance lives as long as the daemon: a reload builds a new pool but
 * keeps these, so the counters only ever grow (Prometheus counters must not go back).
 */

/** Seconds; Prometheus `le` bounds of the check duration histogram (+Inf implied). */
export const CheckDurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Seconds; bounds of the start-lateness histogram (+Inf implied). */
export const CheckLatenessBuckets = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5] as const;

/** A fixed-bucket histogram: counts per bucket (not cumulative; the last one is +Inf), sum, count. */
export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Cumulative counts, one per bound and then +Inf (Prometheus `_bucket` values). */
  cumulative(): number[] {
    let n = 0;
    return Array.from(this.counts, (c) => (n += c));
  }
}

/** Why a check failed, in classes bounded for a label. */
export type FailureClass = 'timeout' | 'refused' | 'unreachable' | 'reset' | 'http_status' | 'digest' | 'tls' | 'dns' | 'script' | 'other';

const failureRules: readonly [RegExp, FailureClass][] = [
  [/timed? ?out|timeout|ETIMEDOUT/i, 'timeout'],
  [/refused|ECONNREFUSED/i, 'refused'],
  [/unreachable|EHOSTUNREACH|ENETUNREACH|no route/i, 'unreachable'],
  [/reset|ECONNRESET|EPIPE|closed/i, 'reset'],
  [/exited|killed|script/i, 'script'],
  [/digest|MD5/i, 'digest'],
  [/status \d{3}|status code/i, 'http_status'],
  [/SSL|TLS|certificate/i, 'tls'],
  [/RCODE|DNS/i, 'dns'],
];

export function failureClass(reason: string): FailureClass {
  for (const [re, c] of failureRules) if (re.test(reason)) return c;
  return 'other';
}

export interface KindCounters {
  readonly duration: Histogram;
  succeeded: number;
  failed: number;
  readonly failures: Map<FailureClass, number>;
}

export class CheckMetrics {
  readonly lateness = new Histogram(CheckLatenessBuckets);
  readonly byKind = new Map<string, KindCounters>();

  /** A check started `lateUs` after it was due. */
  started(lateUs: number): void {
    this.lateness.observe(lateUs / 1e6);
  }

  /** A check of `kind` ended after `durationUs` (aborted checks are not counted). */
  finished(kind: string, durationUs: number, ok: boolean, reason: string): void {
    let k = this.byKind.get(kind);
    if (!k) {
      k = { duration: new Histogram(CheckDurationBuckets), succeeded: 0, failed: 0, failures: new Map() };
      this.byKind.set(kind, k);
    }
    k.duration.observe(durationUs / 1e6);
    if (ok) {
      k.succeeded++;
    } else {
      k.failed++;
      const c = failureClass(reason);
      k.failures.set(c, (k.failures.get(c) ?? 0) + 1);
    }
  }
}
