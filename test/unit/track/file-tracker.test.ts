import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { EmptySettleUs, FileTracker, type FileReport } from '../../../src/track/file-tracker.js';
import type { ResolvedTrackFile } from '../../../src/track/types.js';

const root = mkdtempSync(join(tmpdir(), 'kts-track-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const rec = (_o: unknown, msg?: string): void => void lines.push(String(msg));
  const log = { info: rec, warn: rec, error: rec, debug: () => undefined, child: () => log } as unknown as Logger;
  return { log, lines };
}

const trackers: FileTracker[] = [];
afterEach(() => {
  for (const t of trackers.splice(0)) t.stop();
});

function track(files: Partial<ResolvedTrackFile>[]) {
  const { log, lines } = capture();
  const reports: FileReport[] = [];
  const resolved = files.map((f, i) => ({ id: i, name: `f${i}`, path: '', weight: 1, reverse: false, ...f }));
  const tracker = new FileTracker(resolved, { log, onReport: (r) => reports.push(r) });
  trackers.push(tracker);
  return { tracker, reports, lines };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const values = (reports: FileReport[]): number[] => reports.map((r) => r.value);

describe('track_file tracker', () => {
  it('reads at start without reporting, then reports each change: write, rename over, delete, recreate, junk', async () => {
    const dir = freshDir();
    const path = join(dir, 'prio');
    writeFileSync(path, '3\n');
    const t = track([{ path }]);
    t.tracker.start();
    expect(t.tracker.value(0)).toBe(3);
    expect(t.reports).toEqual([]);

    writeFileSync(path, '10\n');
    await until(() => t.reports.length === 1, 3000, 'the write');
    expect(t.reports[0]).toEqual({ kind: 'file', id: 0, value: 10 });

    // The same value again is no report; the next different one is.
    writeFileSync(path, '10\n');
    writeFileSync(join(dir, 'other'), '99\n');
    const tmp = join(dir, 'prio.tmp');
    writeFileSync(tmp, '-20\n');
    renameSync(tmp, path);
    await until(() => t.reports.length === 2, 3000, 'the rename over');
    expect(values(t.reports)).toEqual([10, -20]);

    unlinkSync(path);
    await until(() => t.reports.length === 3, 3000, 'the delete');
    writeFileSync(path, '7');
    await until(() => t.reports.length === 4, 3000, 'the recreation');
    writeFileSync(path, 'junk\n');
    await until(() => t.reports.length === 5, 3000, 'the junk');
    expect(values(t.reports)).toEqual([10, -20, 0, 7, 0]);
    expect(t.tracker.value(0)).toBe(0);
    expect(t.tracker.status()).toEqual([{ id: 0, name: 'f0', path, value: 0 }]);
  });

  it('a file missing at start is 0 and is seen when it appears', async () => {
    const dir = freshDir();
    const path = join(dir, 'later');
    const t = track([{ path }]);
    t.tracker.start();
    expect(t.tracker.value(0)).toBe(0);
    writeFileSync(path, '0x10\n');
    await until(() => t.reports.length === 1, 3000, 'the new file');
    expect(t.reports).toEqual([{ kind: 'file', id: 0, value: 16 }]);
  });

  it('keeps the previous value on an invalid number, with keepalived\'s line', async () => {
    const dir = freshDir();
    const path = join(dir, 'big');
    writeFileSync(path, '4');
    const t = track([{ path }]);
    t.tracker.start();
    writeFileSync(path, '99999999999\n');
    await until(() => t.lines.length === 1, 3000, 'the log line');
    expect(t.lines).toEqual([`Invalid number 99999999999 read from ${path} - ignoring`]);
    expect(t.tracker.value(0)).toBe(4);
    writeFileSync(path, '5');
    await until(() => t.reports.length === 1, 3000, 'the next value');
    expect(values(t.reports)).toEqual([5]);
  });

  it('a truncation followed by a write is one change; a file left empty becomes 0', async () => {
    const dir = freshDir();
    const path = join(dir, 'slow');
    writeFileSync(path, '3\n');
    const t = track([{ path }]);
    t.tracker.start();
    const fd = openSync(path, 'w'); // truncates, like `echo 7 > file`
    await new Promise((r) => setTimeout(r, 30)); // the writer is slow (shorter than the settle time)
    writeSync(fd, '7\n');
    closeSync(fd);
    await until(() => t.reports.length === 1, 3000, 'the written value');
    expect(values(t.reports)).toEqual([7]);
    const started = Date.now();
    writeFileSync(path, '');
    await until(() => t.reports.length === 2, 3000, 'the empty file');
    expect(values(t.reports)).toEqual([7, 0]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(EmptySettleUs / 1000 - 5);
  });

  it('tracks several files in one directory and in different ones, each by its own name', async () => {
    const a = freshDir();
    const b = freshDir();
    const t = track([{ path: join(a, 'one') }, { path: join(a, 'two') }, { path: join(b, 'one') }]);
    t.tracker.start();
    writeFileSync(join(a, 'two'), '2');
    await until(() => t.reports.length === 1, 3000, 'two');
    writeFileSync(join(b, 'one'), '3');
    await until(() => t.reports.length === 2, 3000, 'b/one');
    expect(t.reports).toEqual([
      { kind: 'file', id: 1, value: 2 },
      { kind: 'file', id: 2, value: 3 },
    ]);
    expect([0, 1, 2].map((i) => t.tracker.value(i))).toEqual([0, 2, 3]);
  });

  it('init_file creates a missing file, leaves an existing one, and rewrites it with overwrite', () => {
    const dir = freshDir();
    const missing = join(dir, 'missing');
    const kept = join(dir, 'kept');
    const over = join(dir, 'over');
    writeFileSync(kept, '9\n');
    writeFileSync(over, '9\n');
    mkdirSync(join(dir, 'adir'));
    const t = track([
      { path: missing, initFile: { value: 5, overwrite: false } },
      { path: kept, initFile: { value: 5, overwrite: false } },
      { path: over, initFile: { value: -3, overwrite: true } },
      { path: join(dir, 'adir'), name: 'd', initFile: { value: 1, overwrite: true } },
    ]);
    t.tracker.start();
    expect(readFileSync(missing, 'utf8')).toBe('5\n');
    expect(readFileSync(kept, 'utf8')).toBe('9\n');
    expect(readFileSync(over, 'utf8')).toBe('-3\n');
    // fopen_safe: mode 0666 less the umask, as a file created with mode 0666.
    const probe = join(dir, 'probe');
    writeFileSync(probe, '', { mode: 0o666 });
    expect(statSync(missing).mode & 0o777).toBe(statSync(probe).mode & 0o777);
    expect([0, 1, 2, 3].map((i) => t.tracker.value(i))).toEqual([5, 9, -3, 0]);
    expect(t.lines).toEqual(['Cannot initialise track file d - it is not a regular file']);
    expect(t.reports).toEqual([]);
  });

  it('removes a file whose directory does not exist, as keepalived', () => {
    const t = track([{ path: join(root, 'no-such-dir', 'f'), name: 'gone' }]);
    t.tracker.start();
    expect(t.lines).toEqual(['Track file directory for gone does not exist - removing']);
    expect(t.tracker.value(0)).toBe(0);
  });

  it('reports nothing after stop', async () => {
    const dir = freshDir();
    const path = join(dir, 'f');
    const t = track([{ path }]);
    t.tracker.start();
    t.tracker.stop();
    writeFileSync(path, '8');
    // Positive control: a second tracker on the same file sees the same write.
    const u = track([{ path }]);
    u.tracker.start();
    writeFileSync(path, '9');
    await until(() => u.reports.length === 1, 3000, 'the control tracker');
    expect(t.reports).toEqual([]);
  });
});
