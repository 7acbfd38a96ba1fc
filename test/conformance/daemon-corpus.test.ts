/**
 * The daemon on every configuration of the conformance corpus that keepalived 2.2.7 would run
 * (`keepalived -t` exits 0 or 5): each runs for 10 s in its own network namespace with eth0..eth3
 * (their peers left down, so no instance sends to or adds addresses of the samples' networks),
 * writes no stack trace, and stops cleanly on SIGTERM with exit code 0. This host's kernel has no
 * IPVS: a configuration with virtual servers only ends at once with exit 1 and keepalived's
 * `IPVS: not available`, which is the expected outcome here (test/interop/ipvs-host.test.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Netns } from '../helpers/netns.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli.js');
const samplesDir = '/usr/share/doc/keepalived/samples';
const RunMs = 10_000;
// the daemons mostly wait: 16 at once keep two cores far from busy and the file under two minutes
const Parallel = 16;

function corpus(): string[] {
  const files: string[] = [];
  for (const [dir, keep] of [
    [samplesDir, (n: string) => n.startsWith('keepalived.conf.')],
    [join(root, 'fixtures/seeds'), (n: string) => n.endsWith('.conf')],
    [join(root, 'fixtures/conformance'), (n: string) => n.endsWith('.conf')],
  ] as const) {
    files.push(...readdirSync(dir).filter(keep).sort().map((n) => join(dir, n)));
  }
  return files;
}

interface Outcome {
  file: string;
  stillRunning: boolean;
  exitCode: number | null;
  signal: string | null;
  stderr: string;
}

async function runOne(file: string, work: string): Promise<Outcome> {
  const ns = Netns.create(['eth0', 'eth1', 'eth2', 'eth3']);
  const dir = mkdtempSync(join(work, 'run-'));
  try {
    const args = ['-n', '-l', '-f', file, '-p', join(dir, 'main.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), '-b', join(dir, 'bfd.pid')];
    const child = spawn('ip', ['netns', 'exec', ns.name, cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': a process that ends at once may exit before its stderr has been read
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    await Promise.race([exited, new Promise((r) => setTimeout(r, RunMs))]);
    const stillRunning = child.exitCode === null && child.signalCode === null;
    if (stillRunning) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    return { file, stillRunning, exitCode: child.exitCode, signal: child.signalCode, stderr };
  } finally {
    ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the daemon runs every configuration keepalived 2.2.7 would run', () => {
  const work = mkdtempSync(join(tmpdir(), 'kts-corpus-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('10 s each without a stack trace, then a clean stop', { timeout: 300_000 }, async () => {
    const check = Netns.create(['eth0', 'eth1', 'eth2', 'eth3']);
    let runnable: string[];
    try {
      runnable = corpus().filter((f) => {
        const r = spawnSync('ip', ['netns', 'exec', check.name, '/usr/sbin/keepalived', '-t', '-l', '-f', f], { encoding: 'utf8', cwd: '/', timeout: 30_000 });
        return r.status === 0 || r.status === 5;
      });
    } finally {
      check.destroy();
    }
    expect(runnable.length).toBeGreaterThanOrEqual(20);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < runnable.length; i += Parallel) outcomes.push(...(await Promise.all(runnable.slice(i, i + Parallel).map((f) => runOne(f, work)))));
    const noIpvs = (o: Outcome): boolean => !o.stillRunning && o.exitCode === 1 && o.stderr.includes('IPVS: not available') && !o.stderr.includes('VRRP child');
    const bad = outcomes.filter(
      (o) => (!noIpvs(o) && (!o.stillRunning || o.exitCode !== 0)) || /^\s+at .+:\d+:\d+\)?$/m.test(o.stderr) || /Uncaught|TypeError|RangeError/.test(o.stderr),
    );
    // most of the corpus runs VRRP instances: they must have kept running
    expect(outcomes.filter((o) => o.stillRunning).length).toBeGreaterThanOrEqual(15);
    expect(
      bad.map((o) => `${basename(o.file)}: running ${o.stillRunning}, exit ${o.exitCode ?? o.signal}\n${o.stderr.split('\n').slice(-15).join('\n')}`),
    ).toEqual([]);
  });
});
