/**
 * `reload_time_file` in the real daemon: a configuration with global_defs only (nothing on the
 * network), the time file written a few seconds ahead; the daemon schedules, reloads at that
 * time, and removes the file, or with `reload_repeat` keeps it and schedules tomorrow's. Root,
 * as the other interop tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatReloadTime } from '../../src/reload/time-file.js';
import { commandPath, waitFor } from '../helpers/vrrp-lab.js';

const DAY = 24 * 3_600_000;

interface Daemon {
  child: ChildProcess;
  dir: string;
  timeFile: string;
}
let running: Daemon | null = null;

afterEach(() => {
  if (running?.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  if (running) rmSync(running.dir, { recursive: true, force: true });
  running = null;
});

async function startDaemon(repeat: boolean): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-reload-time-'));
  mkdirSync(join(dir, 'schedule'));
  const timeFile = join(dir, 'schedule', 'reload-at');
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, `global_defs {\n  router_id reload-time\n  reload_time_file ${timeFile}\n${repeat ? '  reload_repeat\n' : ''}}\n`);
  const pidFile = join(dir, 'main.pid');
  const log = openSync(join(dir, 'log'), 'w');
  const child = spawn(commandPath, ['-n', '-l', '-D', '-f', conf, '-p', pidFile, '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid')], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  running = { child, dir, timeFile };
  await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(child.pid), 10_000, 'the pid file');
  return running;
}

/** The daemon's pino lines so far: message and time. */
function logLines(d: Daemon): { msg: string; time: number }[] {
  return readFileSync(join(d.dir, 'log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; time: number });
}
const messages = (d: Daemon, msg: string): { msg: string; time: number }[] => logLines(d).filter((l) => l.msg === msg);
const logged = (d: Daemon, msg: string, times = 1): Promise<unknown> =>
  waitFor(() => messages(d, msg).length >= times, 10_000, `${times} × "${msg}" in ${join(d.dir, 'log')}`);

/** `HH:MM:SSZ` two to three seconds from now, and that time. */
function soon(): { line: string; atMs: number } {
  const atMs = Math.ceil(Date.now() / 1000) * 1000 + 2000;
  return { line: `${new Date(atMs).toISOString().slice(11, 19)}Z\n`, atMs };
}

async function terminate(d: Daemon): Promise<number | null> {
  d.child.kill('SIGTERM');
  await waitFor(() => d.child.exitCode !== null || d.child.signalCode !== null, 10_000, 'the daemon to exit');
  return d.child.exitCode;
}

describe('reload_time_file', () => {
  it('reloads at the time written and removes the file', async () => {
    const d = await startDaemon(false);
    const { line, atMs } = soon();
    writeFileSync(d.timeFile, line);
    await logged(d, `Scheduling reload for ${formatReloadTime(atMs)}`);
    await logged(d, 'Reload finished');
    const [reloading] = messages(d, 'Reloading ... (reload_time_file)');
    expect(reloading!.time).toBeGreaterThanOrEqual(atMs);
    expect(existsSync(d.timeFile)).toBe(false);
    // it is acted on: not in the start-up warning
    expect(logLines(d).some((l) => l.msg.includes('reload_time_file /'))).toBe(false);
    expect(await terminate(d)).toBe(0);
  });

  it('with reload_repeat keeps a time alone and schedules it again for tomorrow', async () => {
    const d = await startDaemon(true);
    const { line, atMs } = soon();
    // the way to replace the file in one step
    writeFileSync(`${d.timeFile}.new`, line);
    renameSync(`${d.timeFile}.new`, d.timeFile);
    await logged(d, `Scheduling reload for ${formatReloadTime(atMs)}`);
    await logged(d, 'Reload finished');
    await logged(d, `Scheduling reload for ${formatReloadTime(atMs + DAY)}`);
    expect(messages(d, 'Reloading ... (reload_time_file)')).toHaveLength(1);
    expect(existsSync(d.timeFile)).toBe(true);
    expect(await terminate(d)).toBe(0);
  });
});
