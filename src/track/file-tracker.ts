/**
 * Watches every track_file and reports its value when it changes (keepalived 2.2.7:
 * trackers/track_file.c init_track_files, process_inotify, process_track_file,
 * track_file_end_handler).
 *
 * - At start, `init_file` writes "VALUE\n" when the file is missing (or always, with `overwrite`,
 *   unless it is not a regular file), through a temporary file renamed over the path (fopen_safe).
 * - The path is resolved (realpath; for a missing file, its directory's realpath) and the
 *   directory is watched, so that a file created, written, renamed over or deleted is seen. A
 *   directory that does not exist removes the file from tracking, as keepalived does.
 * - A file that exists is read at start (no report); afterwards each event for the file's name
 *   re-reads it and a changed value is reported. A deleted or moved-away file is 0, as is a file
 *   that cannot be opened or read, or an empty one; an out-of-range number is logged and ignored.
 * - keepalived reacts to IN_CLOSE_WRITE / IN_DELETE / IN_MOVE. Node's fs.watch gives IN_MODIFY
 *   and IN_CREATE instead of IN_CLOSE_WRITE, so a file can be seen mid-write: reads of the same
 *   file are serialised and only the latest is applied, and an empty file (a truncation before
 *   its write, as `echo 5 > file` does) is read again after EmptySettleUs and taken as 0 only if
 *   it is still empty then.
 */
import { closeSync, constants as fsConstants, openSync, realpathSync, renameSync, statSync, unlinkSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { basename, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { initFileContent, invalidNumberLine, parseTrackFileValue, TrackFileReadBytes } from './file-value.js';
import type { ResolvedTrackFile } from './types.js';
import { readFileHead } from './file-head.js';

/** How long an emptied file must stay empty (no further event) before it counts as 0. */
export const EmptySettleUs = 100_000;

export interface FileReport {
  readonly kind: 'file';
  readonly id: number;
  readonly value: number;
}

export interface FileTrackerOptions {
  log: Logger;
  onReport(r: FileReport): void;
  /** For the empty-file settle timer (default: the system clock). */
  clock?: Clock;
}

export interface FileStatus {
  id: number;
  name: string;
  /** The resolved path (keepalived's realpath of the file, or of its directory). */
  path: string;
  value: number;
}

interface Entry {
  readonly file: ResolvedTrackFile;
  path: string;
  /** False when keepalived would have removed the file (its directory does not exist). */
  watched: boolean;
  value: number;
  reading: boolean;
  again: boolean;
  settle: (() => void) | null;
}

/** What one read of the file gives. */
type Read = { kind: 'value'; value: number; empty: boolean } | { kind: 'invalid'; shown: string };

const strerror: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EPERM: 'Operation not permitted',
};

function errnoText(e: unknown): { errno: number; text: string } {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  return { errno: (osConstants.errno as Record<string, number>)[code] ?? 0, text: strerror[code] ?? code };
}

function parseRead(bytes: Buffer): Read {
  if (bytes.length === 0) return { kind: 'value', value: 0, empty: true };
  const p = parseTrackFileValue(bytes);
  return p.ok ? { kind: 'value', value: p.value, empty: false } : { kind: 'invalid', shown: p.shown };
}

/** keepalived's fopen_safe(path, "w") then fprintf: a temporary file, mode 0666 & ~umask, renamed over the path. */
function writeInitFile(file: ResolvedTrackFile, value: number, log: Logger): void {
  const suffix = randomBytes(6)
    .toString('base64')
    .replace(/[+/=]/g, 'X')
    .slice(0, 6);
  const tmp = `${file.path}${suffix}`;
  let fd: number;
  try {
    fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o666);
  } catch (e) {
    const { errno, text } = errnoText(e);
    log.warn({ trackFile: file.name }, `Unable to open '${file.path}' - errno ${errno} (${text})`);
    log.warn({ trackFile: file.name }, `Unable to initialise track file ${file.name}`);
    return;
  }
  try {
    writeSync(fd, initFileContent(value));
    closeSync(fd);
    renameSync(tmp, file.path);
  } catch (e) {
    const { errno, text } = errnoText(e);
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    try {
      unlinkSync(tmp);
    } catch {
      // gone
    }
    log.warn({ trackFile: file.name }, `Failed to rename ${tmp} to ${file.path} - errno ${errno} (${text})`);
    log.warn({ trackFile: file.name }, `Unable to initialise track file ${file.name}`);
  }
}

export class FileTracker {
  readonly #entries: Entry[];
  readonly #byId = new Map<number, Entry>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #opts: FileTrackerOptions;
  readonly #clock: Clock;
  #started = false;
  #stopped = false;

  constructor(files: readonly ResolvedTrackFile[], opts: FileTrackerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#entries = files.map((file) => ({ file, path: file.path, watched: false, value: 0, reading: false, again: false, settle: null }));
    for (const e of this.#entries) this.#byId.set(e.file.id, e);
  }

  /** init_file, path resolution, the directory watches and the first read (synchronous; no reports). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const { log } = this.#opts;
    for (const e of this.#entries) this.#initFile(e.file);
    for (const e of this.#entries) {
      if (!this.#resolve(e)) continue;
      const dir = dirname(e.path);
      if (!this.#watchers.has(dir)) {
        try {
          const w = watch(dir, { persistent: false }, (_type, name) => this.#event(dir, name === null ? null : String(name)));
          w.on('error', (err: Error) => log.warn({ directory: dir, error: err.message }, `inotify watch of ${dir} failed - ${err.message}`));
          this.#watchers.set(dir, w);
        } catch (err) {
          log.warn({ directory: dir, error: (err as Error).message }, 'Unable to monitor track files');
          continue;
        }
      }
      e.watched = true;
      const r = this.#readSync(e.path);
      if (r === null) continue;
      if (r.kind === 'invalid') log.info({ trackFile: e.file.name }, invalidNumberLine(r.shown, e.path));
      else e.value = r.value;
    }
  }

  #initFile(file: ResolvedTrackFile): void {
    const init = file.initFile;
    if (!init) return;
    let st;
    try {
      st = statSync(file.path);
    } catch {
      st = null;
    }
    if (st) {
      if (!init.overwrite) return;
      if (!st.isFile()) {
        this.#opts.log.warn({ trackFile: file.name }, `Cannot initialise track file ${file.name} - it is not a regular file`);
        return;
      }
    }
    writeInitFile(file, init.value, this.#opts.log);
  }

  /** init_track_files(): the real path of the file, or of its directory when it is missing. */
  #resolve(e: Entry): boolean {
    const { log } = this.#opts;
    try {
      e.path = realpathSync(e.file.path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        log.warn({ trackFile: e.file.name }, `track file ${e.file.name} is not accessible - ignoring`);
        return false;
      }
    }
    const slash = e.file.path.lastIndexOf('/');
    const dir = slash < 0 ? '.' : slash === 0 ? '/' : e.file.path.slice(0, slash);
    try {
      const real = realpathSync(dir);
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
      e.path = real === '/' ? `/${basename(e.file.path)}` : `${real}/${e.file.path.slice(slash + 1)}`;
      return true;
    } catch {
      log.warn({ trackFile: e.file.name }, `Track file directory for ${e.file.name} does not exist - removing`);
      return false;
    }
  }

  /** process_track_file(): open O_NONBLOCK, read at most 127 bytes; null when it cannot be opened (0, no read). */
  #readSync(path: string): Read | null {
    const head = readFileHead(path, TrackFileReadBytes);
    if (head === 'unopenable') return null;
    if (head === 'unreadable') return { kind: 'value', value: 0, empty: false };
    return parseRead(head);
  }

  async #readAsync(path: string): Promise<Read> {
    let fh;
    try {
      fh = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch {
      return { kind: 'value', value: 0, empty: false };
    }
    try {
      const buf = Buffer.alloc(TrackFileReadBytes);
      const { bytesRead } = await fh.read(buf, 0, TrackFileReadBytes, null);
      return parseRead(buf.subarray(0, bytesRead));
    } catch {
      return { kind: 'value', value: 0, empty: false };
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  #event(dir: string, name: string | null): void {
    if (this.#stopped) return;
    for (const e of this.#entries) {
      if (!e.watched || dirname(e.path) !== dir) continue;
      if (name !== null && name !== basename(e.path)) continue;
      this.#schedule(e);
    }
  }

  /** Read the file (one read at a time per file); `acceptEmpty` once an emptied file has settled. */
  #schedule(e: Entry, acceptEmpty = false): void {
    if (e.settle) {
      e.settle();
      e.settle = null;
    }
    if (e.reading) {
      e.again = true;
      return;
    }
    e.reading = true;
    void this.#readAsync(e.path).then((r) => {
      e.reading = false;
      if (this.#stopped) return;
      if (e.again) {
        // A newer event came in while reading: only the latest read counts.
        e.again = false;
        this.#schedule(e);
        return;
      }
      if (r.kind === 'invalid') {
        this.#opts.log.info({ trackFile: e.file.name }, invalidNumberLine(r.shown, e.path));
        return;
      }
      if (r.empty && e.value !== 0 && !acceptEmpty) {
        // Most likely truncated before being written: 0 only if it is still empty after a while.
        e.settle = this.#clock.at(this.#clock.nowUs() + EmptySettleUs, () => {
          e.settle = null;
          if (!this.#stopped) this.#schedule(e, true);
        });
        return;
      }
      this.#set(e, r.value);
    });
  }

  #set(e: Entry, value: number): void {
    if (value === e.value) return;
    this.#opts.log.debug({ trackFile: e.file.name, path: e.path, from: e.value, to: value }, `track file ${e.file.name} value ${value}`);
    e.value = value;
    this.#opts.onReport({ kind: 'file', id: e.file.id, value });
  }

  value(id: number): number {
    const e = this.#byId.get(id);
    if (!e) throw new Error(`track_file ${id} is not tracked`);
    return e.value;
  }

  status(): FileStatus[] {
    return this.#entries.map((e) => ({ id: e.file.id, name: e.file.name, path: e.path, value: e.value }));
  }

  stop(): void {
    this.#stopped = true;
    for (const e of this.#entries) {
      e.settle?.();
      e.settle = null;
    }
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
  }
}
