import { describe, expect, it } from 'vitest';
import { BootstrapDelayUs, CheckerState, checkerTiming } from '../../../src/check/checker-state.js';

const s = 1_000_000;
const timing = checkerTiming({ delay_loop: 6, delay_before_retry: 2, retry: 2, warmup: 6, alpha: false });

/** Feed results one after another, each ending when the previous one scheduled the next. */
function run(state: CheckerState, results: boolean[]): { at: number; transition: string | null; next: number }[] {
  let now = 0;
  return results.map((ok) => {
    const o = state.result(ok, now);
    const row = { at: now / s, transition: o.transition, next: (o.nextAtUs - now) / s };
    now = o.nextAtUs;
    return row;
  });
}

describe('checker state (keepalived retry, delay_before_retry, alpha, warmup)', () => {
  it('takes the seconds of the configuration', () => {
    expect(timing).toEqual({ delayLoopUs: 6 * s, delayBeforeRetryUs: 2 * s, retry: 2, warmupUs: 6 * s, alpha: false });
    expect(checkerTiming({ delay_loop: 3 }).warmupUs).toBe(3 * s);
  });

  it('first check: 1 s bootstrap plus a random share of the warmup', () => {
    const c = new CheckerState(timing);
    expect(c.firstAtUs(10 * s, 0)).toBe(10 * s + BootstrapDelayUs);
    expect(c.firstAtUs(10 * s, 0.5)).toBe(10 * s + BootstrapDelayUs + 3 * s);
  });

  it('without alpha: starts up, and the first failure takes it down without retries', () => {
    const c = new CheckerState(timing);
    expect(c.up).toBe(true);
    expect(run(c, [false])).toEqual([{ at: 0, transition: 'down', next: 6 }]);
    expect(c.up).toBe(false);
  });

  it('with alpha: starts down and one success brings it up', () => {
    const c = new CheckerState({ ...timing, alpha: true });
    expect(c.up).toBe(false);
    expect(run(c, [false, true])).toEqual([
      { at: 0, transition: null, next: 6 },
      { at: 6, transition: 'up', next: 6 },
    ]);
  });

  it('an up checker is retried retry times after delay_before_retry, then goes down', () => {
    const c = new CheckerState(timing);
    expect(run(c, [true, false, false, false, false, true])).toEqual([
      { at: 0, transition: null, next: 6 },
      { at: 6, transition: null, next: 2 },
      { at: 8, transition: null, next: 2 },
      { at: 10, transition: 'down', next: 6 },
      { at: 16, transition: null, next: 6 },
      { at: 22, transition: 'up', next: 6 },
    ]);
  });

  it('a success between failures resets the retry count', () => {
    const c = new CheckerState(timing);
    const rows = run(c, [true, false, false, true, false, false, false]);
    expect(rows.map((r) => r.transition)).toEqual([null, null, null, null, null, null, 'down']);
    expect(rows.map((r) => r.next)).toEqual([6, 2, 2, 6, 2, 2, 6]);
  });

  it('retry 0: the first failure of an up checker is final', () => {
    const c = new CheckerState({ ...timing, retry: 0 });
    expect(run(c, [true, false]).map((r) => r.transition)).toEqual([null, 'down']);
  });
});
