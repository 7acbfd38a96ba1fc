/**
 * Runs every vrrp_script on its interval and reports rise/fall verdicts (keepalived 2.2.7:
 * vrrp_scheduler.c vrrp_init_script / vrrp_script_thread / vrrp_script_child_thread, and the
 * start-time checks of vrrp.c check_track_script_secure with lib/notify.c check_script_secure).
 *
 * - The first run is at start (keepalived queues it as an event, not a timer); each run then
 *   schedules the next one `interval` after it fires, whether or not the script has finished.
 * - A run due while the previous one is still going is skipped, not queued ("Track script x is
 *   already running, expect idle - skipping run"; "being timed out" once past its timeout).
 * - The runner kills the script's process group at the timeout (timeout, else interval); a death
 *   by that SIGTERM/SIGKILL is "timed_out", a failure.
 * - A program that cannot be found or is not executable at start is disabled (reported once as
 *   'disabled', never run). A bare name is resolved through PATH as keepalived's find_path().
 * Every timer goes through the injected clock; the runner never blocks the loop.
 */
import { realpathSync, statSync } from 'node:fs';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { ScriptOutcome } from '../notify/script-runner.js';
import { applyResult, initialCounter, runResult, scriptState, type ScriptCounter, type ScriptRunResult } from './script-state.js';
import type { ResolvedScript } from './types.js';
import { readFileHead } from './file-head.js';

export type ScriptTrackerState = 'init' | 'ok' | 'failed' | 'disabled';

export interface ScriptReport {
  readonly kind: 'script';
  readonly id: number;
  readonly status: 'ok' | 'failed' | 'disabled';
}

export interface ScriptTrackerOptions {
  clock: Clock;
  log: Logger;
  /** Run the script (with `args` as resolved at start), killing it at `timeoutMs`. */
  run(s: ResolvedScript, timeoutMs: number): Promise<ScriptOutcome>;
  onReport(r: ScriptReport): void;
  /** Whether `path` is a regular file the script's user may execute (default: stat, as keepalived's is_executable for this process's uid/gid). */
  executable?(path: string): boolean;
  /** PATH for bare program names (default: process.env.PATH, else glibc's _CS_PATH "/bin:/usr/bin"). */
  path?: string;
  /** What the tracker before a reload handed over (handOver()): unchanged scripts go on from there. */
  carry?: ReadonlyMap<string, ScriptCarry>;
}

/** An unchanged script's progress across a reload: its rise/fall counter and when it runs next. */
export interface ScriptCarry {
  readonly counter: ScriptCounter;
  readonly lastExit: number | null;
  readonly nextAtUs: number | null;
}

/** What must be equal for a script to carry its state across a reload (its weight does not count). */
export function scriptIdentity(s: ResolvedScript): string {
  return JSON.stringify([s.name, s.args, s.user?.user ?? null, s.user?.group ?? null, s.intervalUs, s.timeoutUs, s.rise, s.fall, s.initFail]);
}

export interface ScriptStatus {
  id: number;
  name: string;
  state: ScriptTrackerState;
  /** The last exit status, null before the first exit. */
  lastExit: number | null;
  running: boolean;
}

interface Entry {
  readonly script: ResolvedScript;
  /** The script as it is run: args[0] resolved, or null when disabled. */
  readonly runnable: ResolvedScript | null;
  counter: ScriptCounter;
  lastExit: number | null;
  running: boolean;
  runStartUs: number;
  nextAtUs: number | null;
  cancel: (() => void) | null;
}

/** keepalived's is_executable(): root may run anything with an x bit; others by owner, group, other. */
function isExecutableBy(mode: number, fileUid: number, fileGid: number, uid: number, gid: number): boolean {
  if (uid === 0) return (mode & 0o111) !== 0;
  if (uid === fileUid) return (mode & 0o100) !== 0;
  return gid === fileGid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0;
}

/** The default executable check: a regular file (after symlinks) executable by this process. */
export function defaultExecutable(path: string): boolean {
  try {
    const st = statSync(path);
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    return st.isFile() && isExecutableBy(st.mode, st.uid, st.gid, uid, gid);
  } catch {
    return false;
  }
}

const strerror: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/** keepalived's cmd_str(): words in single quotes, except a leading `<`/`>` redirection. */
function cmdStr(args: readonly string[]): string {
  return args.map((a, i) => (i === 0 && (a.startsWith('<') || a.startsWith('>')) ? a : `'${a}'`)).join(' ');
}

/** Whether the file starts with "#!" or is an ELF binary (libmagic's " executable" / " shared object"). */
function hasInterpreterOrElf(path: string): boolean | null {
  const b = readFileHead(path, 4);
  if (typeof b === 'string') return null;
  if (b.length >= 2 && b[0] === 0x23 && b[1] === 0x21) return true;
  return b.length === 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

export interface ProgramCheck {
  /** The arguments to run, or null: disabled. */
  args: string[] | null;
  /** keepalived's log lines for the check, in order; `warn` for the disabling ones. */
  logs: { level: 'info' | 'warn'; msg: string }[];
}

/**
 * keepalived's start-time check of a vrrp_script's program (check_script_secure, find_path,
 * check_track_script_secure), without the script_security ownership checks.
 */
export function checkScriptProgram(
  script: Pick<ResolvedScript, 'name' | 'args'>,
  opts: { executable: (path: string) => boolean; path: string | undefined },
): ProgramCheck {
  const logs: ProgramCheck['logs'] = [];
  const args = [...script.args];
  const program = args[0];
  const disable = (why: string): ProgramCheck => {
    logs.push({ level: 'warn', msg: why });
    logs.push({ level: 'warn', msg: `Disabling track script ${script.name} since not found/accessible` });
    return { args: null, logs };
  };
  if (program === undefined || program === '') return disable(`Cannot find script ${program ?? ''} in path - disabling`);
  // "</path" (redirection only): a test that a file can be opened, run through the shell (SC_SYSTEM).
  if (/^<[ \t]*\//.test(program)) return { args: ['/bin/sh', '-c', cmdStr(args)], logs };

  if (!program.includes('/')) {
    const search = opts.path ?? '/bin:/usr/bin';
    let found: string | null = null;
    let denied = false;
    for (const dir of search.split(':')) {
      const candidate = dir === '' ? program : `${dir}/${program}`;
      if (opts.executable(candidate)) {
        found = candidate;
        break;
      }
      try {
        statSync(candidate);
        denied = true;
      } catch {
        // not there: next directory
      }
    }
    if (found === null) {
      return disable(denied ? `Permissions failure for script ${program} in path - disabling` : `Cannot find script ${program} in path - disabling`);
    }
    logs.push({ level: 'info', msg: `WARNING - script \`${program}\` resolved by path search to \`${found}\`. Please specify full path.` });
    args[0] = found;
  } else if (!opts.executable(program)) {
    try {
      realpathSync(program);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      return disable(`Script ${program} cannot be accessed - ${strerror[code] ?? code}`);
    }
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    // keepalived disables it without the "Disabling track script" line (check_track_script_secure).
    logs.push({ level: 'warn', msg: `WARNING - script '${program}' is not executable for uid:gid ${uid}:${gid} - disabling.` });
    return { args: null, logs };
  }
  // libmagic: a file that is neither "#!" nor a binary is run through the shell (system()).
  if (hasInterpreterOrElf(args[0]!) === false) {
    logs.push({ level: 'info', msg: `Please add a #! shebang to script ${args[0]}` });
    return { args: ['/bin/sh', '-c', cmdStr(args)], logs };
  }
  return { args, logs };
}

export class ScriptTracker {
  readonly #entries = new Map<number, Entry>();
  readonly #scripts: readonly ResolvedScript[];
  readonly #opts: ScriptTrackerOptions;
  #checked = false;
  #started = false;
  #stopped = false;

  constructor(scripts: readonly ResolvedScript[], opts: ScriptTrackerOptions) {
    this.#scripts = scripts;
    this.#opts = opts;
  }

  /** The start-time program checks, once (their log lines come out here). */
  #check(): void {
    if (this.#checked) return;
    this.#checked = true;
    const executable = this.#opts.executable ?? defaultExecutable;
    const path = this.#opts.path ?? process.env['PATH'];
    for (const s of this.#scripts) {
      const c = checkScriptProgram(s, { executable, path });
      for (const l of c.logs) this.#opts.log[l.level]({ script: s.name }, l.msg);
      const carried = c.args === null ? undefined : this.#opts.carry?.get(scriptIdentity(s));
      this.#entries.set(s.id, {
        script: s,
        runnable: c.args === null ? null : { ...s, args: c.args },
        counter: carried?.counter ?? initialCounter(s),
        lastExit: carried?.lastExit ?? null,
        running: false,
        runStartUs: 0,
        nextAtUs: carried?.nextAtUs ?? null,
        cancel: null,
      });
    }
  }

  /** The state before any run: 'init', 'failed' with init_fail, or 'disabled' (or the state carried over a reload). */
  initial(id: number): ScriptTrackerState {
    this.#check();
    const e = this.#entries.get(id);
    if (!e) throw new Error(`vrrp_script ${id} is not tracked`);
    return e.runnable === null ? 'disabled' : scriptState(e.script, e.counter);
  }

  /** Every runnable script's progress, for the tracker that replaces this one at a reload. */
  handOver(): Map<string, ScriptCarry> {
    this.#check();
    const out = new Map<string, ScriptCarry>();
    for (const e of this.#entries.values()) {
      if (e.runnable !== null) out.set(scriptIdentity(e.script), { counter: e.counter, lastExit: e.lastExit, nextAtUs: e.nextAtUs });
    }
    return out;
  }

  start(): void {
    this.#check();
    if (this.#started) return;
    this.#started = true;
    const { clock } = this.#opts;
    for (const e of this.#entries.values()) {
      if (e.runnable === null) {
        this.#opts.onReport({ kind: 'script', id: e.script.id, status: 'disabled' });
        continue;
      }
      // keepalived: thread_add_event — the first run is now, not after an interval; a script
      // carried over a reload keeps its schedule
      const now = clock.nowUs();
      e.cancel = clock.at(e.nextAtUs !== null && e.nextAtUs > now ? e.nextAtUs : now, () => this.#tick(e));
    }
  }

  #tick(e: Entry): void {
    if (this.#stopped || e.runnable === null) return;
    const { clock, log } = this.#opts;
    const now = clock.nowUs();
    e.nextAtUs = now + e.script.intervalUs;
    e.cancel = clock.at(e.nextAtUs, () => this.#tick(e));
    const timeoutUs = e.script.timeoutUs > 0 ? e.script.timeoutUs : e.script.intervalUs;
    if (e.running) {
      const what = now - e.runStartUs >= timeoutUs ? 'being timed out' : 'already running';
      log.info({ script: e.script.name }, `Track script ${e.script.name} is ${what}, expect idle - skipping run`);
      return;
    }
    e.running = true;
    e.runStartUs = now;
    let pending: Promise<ScriptOutcome>;
    try {
      pending = this.#opts.run(e.runnable, Math.max(1, Math.round(timeoutUs / 1000)));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (o) => this.#finish(e, runResult(o)),
      (err: unknown) => this.#finish(e, { kind: 'not_run', error: err instanceof Error ? err.message : String(err) }),
    );
  }

  #finish(e: Entry, r: ScriptRunResult): void {
    e.running = false;
    if (this.#stopped) return;
    if (r.kind === 'exited') e.lastExit = r.status;
    const step = applyResult(e.script, e.counter, r);
    e.counter = step.counter;
    for (const msg of step.logs) this.#opts.log.info({ script: e.script.name }, msg);
    if (step.verdict !== null) this.#opts.onReport({ kind: 'script', id: e.script.id, status: step.verdict });
  }

  status(): ScriptStatus[] {
    this.#check();
    return this.#scripts.map((s) => {
      const e = this.#entries.get(s.id)!;
      return {
        id: s.id,
        name: s.name,
        state: e.runnable === null ? 'disabled' : scriptState(s, e.counter),
        lastExit: e.lastExit,
        running: e.running,
      };
    });
  }

  /** Cancel every timer; a script still running is the runner's business, its result is ignored. */
  stop(): void {
    this.#stopped = true;
    for (const e of this.#entries.values()) {
      e.cancel?.();
      e.cancel = null;
    }
  }
}
