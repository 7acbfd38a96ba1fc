/**
 * Runs notify and check scripts (the process edge): asynchronously, in their own process group,
 * as the configured user, with a time limit after which the whole group is killed. A missing
 * or failing script is reported, never thrown: a state change never waits on a script.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';

export interface ScriptIdentity {
  uid: number;
  gid: number;
}

export interface ScriptOutcome {
  /** Exit code, or null when killed by a signal or not started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Why it could not start (ENOENT, EACCES, ...). */
  error?: string;
}

export interface RunRequest {
  /** For logs: which keyword configured the script. */
  what: string;
  args: string[];
  identity?: ScriptIdentity | null;
  timeoutMs: number;
  /** Aborting kills the script's whole group at once (a checker stopped by shutdown or reload). */
  signal?: AbortSignal;
}

/** keepalived gives a script this long after SIGTERM before SIGKILL. */
const KillGraceMs = 2000;

export class ScriptRunner {
  readonly #running = new Set<number>();

  constructor(private readonly log: Logger) {}

  get running(): number {
    return this.#running.size;
  }

  run(req: RunRequest): Promise<ScriptOutcome> {
    const [program, ...args] = req.args;
    if (program === undefined) return Promise.resolve({ code: null, signal: null, timedOut: false, error: 'empty command' });
    return new Promise((resolve) => {
      let timedOut = false;
      let settled = false;
      const child = spawn(program, args, {
        detached: true,
        stdio: 'ignore',
        ...(req.identity ? { uid: req.identity.uid, gid: req.identity.gid } : {}),
      });
      const pid = child.pid;
      if (pid !== undefined) this.#running.add(pid);
      const killGroup = (signal: NodeJS.Signals): void => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, signal);
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        this.log.warn({ script: req.what, command: req.args.join(' '), timeoutMs: req.timeoutMs }, 'script timed out - killing it');
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), KillGraceMs).unref();
      }, req.timeoutMs);
      const abort = (): void => killGroup('SIGKILL');
      req.signal?.addEventListener('abort', abort, { once: true });
      if (req.signal?.aborted) abort();
      const finish = (o: ScriptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', abort);
        if (pid !== undefined) this.#running.delete(pid);
        resolve(o);
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        this.log.error({ script: req.what, command: req.args.join(' '), error: e.code ?? e.message }, 'cannot run script');
        finish({ code: null, signal: null, timedOut: false, error: e.code ?? e.message });
      });
      child.on('exit', (code, signal) => finish({ code, signal, timedOut }));
    });
  }

  /** Kill every script still running (shutdown). */
  killAll(): void {
    for (const pid of this.#running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
