import { describe, expect, it } from 'vitest';
import { CheckPool, ControlPeriodUs, MinConcurrency, type CheckJob } from '../../../src/check/pool.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { CheckerState, checkerTiming } from '../../../src/check/checker-state.js';
import type { ProbeResult } from '../../../src/check/probe.js';

const s = 1_000_000;

function job(name: string, results: boolean[], log: string[], clock: FakeClock, timing = checkerTiming({ delay_loop: 5, delay_before_retry: 1, retry: 1, warmup: 0 })): CheckJob {
  let n = 0;
  return {
    name,
    state: new CheckerState(timing),
    probe: async (): Promise<ProbeResult> => {
      log.push(`${clock.now / s} ${name} start`);
      const ok = results[n++] ?? true;
      return { ok, reason: ok ? 'ok' : 'refused' };
    },
    onResult: (r, o) => log.push(`${clock.now / s} ${name} ${r.ok ? 'ok' : 'fail'}${o.transition ? ` ${o.transition}` : ''}`),
  };
}

describe('check pool', () => {
  it('runs each check on its schedule: bootstrap, delay_loop, delay_before_retry after a failure', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const pool = new CheckPool({ concurrency: 10, clock, random: () => 0 });
    pool.add(job('a', [true, false, false, true], log, clock));
    pool.start();
    await clock.advance(20 * s);
    expect(log).toEqual(['1 a start', '1 a ok', '6 a start', '6 a fail', '7 a start', '7 a fail down', '12 a start', '12 a ok up', '17 a start', '17 a ok']);
    await pool.stop();
  });

  it('spreads first checks over the warmup with the random source', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const randoms = [0, 0.25, 0.5, 0.75];
    const pool = new CheckPool({ concurrency: 10, clock, random: () => randoms.shift() ?? 0 });
    for (const n of ['a', 'b', 'c', 'd']) pool.add(job(n, [], log, clock, checkerTiming({ delay_loop: 4, warmup: 4 })));
    pool.start();
    await clock.advance(4.9 * s);
    expect(log.filter((l) => l.endsWith('start'))).toEqual(['1 a start', '2 b start', '3 c start', '4 d start']);
    await pool.stop();
  });

  it('never has more than `concurrency` probes in flight; the others wait in due order and their lateness is measured', async () => {
    const clock = new FakeClock();
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    const pool = new CheckPool({ concurrency: 2, clock, random: () => 0 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      pool.add({
        name,
        state: new CheckerState(checkerTiming({ delay_loop: 60, warmup: 0 })),
        probe: async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          order.push(name);
          // each check takes 1 s of fake time
          await new Promise<void>((r) => clock.at(clock.now + s, r));
          inFlight--;
          return { ok: true, reason: 'ok' };
        },
        onResult: () => undefined,
      });
    }
    pool.start();
    await clock.advance(10 * s);
    expect(peak).toBe(2);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    const st = pool.stats();
    expect(st.checks).toBe(5);
    // c and d started 1 s late, e 2 s late
    expect(st.latenessMaxMs).toBe(2000);
    expect(st.latenessP50Ms).toBeLessThanOrEqual(1000.1);
    await pool.stop();
  });

  it('halves the in-flight limit while the loop lags and grows it back once the lag is gone; waiting checks start late, none fails', async () => {
    const clock = new FakeClock();
    const lags: number[] = [300, 300, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    let inFlight = 0;
    let peak = 0;
    const peaks: number[] = [];
    const results: boolean[] = [];
    const pool = new CheckPool({ concurrency: 64, clock, random: () => 0, lag: () => lags.shift() ?? 5 });
    for (let i = 0; i < 400; i++) {
      pool.add(
        {
        name: `j${i}`,
        state: new CheckerState(checkerTiming({ delay_loop: 1, warmup: 0 })),
        probe: async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          // each check takes 0.2 s of fake time
          await new Promise<void>((r) => clock.at(clock.now + 200_000, r));
          inFlight--;
          return { ok: true, reason: 'ok' };
        },
        onResult: (r) => results.push(r.ok),
        },
        0,
      );
    }
    pool.start();
    const limits: number[] = [];
    for (let t = 1; t <= 12; t++) {
      await clock.advance(t * ControlPeriodUs);
      limits.push(pool.stats().limit);
      peaks.push(peak);
      peak = inFlight;
    }
    // 64 -> 32 -> 16 (never below MinConcurrency), then +25 % (at least 4) per quiet period up to 64
    expect(limits.slice(0, 2)).toEqual([32, MinConcurrency]);
    expect(limits.slice(2, 6)).toEqual([20, 25, 32, 40]);
    expect(limits.at(-1)).toBe(64);
    // the limit is a limit: in a period, no more in flight than it allowed then or one period
    // before (a check takes 0.2 s, so those started under the previous limit are still running)
    for (let k = 3; k < peaks.length; k++) expect(peaks[k]).toBeLessThanOrEqual(Math.max(limits[k - 2]!, limits[k - 1]!, limits[k]!));
    expect(results.length).toBeGreaterThan(400);
    expect(results.every(Boolean)).toBe(true);
    expect(pool.stats().latenessMaxMs).toBeGreaterThan(200);
    // the checks in flight end on the fake clock
    const stopped = pool.stop();
    await clock.advance(clock.now + s);
    await stopped;
  });

  it('keeps the configured concurrency when the loop keeps up', async () => {
    const clock = new FakeClock();
    const pool = new CheckPool({ concurrency: 8, clock, random: () => 0, lag: () => 150 });
    pool.start();
    await clock.advance(5 * s);
    expect(pool.stats().limit).toBe(8);
    await pool.stop();
  });

  it('turns a probe that throws into a failed check, and stops rescheduling removed jobs', async () => {
    const clock = new FakeClock();
    const seen: ProbeResult[] = [];
    const pool = new CheckPool({ concurrency: 4, clock, random: () => 0 });
    const j: CheckJob = {
      name: 'x',
      state: new CheckerState(checkerTiming({ delay_loop: 2, warmup: 0 })),
      probe: async () => {
        throw new Error('boom');
      },
      onResult: (r) => seen.push(r),
    };
    pool.add(j);
    pool.start();
    await clock.advance(3.5 * s);
    expect(seen).toEqual([
      { ok: false, reason: 'checker error: boom' },
      { ok: false, reason: 'checker error: boom' },
    ]);
    pool.remove(j);
    await clock.advance(20 * s);
    expect(seen).toHaveLength(2);
    expect(pool.size).toBe(0);
    await pool.stop();
  });

  it('skips the checks of a suspended job (ha_suspend), looking again every delay_loop', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    let suspended = true;
    const pool = new CheckPool({ concurrency: 4, clock, random: () => 0 });
    pool.add({ ...job('a', [], log, clock), suspended: () => suspended });
    pool.start();
    await clock.advance(12 * s);
    expect(log).toEqual([]);
    suspended = false;
    await clock.advance(17 * s);
    // looked at 1, 6, 11 and 16: runs from 16 on
    expect(log).toEqual(['16 a start', '16 a ok']);
    expect(pool.stats().checks).toBe(1);
    await pool.stop();
  });

  it('stop aborts the checks in flight and waits for them', async () => {
    const clock = new FakeClock();
    let aborted = false;
    const pool = new CheckPool({ concurrency: 4, clock, random: () => 0 });
    pool.add({
      name: 'slow',
      state: new CheckerState(checkerTiming({ delay_loop: 2, warmup: 0 })),
      probe: (signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ ok: false, reason: 'aborted' });
          }),
        ),
      onResult: () => undefined,
    });
    pool.start();
    await clock.advance(1.5 * s);
    expect(pool.stats().inFlight).toBe(1);
    await pool.stop();
    expect(aborted).toBe(true);
    expect(pool.stats().inFlight).toBe(0);
  });
});
