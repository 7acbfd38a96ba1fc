/**
 * keepalived's `reload_time_file` monitor: watches the file, keeps one reload scheduled at the
 * time its first line names (src/reload/time-file.ts), and when it is due removes the file
 * (kept with `reload_repeat` when it holds a time alone) and asks for a reload.
 *
 * keepalived watches the directory with inotify and reads the file on IN_CLOSE_WRITE; fs.watch
 * gives no close event, so the file is read after each event for its name (those that arrive
 * together are read once). A writer slow between truncating and writing can show an empty file
 * for a moment, which cancels and then schedules again: use a rename to replace the file.
 *
 * Like keepalived's, a watcher that has fired is spent: the owner starts a new one after the
 * reload (from the configuration then running), which reads the file again; a time kept by
 * `reload_repeat` is then due tomorrow.
 */
import { basename, dirname } from 'node:path';
import { closeSync, constants, openSync, readSync, statSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { firstLine, formatReloadTime, parseReloadTime } from './time-file.js';

/** Wall-clock time (ms since the epoch) and its timers, injected for tests. */
export interface WallClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemWallClock: WallClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The longest delay setTimeout takes; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ReloadTimeFileOptions {
  path: string;
  /** `reload_repeat`: keep a time-only file after its reload, so that it reloads every day. */
  repeat: boolean;
  log: { info(msg: string): void; warn(msg: string): void };
  onReload: () => void;
  clock?: WallClock;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** What fgets would see of the file: its first 20 bytes; null where it does not exist. */
function readHead(path: string): string | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO put there must not hang the daemon
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const buf = Buffer.alloc(20);
    return buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
}

export class ReloadTimeFile {
  readonly #path: string;
  readonly #dir: string;
  readonly #name: string;
  readonly #repeat: boolean;
  readonly #log: ReloadTimeFileOptions['log'];
  readonly #onReload: () => void;
  readonly #clock: WallClock;
  #watcher: FSWatcher | null = null;
  #readQueued = false;
  #closed = false;
  /** The scheduled reload; its timer is armed while it is set. */
  #atMs: number | null = null;
  #dateSpecified = false;
  #timer: unknown = null;

  constructor(opts: ReloadTimeFileOptions) {
    this.#path = opts.path;
    this.#dir = dirname(opts.path);
    this.#name = basename(opts.path);
    this.#repeat = opts.repeat;
    this.#log = opts.log;
    this.#onReload = opts.onReload;
    this.#clock = opts.clock ?? systemWallClock;
  }

  /** Watch the directory, then read the file if it is there (keepalived's order: no change is missed between). */
  start(): void {
    try {
      if (!statSync(this.#dir).isDirectory()) throw new Error('not a directory');
      this.#watcher = watch(this.#dir, (_event, name) => this.#onEvent(name));
    } catch (e) {
      this.#log.warn(`Unable to monitor reload timer file directory ${this.#dir} - ignoring (${errorText(e)}); no scheduled reload until a reload or restart`);
      return;
    }
    this.#watcher.on('error', (e) => this.#stopMonitoring(`Monitoring of reload timer file directory ${this.#dir} failed (${e.message}). Monitoring stopped.`));
    this.#readFile();
  }

  /** Stop watching and drop the scheduled reload, without a log line (keepalived at a reload or stop). */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
    this.#cancel(false);
  }

  #onEvent(name: string | null): void {
    // the file itself, or the directory (its own name, or none) going away
    if (this.#closed || (name !== null && name !== this.#name && name !== basename(this.#dir))) return;
    if (this.#readQueued) return;
    this.#readQueued = true;
    setImmediate(() => {
      this.#readQueued = false;
      if (this.#closed) return;
      try {
        if (this.#dirExists()) this.#readFile();
        else this.#stopMonitoring('Directory of reload timer file has disappeared. Monitoring stopped.');
      } catch (e) {
        this.#log.warn(`reload timer file: ${errorText(e)}`);
      }
    });
  }

  #dirExists(): boolean {
    try {
      return statSync(this.#dir).isDirectory();
    } catch {
      return false;
    }
  }

  #stopMonitoring(message: string): void {
    this.#cancel(true);
    this.#watcher?.close();
    this.#watcher = null;
    this.#closed = true;
    this.#log.warn(message);
  }

  #readFile(): void {
    let text: string | null;
    try {
      text = readHead(this.#path);
    } catch (e) {
      this.#log.warn(`Cannot read reload timer file ${this.#path}: ${errorText(e)}`);
      text = null;
    }
    // no file, or an empty one (fgets reads nothing): no reload
    if (!text) return this.#cancel(true);
    const line = firstLine(text);
    const parsed = parseReloadTime(line, this.#clock.now());
    if (!parsed.ok) {
      this.#log.info(parsed.message);
      this.#log.info(parsed.reason === 'past' ? 'Reload date/time is in the past - ignoring' : `Invalid reload time '${line}' specified - ignoring`);
      return this.#cancel(true);
    }
    this.#dateSpecified = parsed.dateSpecified;
    if (parsed.atMs === this.#atMs) return;
    if (this.#atMs !== null) this.#log.info(`Reload time updated from ${formatReloadTime(this.#atMs)} to ${formatReloadTime(parsed.atMs)}`);
    else this.#log.info(`Scheduling reload for ${formatReloadTime(parsed.atMs)}`);
    this.#atMs = parsed.atMs;
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    const remaining = Math.max(0, this.#atMs! - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), Math.min(remaining, MAX_TIMER_MS));
  }

  #onTimer(): void {
    this.#timer = null;
    // a step of a long wait, or a timer ahead of the wall clock: the time itself has not come
    if (this.#clock.now() < this.#atMs!) return this.#arm();
    const keepFile = this.#repeat && !this.#dateSpecified;
    // stop watching first: the file's removal is not a cancellation
    this.close();
    if (!keepFile) {
      try {
        unlinkSync(this.#path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.warn(`Cannot remove reload timer file ${this.#path}: ${errorText(e)}`);
      }
    }
    try {
      this.#onReload();
    } catch (e) {
      this.#log.warn(`Scheduled reload failed: ${errorText(e)}`);
    }
  }

  #cancel(log: boolean): void {
    if (this.#atMs === null) return;
    if (log) this.#log.info(`Cancelling reload scheduled for ${formatReloadTime(this.#atMs)}`);
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#atMs = null;
  }
}
