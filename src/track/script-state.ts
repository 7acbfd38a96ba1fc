/**
 * The rise/fall counter of one vrrp_script, as keepalived 2.2.7 keeps it (pure; the tracker in
 * script-tracker.ts feeds it results and logs the lines it returns).
 *
 * keepalived (vrrp_scheduler.c: vrrp_init_script, vrrp_script_child_thread):
 * - `result` starts at rise-1 ("one success is enough"), or at 0 with `init_fail`, which also
 *   starts the script FAILED rather than INIT (vrrp_parser.c: vrrp_vscript_init_fail_handler);
 * - a success below rise-1 counts up; from rise-1 it reports "succeeded" (a verdict) and jumps to
 *   rise+fall-1; at or above rise it only refills to rise+fall-1;
 * - a failure above rise counts down; at rise it reports the failure and drops to 0; below rise it
 *   drops to 0 quietly — except for the first result after INIT, which always reports;
 * - an exit status different from the previous one (initially 0) logs "Script `x` now returning N";
 * - the init state is over after the first result.
 * The script is good when result >= rise.
 */
import { constants as osConstants } from 'node:os';
import type { ScriptOutcome } from '../notify/script-runner.js';

export interface ScriptParams {
  readonly name: string;
  readonly rise: number;
  readonly fall: number;
}

/** keepalived's init_state: INIT until the first result, FAILED (init_fail) until then, else done. */
export type ScriptInitState = 'init' | 'init-failed' | 'done';

export interface ScriptCounter {
  /** keepalived's vscript->result. */
  readonly result: number;
  readonly init: ScriptInitState;
  /** keepalived's last_status: the last exit status (0 before any). */
  readonly lastStatus: number;
}

/** One run of the script, as vrrp_script_child_thread classifies it. */
export type ScriptRunResult =
  /** The script exited (WIFEXITED): 0 is success, anything else a failure. */
  | { readonly kind: 'exited'; readonly status: number }
  /** Killed by a signal we did not send for a timeout: a failure "due to signal N". */
  | { readonly kind: 'signalled'; readonly signal: number }
  /** Killed by the timeout's SIGTERM/SIGKILL: a failure, "timed_out". */
  | { readonly kind: 'timed_out' }
  /**
   * It could not be started (the program vanished after start, ...). keepalived's child logs
   * "Error exec-ing command" and exits 0, which counts as a success; we count it as a failure.
   */
  | { readonly kind: 'not_run'; readonly error: string };

export type ScriptVerdict = 'ok' | 'failed';

export interface ScriptStep {
  readonly counter: ScriptCounter;
  /** The verdict keepalived passes to update_script_priorities, when it does. */
  readonly verdict: ScriptVerdict | null;
  /** keepalived's log lines for this result, in its order. */
  readonly logs: readonly string[];
}

export function initialCounter(s: { readonly rise: number; readonly initFail: boolean }): ScriptCounter {
  return s.initFail ? { result: 0, init: 'init-failed', lastStatus: 0 } : { result: s.rise - 1, init: 'init', lastStatus: 0 };
}

/** The state a tracker shows: INIT (no result yet), else good when result >= rise (FAILED with init_fail). */
export function scriptState(p: ScriptParams, c: ScriptCounter): 'init' | 'ok' | 'failed' {
  if (c.init === 'init') return 'init';
  if (c.init === 'init-failed') return 'failed';
  return c.result >= p.rise ? 'ok' : 'failed';
}

const signalNumber = (s: NodeJS.Signals): number => (osConstants.signals as Record<string, number>)[s] ?? 0;

/**
 * A runner's outcome as keepalived classifies the child's wait status: an exit status wins (a
 * script that traps the timeout's SIGTERM and exits 0 succeeded); a SIGTERM/SIGKILL death after
 * the timeout is "timed_out"; any other signal is a failure "due to signal".
 */
export function runResult(o: ScriptOutcome): ScriptRunResult {
  if (o.code !== null) return { kind: 'exited', status: o.code };
  if (o.signal !== null) {
    if (o.timedOut && (o.signal === 'SIGTERM' || o.signal === 'SIGKILL')) return { kind: 'timed_out' };
    return { kind: 'signalled', signal: signalNumber(o.signal) };
  }
  if (o.timedOut) return { kind: 'timed_out' };
  return { kind: 'not_run', error: o.error ?? 'not started' };
}

export function applyResult(p: ScriptParams, c: ScriptCounter, r: ScriptRunResult): ScriptStep {
  const logs: string[] = [];
  let lastStatus = c.lastStatus;
  let success: boolean;
  let exitType: string;
  let reason: string | null = null;
  switch (r.kind) {
    case 'exited':
      if (r.status !== c.lastStatus) logs.push(`Script \`${p.name}\` now returning ${r.status}`);
      lastStatus = r.status;
      success = r.status === 0;
      exitType = success ? 'succeeded' : 'failed';
      if (!success) reason = `exited with status ${r.status}`;
      break;
    case 'signalled':
      success = false;
      exitType = 'failed';
      reason = `due to signal ${r.signal}`;
      break;
    case 'timed_out':
      success = false;
      exitType = 'timed_out';
      break;
    case 'not_run':
      success = false;
      exitType = 'failed';
      reason = `not run: ${r.error}`;
      break;
  }

  let result = c.result;
  let verdict: ScriptVerdict | null = null;
  const full = p.rise + p.fall - 1;
  if (success) {
    if (result < p.rise - 1) result++;
    else if (result !== full) {
      if (result < p.rise) {
        logs.push(`VRRP_Script(${p.name}) ${exitType}`);
        verdict = 'ok';
      }
      result = full;
    }
  } else if (result > p.rise) {
    result--;
  } else {
    if (result === p.rise || c.init === 'init') {
      logs.push(reason === null ? `VRRP_Script(${p.name}) ${exitType}` : `VRRP_Script(${p.name}) ${exitType} (${reason})`);
      verdict = 'failed';
    }
    result = 0;
  }
  return { counter: { result, init: 'done', lastStatus }, verdict, logs };
}
