import { describe, expect, it } from 'vitest';
import { applyResult, initialCounter, runResult, scriptState, type ScriptCounter, type ScriptRunResult } from '../../../src/track/script-state.js';

const ok: ScriptRunResult = { kind: 'exited', status: 0 };
const fail: ScriptRunResult = { kind: 'exited', status: 1 };

/** Feed results; collect verdicts (null when none) and log lines. */
function feed(p: { rise: number; fall: number; initFail?: boolean }, results: ScriptRunResult[]) {
  const params = { name: 'chk', rise: p.rise, fall: p.fall };
  let c: ScriptCounter = initialCounter({ rise: p.rise, initFail: p.initFail ?? false });
  const verdicts: (string | null)[] = [];
  const logs: string[] = [];
  const states: string[] = [];
  for (const r of results) {
    const s = applyResult(params, c, r);
    c = s.counter;
    verdicts.push(s.verdict);
    logs.push(...s.logs);
    states.push(scriptState(params, c));
  }
  return { verdicts, logs, states, counter: c };
}

describe('vrrp_script result counter (vrrp_script_child_thread)', () => {
  it('starts at rise-1 in INIT, or at 0 and FAILED with init_fail', () => {
    expect(initialCounter({ rise: 3, initFail: false })).toEqual({ result: 2, init: 'init', lastStatus: 0 });
    expect(initialCounter({ rise: 3, initFail: true })).toEqual({ result: 0, init: 'init-failed', lastStatus: 0 });
    expect(scriptState({ name: 'chk', rise: 3, fall: 1 }, initialCounter({ rise: 3, initFail: false }))).toBe('init');
    expect(scriptState({ name: 'chk', rise: 3, fall: 1 }, initialCounter({ rise: 3, initFail: true }))).toBe('failed');
  });

  it('after INIT one success is enough, whatever rise is', () => {
    const r = feed({ rise: 3, fall: 2 }, [ok]);
    expect(r.verdicts).toEqual(['ok']);
    expect(r.logs).toEqual(['VRRP_Script(chk) succeeded']);
    expect(r.counter.result).toBe(4); // rise + fall - 1
  });

  it('the first result after INIT always reports, even a failure that would need fall runs', () => {
    const r = feed({ rise: 2, fall: 3 }, [fail]);
    expect(r.verdicts).toEqual(['failed']);
    expect(r.logs).toEqual(['Script `chk` now returning 1', 'VRRP_Script(chk) failed (exited with status 1)']);
    expect(r.states).toEqual(['failed']);
  });

  it('needs rise successes to come up and fall failures to go down', () => {
    const r = feed({ rise: 3, fall: 2 }, [fail, ok, ok, ok, ok, fail, fail, fail]);
    expect(r.verdicts).toEqual(['failed', null, null, 'ok', null, null, 'failed', null]);
    expect(r.states).toEqual(['failed', 'failed', 'failed', 'ok', 'ok', 'ok', 'failed', 'failed']);
    expect(r.logs.filter((l) => l.startsWith('VRRP_Script'))).toEqual([
      'VRRP_Script(chk) failed (exited with status 1)',
      'VRRP_Script(chk) succeeded',
      'VRRP_Script(chk) failed (exited with status 1)',
    ]);
  });

  it('a success refills the fall budget; a failure while rising starts the rise over, quietly', () => {
    const down = feed({ rise: 1, fall: 3 }, [ok, fail, fail, ok, fail, fail, fail]);
    expect(down.verdicts).toEqual(['ok', null, null, null, null, null, 'failed']);
    const up = feed({ rise: 3, fall: 1 }, [fail, ok, ok, fail, ok, ok, ok]);
    expect(up.verdicts).toEqual(['failed', null, null, null, null, null, 'ok']);
  });

  it('with init_fail the script starts failed: failures stay quiet, rise successes report', () => {
    const r = feed({ rise: 2, fall: 1, initFail: true }, [fail, ok, ok]);
    expect(r.verdicts).toEqual([null, null, 'ok']);
    expect(r.states).toEqual(['failed', 'failed', 'ok']);
    expect(feed({ rise: 1, fall: 1, initFail: true }, [ok]).verdicts).toEqual(['ok']);
  });

  it('logs "now returning" only when the exit status changes (from 0 at start)', () => {
    const r = feed({ rise: 1, fall: 5 }, [ok, fail, fail, { kind: 'exited', status: 2 }, ok]);
    expect(r.logs.filter((l) => l.startsWith('Script'))).toEqual([
      'Script `chk` now returning 1',
      'Script `chk` now returning 2',
      'Script `chk` now returning 0',
    ]);
  });

  it('a signal is a failure "due to signal", a timeout "timed_out", and neither changes last status', () => {
    const sig = feed({ rise: 1, fall: 1 }, [{ kind: 'signalled', signal: 9 }]);
    expect(sig.logs).toEqual(['VRRP_Script(chk) failed (due to signal 9)']);
    const to = feed({ rise: 1, fall: 1 }, [ok, { kind: 'timed_out' }]);
    expect(to.logs).toEqual(['VRRP_Script(chk) succeeded', 'VRRP_Script(chk) timed_out']);
    expect(to.verdicts).toEqual(['ok', 'failed']);
    expect(to.counter.lastStatus).toBe(0);
  });

  it('classifies runner outcomes as keepalived classifies wait statuses', () => {
    expect(runResult({ code: 0, signal: null, timedOut: false })).toEqual({ kind: 'exited', status: 0 });
    // A script that traps the timeout's SIGTERM and exits 0 succeeded.
    expect(runResult({ code: 0, signal: null, timedOut: true })).toEqual({ kind: 'exited', status: 0 });
    expect(runResult({ code: null, signal: 'SIGTERM', timedOut: true })).toEqual({ kind: 'timed_out' });
    expect(runResult({ code: null, signal: 'SIGKILL', timedOut: true })).toEqual({ kind: 'timed_out' });
    expect(runResult({ code: null, signal: 'SIGTERM', timedOut: false })).toEqual({ kind: 'signalled', signal: 15 });
    expect(runResult({ code: null, signal: 'SIGSEGV', timedOut: true })).toEqual({ kind: 'signalled', signal: 11 });
    expect(runResult({ code: null, signal: null, timedOut: false, error: 'ENOENT' })).toEqual({ kind: 'not_run', error: 'ENOENT' });
    const r = feed({ rise: 1, fall: 1 }, [ok, { kind: 'not_run', error: 'ENOENT' }]);
    expect(r.verdicts).toEqual(['ok', 'failed']);
  });
});
