/**
 * One checker's up/down state and schedule (pure; times in microseconds from an injected
 * clock). keepalived's rules (check_api.c, check_data.c, check_tcp.c tcp_epilog()):
 * - the first check runs 1 s (BOOTSTRAP_DELAY) plus a random share of `warmup` after start,
 *   which spreads the checks of thousands of servers over the warmup period;
 * - without `alpha` the checker starts up, and its first failure takes it down at once (no
 *   retries); with `alpha` it starts down and needs one success;
 * - an up checker that fails is tried again after `delay_before_retry`, `retry` times; the
 *   failure after those takes it down; any success resets the count;
 * - otherwise the next check is `delay_loop` after the previous one ended.
 */

export const BootstrapDelayUs = 1_000_000;

export interface CheckerTiming {
  delayLoopUs: number;
  delayBeforeRetryUs: number;
  retry: number;
  warmupUs: number;
  alpha: boolean;
}

export type CheckerTransition = 'up' | 'down' | null;

export interface ResultOutcome {
  /** The checker went up or down with this result; null when its state is unchanged. */
  transition: CheckerTransition;
  /** When to run the next check. */
  nextAtUs: number;
  /** Failures in a row while up (0 after a success); for logs. */
  failures: number;
}

/** Seconds (as the configuration model holds them) to the state machine's timing. */
export function checkerTiming(c: { delay_loop?: number; delay_before_retry?: number; retry?: number; warmup?: number; alpha?: boolean }): CheckerTiming {
  const us = (s: number | undefined, d: number) => Math.round((s ?? d) * 1e6);
  return {
    delayLoopUs: Math.max(1, us(c.delay_loop, 60)),
    delayBeforeRetryUs: us(c.delay_before_retry, 1),
    retry: c.retry ?? 1,
    warmupUs: us(c.warmup, c.delay_loop ?? 60),
    alpha: c.alpha === true,
  };
}

export class CheckerState {
  #up: boolean;
  #failures = 0;
  /** Without alpha the first failure is final: keepalived starts its retry count spent. */
  #retriesSpent: boolean;

  /** @param carriedUp the state of the same checker before a reload, which it keeps */
  constructor(
    readonly timing: CheckerTiming,
    carriedUp?: boolean,
  ) {
    this.#up = carriedUp ?? !timing.alpha;
    this.#retriesSpent = carriedUp === undefined && !timing.alpha;
  }

  get up(): boolean {
    return this.#up;
  }

  /** When the first check runs; `random` in [0, 1) picks the share of the warmup. */
  firstAtUs(startUs: number, random: number): number {
    return startUs + BootstrapDelayUs + Math.floor(random * this.timing.warmupUs);
  }

  /** A check ended at `nowUs` with `ok`. */
  result(ok: boolean, nowUs: number): ResultOutcome {
    const t = this.timing;
    if (ok) {
      this.#failures = 0;
      this.#retriesSpent = false;
      const transition = this.#up ? null : 'up';
      this.#up = true;
      return { transition, nextAtUs: nowUs + t.delayLoopUs, failures: 0 };
    }
    if (!this.#up) return { transition: null, nextAtUs: nowUs + t.delayLoopUs, failures: this.#failures };
    this.#failures++;
    if (!this.#retriesSpent && this.#failures <= t.retry) {
      return { transition: null, nextAtUs: nowUs + t.delayBeforeRetryUs, failures: this.#failures };
    }
    this.#up = false;
    this.#retriesSpent = false;
    const failures = this.#failures;
    this.#failures = 0;
    return { transition: 'down', nextAtUs: nowUs + t.delayLoopUs, failures };
  }
}
