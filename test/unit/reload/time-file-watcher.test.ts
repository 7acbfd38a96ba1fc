/**
 * The reload_time_file watcher on a real temporary directory (real fs.watch events) with a
 * manual wall clock: time moves, and the scheduled reload fires, only when a test says so.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReloadTimeFile, type ReloadTimeFileOptions, type WallClock } from '../../../src/reload/time-file-watcher.js';
import { formatReloadTime } from '../../../src/reload/time-file.js';

/** 2026-06-01 12:00:00 UTC */
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Timer {
  at: number;
  fn: () => void;
}

class ManualClock implements WallClock {
  timers = new Set<Timer>();
  longestDelay = 0;
  constructor(public nowMs: number) {}
  now(): number {
    return this.nowMs;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const t = { at: this.nowMs + ms, fn };
    this.timers.add(t);
    this.longestDelay = Math.max(this.longestDelay, ms);
    return t;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as Timer);
  }
  /** Move to `to`, firing the timers due on the way in order. */
  advance(to: number): void {
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      this.nowMs = Math.max(this.nowMs, due.at);
      due.fn();
    }
    this.nowMs = to;
  }
}

let dir: string;
let file: string;
let clock: ManualClock;
let lines: string[];
let reloads: number;
let watcher: ReloadTimeFile;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-reload-time-'));
  file = join(dir, 'reload-time');
  clock = new ManualClock(NOW);
  lines = [];
  reloads = 0;
});
afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startWatcher(opts: Partial<ReloadTimeFileOptions> = {}): void {
  watcher = new ReloadTimeFile({
    path: file,
    repeat: false,
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(`WARN ${m}`) },
    onReload: () => reloads++,
    clock,
    ...opts,
  });
  watcher.start();
}

const count = (line: string): number => lines.filter((l) => l === line).length;
/** Until `line` has been logged `times` times (fs events come when they come). */
const logged = (line: string, times = 1): Promise<void> => vi.waitFor(() => expect(count(line)).toBe(times), { timeout: 5000, interval: 10 });
const scheduling = (ms: number): string => `Scheduling reload for ${formatReloadTime(ms)}`;
const cancelling = (ms: number): string => `Cancelling reload scheduled for ${formatReloadTime(ms)}`;

describe('ReloadTimeFile', () => {
  it('schedules when the file is created, moves the time when it is written again, and removes it at its reload', async () => {
    startWatcher();
    expect(lines).toEqual([]);
    writeFileSync(file, '13:00:00Z\n');
    await logged(scheduling(NOW + HOUR));
    writeFileSync(file, '14:00:00Z\n');
    await logged(`Reload time updated from ${formatReloadTime(NOW + HOUR)} to ${formatReloadTime(NOW + 2 * HOUR)}`);
    clock.advance(NOW + HOUR);
    expect(reloads).toBe(0);
    clock.advance(NOW + 2 * HOUR);
    expect(reloads).toBe(1);
    expect(existsSync(file)).toBe(false);
    clock.advance(NOW + 3 * DAY);
    expect(reloads).toBe(1);
  });

  it('reads a file already there at start', () => {
    writeFileSync(file, '2026-06-01 13:30:00Z');
    startWatcher();
    expect(lines).toEqual([scheduling(NOW + 1.5 * HOUR)]);
    clock.advance(NOW + 1.5 * HOUR);
    expect(reloads).toBe(1);
  });

  it('cancels when the file is removed, and when it is emptied', async () => {
    writeFileSync(file, '13:00:00Z\n');
    startWatcher();
    expect(lines).toEqual([scheduling(NOW + HOUR)]);
    unlinkSync(file);
    await logged(cancelling(NOW + HOUR));
    clock.advance(NOW + 2 * HOUR);
    expect(reloads).toBe(0);

    writeFileSync(file, '15:00:00Z\n');
    await logged(scheduling(NOW + 3 * HOUR));
    writeFileSync(file, '');
    await logged(cancelling(NOW + 3 * HOUR));
    clock.advance(NOW + DAY);
    expect(reloads).toBe(0);
  });

  it("cancels on an invalid or past line, with keepalived's two lines", async () => {
    writeFileSync(file, '13:00:00Z\n');
    startWatcher();
    writeFileSync(file, '25:61:00\n');
    await logged("Invalid reload time '25:61:00' specified - ignoring");
    expect(lines.slice(1)).toEqual(['Reload date/time 25:61:00 invalid - ignoring', "Invalid reload time '25:61:00' specified - ignoring", cancelling(NOW + HOUR)]);

    writeFileSync(file, '13:00:00Z\n');
    await logged(scheduling(NOW + HOUR), 2);
    writeFileSync(file, '2026-05-01 00:00:00Z\n');
    await logged('Reload date/time is in the past - ignoring');
    expect(lines.slice(-3)).toEqual(['Reload time 2026-05-01 00:00:00Z is in the past - ignoring', 'Reload date/time is in the past - ignoring', cancelling(NOW + HOUR)]);
    clock.advance(NOW + DAY);
    expect(reloads).toBe(0);
  });

  it('with reload_repeat keeps a time alone, which the next watcher schedules for tomorrow', () => {
    writeFileSync(file, '13:00:00Z\n');
    // as the daemon does: a new watcher once the reload is done
    const onReload = (): void => {
      reloads++;
      watcher.close();
      startWatcher({ repeat: true, onReload });
    };
    startWatcher({ repeat: true, onReload });
    clock.advance(NOW + HOUR);
    expect(reloads).toBe(1);
    expect(existsSync(file)).toBe(true);
    expect(lines).toEqual([scheduling(NOW + HOUR), scheduling(NOW + HOUR + DAY)]);
    clock.advance(NOW + HOUR + DAY);
    expect(reloads).toBe(2);
    expect(existsSync(file)).toBe(true);
  });

  it('with reload_repeat still removes a file that names a date', () => {
    writeFileSync(file, '26-06-01 13:00:00Z\n');
    startWatcher({
      repeat: true,
      onReload: () => {
        reloads++;
        throw new Error('boom');
      },
    });
    clock.advance(NOW + HOUR);
    expect(reloads).toBe(1);
    expect(existsSync(file)).toBe(false);
    // a failing reload is logged, not thrown out of the timer
    expect(lines.at(-1)).toBe('WARN Scheduled reload failed: boom');
  });

  it("waits beyond setTimeout's longest delay in steps", () => {
    const at = Date.UTC(2026, 8, 1); // 92 days ahead
    writeFileSync(file, '2026-09-01 00:00:00Z');
    startWatcher();
    expect(clock.longestDelay).toBeLessThanOrEqual(2 ** 31 - 1);
    clock.advance(at - 1000);
    expect(reloads).toBe(0);
    clock.advance(at);
    expect(reloads).toBe(1);
  });

  it('close() drops the scheduled reload without a line', () => {
    writeFileSync(file, '13:00:00Z\n');
    startWatcher();
    watcher.close();
    clock.advance(NOW + DAY);
    expect(reloads).toBe(0);
    expect(lines).toEqual([scheduling(NOW + HOUR)]);
  });

  it('logs a missing directory once and watches nothing', () => {
    file = join(dir, 'missing', 'reload-time');
    expect(() => startWatcher()).not.toThrow();
    expect(lines).toEqual([expect.stringMatching(/^WARN Unable to monitor reload timer file directory .*missing - ignoring/)]);
    mkdirSync(join(dir, 'missing'));
    writeFileSync(file, '13:00:00Z\n');
    clock.advance(NOW + DAY);
    expect(reloads).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('stops monitoring when the directory goes away', async () => {
    writeFileSync(file, '13:00:00Z\n');
    startWatcher();
    rmSync(dir, { recursive: true });
    await logged('WARN Directory of reload timer file has disappeared. Monitoring stopped.');
    expect(count(cancelling(NOW + HOUR))).toBe(1);
    clock.advance(NOW + DAY);
    expect(reloads).toBe(0);
  });
});
