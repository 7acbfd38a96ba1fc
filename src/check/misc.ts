/**
 * MISC_CHECK: an external script decides (keepalived: check/check_misc.c). The script runs
 * through the project's ScriptRunner (own process group, as the configured user, output
 * discarded, the whole group killed when misc_timeout is up); this module only chooses the
 * timeout and the identity and turns the outcome into a ProbeResult.
 */
import { constants as osConstants } from 'node:os';
import type { MiscCheck } from '../config/checkers/misc.js';
import type { HostEnvironment } from '../config/environment.js';
import { systemHostEnvironment } from '../io/host-environment.js';
import type { RunRequest, ScriptIdentity, ScriptOutcome, ScriptRunner } from '../notify/script-runner.js';
import { failed, passed, type Probe, type ProbeResult } from './probe.js';

export interface MiscProbeOptions {
  /** The runner shared with the notify scripts, so that shutdown's killAll() covers checkers too. */
  runner: Pick<ScriptRunner, 'run'>;
  /**
   * Who runs the script when the checker has no `user`: keepalived's default script user
   * (script_user, else keepalived_script, else ourselves), resolved by the caller. null: ourselves.
   */
  defaultIdentity?: ScriptIdentity | null;
  /** Lookups for the checker's `user USER [GROUP]`; defaults to the system's (/etc/passwd, /etc/group). */
  users?: Pick<HostEnvironment, 'lookupUser' | 'lookupGroup'>;
  /**
   * Seconds when misc_timeout is unset or 0. keepalived uses the virtual server's delay_loop
   * (misc_check_thread); without it the checker's (inherited) delay_loop is used.
   */
  defaultTimeout?: number;
}

/** keepalived's virtual server delay_loop default, for a checker whose delay_loop was never filled in. */
const DefaultDelayLoopS = 60;

/** The timeout in seconds: misc_timeout when set and non-zero (keepalived tests it for truth), else the default. */
export function miscTimeoutSeconds(check: MiscCheck, defaultTimeout?: number): number {
  if (check.misc_timeout) return check.misc_timeout;
  return defaultTimeout ?? check.delay_loop ?? DefaultDelayLoopS;
}

/**
 * uid/gid for the checker's `user USER [GROUP]` (the group defaults to the user's primary group,
 * as keepalived's set_script_uid_gid()), else the default identity. A string when a name does not
 * resolve. keepalived takes the user only from the `user` keyword; words after misc_path's
 * script are ignored, so ScriptSpec.user/group are too.
 */
function resolveIdentity(check: MiscCheck, opts: MiscProbeOptions): ScriptIdentity | null | string {
  if (!check.user) return opts.defaultIdentity ?? null;
  const users = opts.users ?? systemHostEnvironment();
  const u = users.lookupUser(check.user.user);
  if (!u) return `unknown user ${check.user.user}`;
  if (check.user.group === undefined) return { uid: u.uid, gid: u.gid };
  const g = users.lookupGroup(check.user.group);
  if (!g) return `unknown group ${check.user.group}`;
  return { uid: u.uid, gid: g.gid };
}

const startErrors: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied (not executable?)',
  ENOEXEC: 'not an executable format',
  ENOTDIR: 'a path component is not a directory',
  EPERM: 'operation not permitted',
};

function signalName(signal: NodeJS.Signals): string {
  const n = (osConstants.signals as Record<string, number | undefined>)[signal];
  return n === undefined ? signal : `${signal} (${n})`;
}

/**
 * The verdict on one run (keepalived: misc_check_child_thread()):
 * - exited 0: up (with misc_dynamic too: keepalived's "legacy" case, the weight is left alone);
 * - misc_dynamic and exited 2..255: up, weight = status - 2;
 * - any other exit status: down;
 * - killed by SIGTERM/SIGKILL after the timeout: down, "timed out"; a script that traps SIGTERM
 *   and exits by itself is judged by its exit status, as keepalived does;
 * - killed by any other signal: down, naming it.
 * A script that cannot be started is down with the errno. (keepalived's forked child exits 0 when
 * execve fails, but it disables missing and non-executable scripts at startup, so it never runs them.)
 */
export function miscVerdict(outcome: ScriptOutcome, dynamic: boolean, timeoutS: number): ProbeResult {
  if (outcome.error !== undefined) {
    const what = startErrors[outcome.error];
    return failed(`cannot run script: ${what ? `${what} (${outcome.error})` : outcome.error}`);
  }
  const code = outcome.code;
  if (code !== null) {
    if (code === 0) return passed('exited with status 0');
    if (dynamic && code >= 2 && code <= 255) return { ok: true, reason: `exited with status ${code}`, weight: code - 2 };
    return failed(`exited with status ${code}`);
  }
  if (outcome.signal !== null) {
    if (outcome.timedOut && (outcome.signal === 'SIGTERM' || outcome.signal === 'SIGKILL')) return failed(`timed out after ${timeoutS} s`);
    return failed(`killed by signal ${signalName(outcome.signal)}`);
  }
  return failed('ended without an exit status');
}

/** Resolves with the promise's value, or with `onAbort` as soon as the signal aborts; drops its listener either way. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal, onAbort: T): Promise<T> {
  if (signal.aborted) return Promise.resolve(onAbort);
  return new Promise<T>((resolve) => {
    const abort = (): void => resolve(onAbort);
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      () => {
        signal.removeEventListener('abort', abort);
        resolve(onAbort);
      },
    );
  });
}

/**
 * The probe of a MISC_CHECK. Settles within misc_timeout plus the runner's SIGTERM-to-SIGKILL grace
 * (2 s). On abort it settles at once with a failure and the runner kills the script's group.
 */
export function miscProbe(check: MiscCheck, opts: MiscProbeOptions): Probe {
  const timeoutS = miscTimeoutSeconds(check, opts.defaultTimeout);
  const identity = resolveIdentity(check, opts);
  const args = check.misc_path?.args ?? [];
  const what = `MISC_CHECK ${check.misc_path?.command ?? ''}`.trimEnd();
  // the configuration check disabled the script (keepalived removes such a checker, and
  // HealthCheckers never asks for its probe): whatever asks, it is never run
  const disabled = check.misc_path?.insecure === true;
  return async (signal) => {
    if (disabled) return failed('script disabled: insecure, not found or not executable');
    if (typeof identity === 'string') return failed(`cannot run script: ${identity}`);
    if (args.length === 0) return failed('no script configured (misc_path)');
    if (signal.aborted) return failed('aborted');
    const req: RunRequest = { what, args, identity, timeoutMs: timeoutS * 1000, signal };
    let run: Promise<ScriptOutcome>;
    try {
      run = opts.runner.run(req);
    } catch (e) {
      // spawn() throws synchronously for some bad arguments (e.g. a NUL byte in argv).
      return failed(`cannot run script: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const outcome = await untilAborted<ScriptOutcome | null>(run, signal, null);
    if (outcome === null) return failed(signal.aborted ? 'aborted' : 'script runner failed');
    return miscVerdict(outcome, check.misc_dynamic, timeoutS);
  };
}
