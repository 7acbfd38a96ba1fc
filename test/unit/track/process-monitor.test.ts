/**
 * The process monitor against the real kernel (run as root): real processes under unique
 * names, followed through the process-events connector (and, on purpose, by scanning /proc).
 * Delays run on a fake clock, so that "not yet" can be asserted without sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/log.js';
import { ProcessMonitor } from '../../../src/track/process-monitor.js';
import type { ResolvedTrackProcess } from '../../../src/track/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { trackProcess } from '../../helpers/track.js';

const S = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'kts-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
/** A process name of at most 15 characters no other process has. */
const uniqueName = (): string => `kt${process.pid % 10000}x${(serial++).toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`.slice(0, 15);

/** A link to `target` whose name becomes the comm of what runs through it. */
function program(target: string): { path: string; name: string } {
  const name = uniqueName();
  const path = join(dir, name);
  symlinkSync(target, path);
  return { path, name };
}

const spec = trackProcess;

const children: ChildProcess[] = [];
const monitors: ProcessMonitor[] = [];

/** Started in a process group of its own, so that its forks die with it. */
function run(path: string, args: string[], opts: { argv0?: string } = {}): ChildProcess & { lines: string[] } {
  const c = spawn(path, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'], ...opts }) as ChildProcess & { lines: string[] };
  c.lines = [];
  createInterface({ input: c.stdout! }).on('line', (l) => c.lines.push(l));
  children.push(c);
  return c;
}

async function kill(c: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  try {
    process.kill(-c.pid!, signal);
  } catch {
    // already gone
  }
  await exited;
}

afterEach(async () => {
  for (const m of monitors.splice(0)) m.close();
  await Promise.all(children.splice(0).map((c) => kill(c)));
});

function monitor(specs: ResolvedTrackProcess[], clock = systemClock, connector = true) {
  const changes: [number, boolean][] = [];
  const m = ProcessMonitor.start(specs, { clock, log: silentLogger(), onChange: (id, up) => changes.push([id, up]), connector });
  monitors.push(m);
  const count = (id = 0): number => m.status().find((s) => s.id === id)!.count;
  return { m, changes, count };
}

/** Poll `cond` every 25 ms until it holds, or fail after `ms`. */
async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(monitors.map((m) => m.status()))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const commOf = (pid: number): string | null => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
};

/** Pids whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Events reach the monitor in the order they happened: once a marker process started after
 * `action` is counted, everything `action` caused has been handled too.
 */
async function barrier(m: ProcessMonitor, markerId: number, marker: { path: string }): Promise<void> {
  const before = m.status().find((s) => s.id === markerId)!.count;
  const c = run(marker.path, ['1000']);
  await waitFor(() => m.status().find((s) => s.id === markerId)!.count === before + 1, 'the marker process');
  await kill(c);
  await waitFor(() => m.status().find((s) => s.id === markerId)!.count === before, 'the marker to go');
}

const perl = '/usr/bin/perl';
/** Forks a child on SIGUSR1 (printing its pid); the child keeps the name, as a daemon's workers do. */
const forker = `$| = 1; $SIG{CHLD} = 'IGNORE';
$SIG{USR1} = sub { my $p = fork; if (defined $p && $p == 0) { $SIG{USR1} = 'DEFAULT'; sleep 1000 while 1; exit 0 } print "child $p\\n" };
print "ready\\n"; sleep 1000 while 1;`;
/** Renames itself to ARGV[0] on SIGHUP (prctl PR_SET_NAME: a PROC_EVENT_COMM), execs sleep on SIGUSR2. */
const shapeShifter = `$| = 1; my $new = shift;
$SIG{HUP} = sub { $0 = $new; print "renamed\\n" };
$SIG{USR2} = sub { exec '/bin/sleep', '1000' };
print "ready\\n"; sleep 1000 while 1;`;

describe.runIf(process.getuid?.() === 0)('ProcessMonitor (root, real processes)', () => {
  it('follows processes by name through kernel events: quorum gained, then lost', async () => {
    const p = program('/bin/sleep');
    const { m, changes, count } = monitor([spec({ process: p.name, quorum: 2 })]);
    expect(m.mode).toBe('events');
    expect(m.initial(0)).toBe(false);
    const a = run(p.path, ['1000']);
    await waitFor(() => count() === 1, 'the first process');
    expect(changes).toEqual([]);
    run(p.path, ['1000']);
    await waitFor(() => changes.length === 1, 'quorum gained');
    expect(changes).toEqual([[0, true]]);
    expect(m.status()).toEqual([{ id: 0, name: `track-${p.name}`, count: 2, up: true }]);
    await kill(a);
    await waitFor(() => changes.length === 2, 'quorum lost');
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(count()).toBe(1);
  });

  it('finds the processes already running when it starts (the initial state)', async () => {
    const p = program('/bin/sleep');
    const c = run(p.path, ['1000']);
    await waitFor(() => commOf(c.pid!) === p.name, 'the process to run');
    const { m, changes, count } = monitor([spec({ process: p.name }), spec({ id: 1, process: uniqueName() })]);
    expect(m.initial(0)).toBe(true);
    expect(m.initial(1)).toBe(false);
    expect(count()).toBe(1);
    expect(changes).toEqual([]);
  });

  it('matches the command line with full_command and parameters', async () => {
    const argv0 = uniqueName();
    const marker = program('/bin/sleep');
    const { m, changes, count } = monitor([
      spec({ process: argv0, params: ['1000'], paramMatch: 'exact', fullCommand: true }),
      spec({ id: 1, process: marker.name }),
    ]);
    run('/bin/sleep', ['999'], { argv0 }); // other parameters: not counted
    await barrier(m, 1, marker);
    expect(count()).toBe(0);
    run('/bin/sleep', ['1000'], { argv0 });
    await waitFor(() => changes.some(([id]) => id === 0), 'quorum gained');
    expect(changes.filter(([id]) => id === 0)).toEqual([[0, true]]);
    expect(count()).toBe(1);
  });

  it('quorum_max: a process too many loses the quorum, one fewer regains it', async () => {
    const p = program('/bin/sleep');
    const { changes } = monitor([spec({ process: p.name, quorum: 1, quorumMax: 1 })]);
    run(p.path, ['1000']);
    await waitFor(() => changes.length === 1, 'quorum gained');
    const second = run(p.path, ['1000']);
    await waitFor(() => changes.length === 2, 'quorum lost');
    await kill(second);
    await waitFor(() => changes.length === 3, 'quorum regained');
    expect(changes).toEqual([
      [0, true],
      [0, false],
      [0, true],
    ]);
  });

  it('counts forked children, reports them after fork_delay, and their exit after terminate_delay', async () => {
    const p = program(perl);
    const clock = new FakeClock();
    const { changes, count } = monitor([spec({ process: p.name, quorum: 2, forkDelayUs: 2 * S, terminateDelayUs: 3 * S })], clock);
    const parent = run(p.path, ['-e', forker]);
    await waitFor(() => parent.lines.includes('ready') && count() === 1, 'the parent');
    process.kill(parent.pid!, 'SIGUSR1');
    await waitFor(() => count() === 2, 'the forked child counted');
    await clock.advance(clock.now + 2 * S - 1);
    expect(changes).toEqual([]);
    await clock.advance(clock.now + 1);
    expect(changes).toEqual([[0, true]]);

    const child = childrenOf(parent.pid!)[0]!;
    expect(parent.lines).toContain(`child ${child}`);
    process.kill(child, 'SIGKILL');
    await waitFor(() => count() === 1, 'the child to go');
    await clock.advance(clock.now + 3 * S - 1);
    expect(changes).toEqual([[0, true]]);
    await clock.advance(clock.now + 1);
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  it('a restart within terminate_delay reports nothing', async () => {
    const p = program('/bin/sleep');
    const clock = new FakeClock();
    const { changes, count } = monitor([spec({ process: p.name, terminateDelayUs: 2 * S })], clock);
    const first = run(p.path, ['1000']);
    await waitFor(() => changes.length === 1, 'quorum gained');
    await kill(first);
    await waitFor(() => count() === 0, 'the exit');
    await clock.advance(clock.now + S);
    run(p.path, ['1000']);
    await waitFor(() => count() === 1, 'the restart');
    await clock.advance(clock.now + 10 * S);
    expect(changes).toEqual([[0, true]]);
  });

  it('follows renames (PROC_EVENT_COMM) and execs into another program', async () => {
    const p = program(perl);
    const renamed = uniqueName();
    const marker = program('/bin/sleep');
    const { m, changes, count } = monitor([spec({ process: p.name }), spec({ id: 1, process: renamed }), spec({ id: 2, process: marker.name })]);
    const c = run(p.path, ['-e', shapeShifter, renamed]);
    await waitFor(() => changes.length === 1 && c.lines.includes('ready'), 'the exec counted');
    expect(changes).toEqual([[0, true]]);
    process.kill(c.pid!, 'SIGHUP');
    await waitFor(() => changes.length === 3, 'the rename');
    expect(commOf(c.pid!)).toBe(renamed);
    expect(changes).toEqual([
      [0, true],
      [0, false],
      [1, true],
    ]);
    process.kill(c.pid!, 'SIGUSR2');
    await waitFor(() => changes.length === 4, 'the exec into sleep');
    expect(changes[3]).toEqual([1, false]);
    expect(count(0) + count(1)).toBe(0);
    await barrier(m, 2, marker);
    expect(c.exitCode).toBeNull(); // still running, as sleep
  });

  it('ignores threads: a process whose threads come and go counts once, all along', async () => {
    const p = program(process.execPath);
    const marker = program('/bin/sleep');
    const { m, changes, count } = monitor([spec({ process: p.name, quorumMax: 1 }), spec({ id: 1, process: marker.name })]);
    // a worker thread starts (a fork event with pid != tgid) and ends (an exit event with pid != tgid)
    const script = `const w = new (require('node:worker_threads').Worker)('setInterval(() => {}, 1e6)', { eval: true });
      w.on('online', () => w.terminate()); w.on('exit', () => { console.log('done'); setInterval(() => {}, 1e6); });`;
    const c = run(p.path, ['-e', script]);
    await waitFor(() => c.lines.includes('done'), 'the worker thread to start and end');
    await barrier(m, 1, marker);
    expect(count()).toBe(1);
    expect(changes.filter(([id]) => id === 0)).toEqual([[0, true]]);
  });

  it('rescans /proc a second after the kernel dropped events (ENOBUFS)', async () => {
    const p = program('/bin/sleep');
    const marker = program('/bin/sleep');
    const clock = new FakeClock();
    const { m, changes, count } = monitor([spec({ process: p.name }), spec({ id: 1, process: marker.name })], clock);
    await waitFor(() => !clock.timers.some((t) => t.live), 'the subscription to be answered');
    // While this loop is blocked, a flood of forks, execs and exits overflows the socket's
    // receive buffer: the kernel drops what follows until the queue is read, the events of
    // the tracked program (started last, as a new child) among them.
    const flood = run('/bin/sh', ['-c', `for i in $(seq 1500); do /bin/true; done; ${p.path} 1000 & wait`]);
    const end = Date.now() + 30_000;
    while (!childrenOf(flood.pid!).some((pid) => commOf(pid) === p.name)) {
      if (Date.now() > end) throw new Error('timed out waiting for the flood');
    }
    await waitFor(() => clock.timers.some((t) => t.live), 'the loss to be noticed');
    await barrier(m, 1, marker); // the socket works again
    expect(count()).toBe(0);
    expect(changes.filter(([id]) => id === 0)).toEqual([]);
    await clock.advance(clock.now + S);
    expect(count()).toBe(1);
    expect(changes.filter(([id]) => id === 0)).toEqual([[0, true]]);
  });

  it('without the connector, scans /proc every second through the clock', async () => {
    const p = program('/bin/sleep');
    const clock = new FakeClock();
    const { m, changes, count } = monitor([spec({ process: p.name })], clock, false);
    expect(m.mode).toBe('scan');
    const c = run(p.path, ['1000']);
    await waitFor(() => commOf(c.pid!) === p.name, 'the process to run');
    expect(count()).toBe(0);
    await clock.advance(clock.now + S);
    expect(changes).toEqual([[0, true]]);
    await kill(c);
    await waitFor(() => commOf(c.pid!) === null, 'the process to be reaped');
    await clock.advance(clock.now + S);
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  it('stops on close: no more reports, and the timers are gone', async () => {
    const p = program('/bin/sleep');
    const clock = new FakeClock();
    const { m, changes } = monitor([spec({ process: p.name, terminateDelayUs: S })], clock);
    const c = run(p.path, ['1000']);
    await waitFor(() => changes.length === 1, 'quorum gained');
    await kill(c);
    await waitFor(() => m.status()[0]!.count === 0, 'the exit');
    m.close();
    expect(clock.timers.filter((t) => t.live)).toEqual([]);
    // a second monitor sees the next process: the closed one would have by then
    const witness = monitor([spec({ process: p.name })]);
    run(p.path, ['1000']);
    await waitFor(() => witness.count() === 1, 'the witness to see the process');
    await clock.advance(clock.now + 5 * S);
    expect(changes).toEqual([[0, true]]);
    expect(m.status()[0]!.count).toBe(0);
  });
});
