import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MiscCheck } from '../../../src/config/checkers/misc.js';
import { miscProbe, miscTimeoutSeconds, miscVerdict, type MiscProbeOptions } from '../../../src/check/misc.js';
import { ScriptRunner } from '../../../src/notify/script-runner.js';
import { silentLogger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-misc-'));
// Traversable by other users: one test runs a script as nobody.
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runner = new ScriptRunner(silentLogger());

function script(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode });
  chmodSync(path, mode);
  return path;
}

function misc(args: string[], extra: Partial<MiscCheck> = {}): MiscCheck {
  return { type: 'MISC_CHECK', misc_dynamic: false, misc_path: { command: args.join(' '), args }, delay_loop: 5, misc_timeout: 3, ...extra };
}

function probe(check: MiscCheck, opts: Partial<MiscProbeOptions> = {}) {
  return miscProbe(check, { runner, ...opts })(new AbortController().signal);
}

/** Processes whose parent is this process (zombies included: an unreaped child is a leak too). */
function childPids(): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) pids.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

/**
 * Gone: kill(pid, 0) says ESRCH. This container's PID 1 does not reap orphans, so a killed
 * grandchild may linger as a zombie of PID 1; that zombie is dead and not ours, so it counts too.
 */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return state === 'Z' && Number(ppid) !== process.pid;
  } catch {
    return true;
  }
}

async function eventually(cond: () => boolean, withinMs: number): Promise<boolean> {
  const end = Date.now() + withinMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

let before = { children: 0, fds: 0 };
beforeEach(() => {
  before = { children: childPids().length, fds: openFds() };
});
afterEach(async () => {
  // Every test leaves no child process, no running script and no open descriptor behind.
  await eventually(() => childPids().length === before.children && openFds() === before.fds && runner.running === 0, 3000);
  expect(childPids().length).toBe(before.children);
  expect(openFds()).toBe(before.fds);
  expect(runner.running).toBe(0);
});

describe('MISC_CHECK exit codes', () => {
  const exitWith = script('exit.sh', 'exit "$1"');
  const cases: Array<[code: number, dynamic: boolean, ok: boolean, weight: number | undefined]> = [
    [0, false, true, undefined],
    [1, false, false, undefined],
    [2, false, false, undefined],
    [7, false, false, undefined],
    [255, false, false, undefined],
    // misc_dynamic: 0 keeps the configured weight, 1 fails, 2..255 set weight = code - 2.
    [0, true, true, undefined],
    [1, true, false, undefined],
    [2, true, true, 0],
    [7, true, true, 5],
    [255, true, true, 253],
  ];
  for (const [code, dynamic, ok, weight] of cases) {
    it(`exit ${code}${dynamic ? ' with misc_dynamic' : ''}: ${ok ? 'pass' : 'fail'}${weight !== undefined ? `, weight ${weight}` : ''}`, { timeout: 5000 }, async () => {
      const r = await probe(misc([exitWith, String(code)], { misc_dynamic: dynamic }));
      expect(r.ok).toBe(ok);
      expect(r.weight).toBe(weight);
      expect('weight' in r).toBe(weight !== undefined);
      expect(r.reason).toBe(`exited with status ${code}`);
    });
  }
});

describe('MISC_CHECK timeouts and signals', () => {
  it('kills a hanging script and the child it forked at misc_timeout', { timeout: 6000 }, async () => {
    const pidFile = join(dir, 'hang.pid');
    const s = script('hang.sh', `sleep 100 &\necho $! > ${pidFile}\nwait`);
    const t0 = Date.now();
    const r = await probe(misc([s], { misc_timeout: 1 }));
    const elapsed = Date.now() - t0;
    expect(r).toEqual({ ok: false, reason: 'timed out after 1 s' });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2500);
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    expect(await eventually(() => gone(child), 1000)).toBe(true);
  });

  it('SIGKILLs a script and child that ignore SIGTERM, within the 2 s grace', { timeout: 8000 }, async () => {
    const pidFile = join(dir, 'stubborn.pid');
    // Ignored signals stay ignored across fork and exec: the sleep ignores SIGTERM too.
    const s = script('stubborn.sh', `trap '' TERM\nsleep 100 &\necho $! > ${pidFile}\nwait`);
    const t0 = Date.now();
    const r = await probe(misc([s], { misc_timeout: 1 }));
    const elapsed = Date.now() - t0;
    expect(r).toEqual({ ok: false, reason: 'timed out after 1 s' });
    // misc_timeout, then the runner's SIGTERM-to-SIGKILL grace (2 s today).
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(4500);
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => gone(child), 1000)).toBe(true);
  });

  it('fails a script killed by a signal, naming it', { timeout: 5000 }, async () => {
    const s = script('selfkill.sh', 'kill -9 $$');
    expect(await probe(misc([s]))).toEqual({ ok: false, reason: 'killed by signal SIGKILL (9)' });
  });

  it('defaults the timeout to the delay_loop when misc_timeout is unset or 0', () => {
    expect(miscTimeoutSeconds(misc(['x'], { misc_timeout: 4 }))).toBe(4);
    expect(miscTimeoutSeconds(misc(['x'], { misc_timeout: 0, delay_loop: 6 }))).toBe(6);
    expect(miscTimeoutSeconds(misc(['x'], { misc_timeout: undefined, delay_loop: 6 }))).toBe(6);
    // keepalived's default is the virtual server's delay_loop, when the caller passes it.
    expect(miscTimeoutSeconds(misc(['x'], { misc_timeout: undefined, delay_loop: 6 }), 10)).toBe(10);
    expect(miscTimeoutSeconds(misc(['x'], { misc_timeout: undefined, delay_loop: undefined }))).toBe(60);
  });

  it('judges a script that trapped SIGTERM and exited by its status, as keepalived does', () => {
    expect(miscVerdict({ code: 0, signal: null, timedOut: true }, false, 1)).toEqual({ ok: true, reason: 'exited with status 0' });
    expect(miscVerdict({ code: null, signal: 'SIGKILL', timedOut: true }, false, 3)).toEqual({ ok: false, reason: 'timed out after 3 s' });
    expect(miscVerdict({ code: null, signal: 'SIGTERM', timedOut: false }, false, 3)).toEqual({ ok: false, reason: 'killed by signal SIGTERM (15)' });
    expect(miscVerdict({ code: null, signal: 'SIGSEGV', timedOut: true }, false, 3)).toEqual({ ok: false, reason: 'killed by signal SIGSEGV (11)' });
  });

  it('settles at once when aborted and the script is killed then, not at its timeout', { timeout: 5000 }, async () => {
    const s = script('abort.sh', 'sleep 100');
    const ac = new AbortController();
    const p = miscProbe(misc([s], { misc_timeout: 30 }), { runner })(ac.signal);
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    expect(await p).toEqual({ ok: false, reason: 'aborted' });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await eventually(() => runner.running === 0, 1000)).toBe(true);
    const aborted = new AbortController();
    aborted.abort();
    expect(await miscProbe(misc([s]), { runner })(aborted.signal)).toEqual({ ok: false, reason: 'aborted' });
  });
});

describe('MISC_CHECK output and start failures', () => {
  it('discards 50 MB of output without holding it', { timeout: 8000 }, async () => {
    const s = script('loud.sh', 'head -c 52428800 /dev/zero\nhead -c 1048576 /dev/zero >&2\nexit 0');
    const rss0 = process.memoryUsage().rss;
    const r = await probe(misc([s]));
    expect(r).toEqual({ ok: true, reason: 'exited with status 0' });
    expect(process.memoryUsage().rss - rss0).toBeLessThan(25 * 2 ** 20);
  });

  it('fails a missing script with ENOENT', { timeout: 5000 }, async () => {
    const r = await probe(misc([join(dir, 'missing.sh')]));
    expect(r).toEqual({ ok: false, reason: 'cannot run script: no such file (ENOENT)' });
  });

  it('fails a non-executable script with EACCES', { timeout: 5000 }, async () => {
    const s = script('noexec.sh', 'exit 0', 0o644);
    const r = await probe(misc([s]));
    expect(r).toEqual({ ok: false, reason: 'cannot run script: permission denied (not executable?) (EACCES)' });
  });

  it('fails when no script is configured', async () => {
    expect(await probe({ type: 'MISC_CHECK', misc_dynamic: false })).toEqual({ ok: false, reason: 'no script configured (misc_path)' });
  });
});

describe('MISC_CHECK user', () => {
  // switching user needs root, as the test suite as a whole does (CI runs as root)
  const whoami = script('whoami.sh', '[ "$(id -u)" = "$1" ] && [ "$(id -g)" = "$2" ]');

  it('runs as the checker user, with its primary group', { timeout: 5000 }, async () => {
    const users = { lookupUser: (n: string) => (n === 'nobody' ? { uid: 65534, gid: 65534 } : null), lookupGroup: () => null };
    expect((await probe(misc([whoami, '65534', '65534'], { user: { user: 'nobody' } }), { users })).ok).toBe(true);
    expect((await probe(misc([whoami, '0', '0'], { user: { user: 'nobody' } }), { users })).ok).toBe(false);
  });

  it('runs as the checker user and group', { timeout: 5000 }, async () => {
    const users = { lookupUser: () => ({ uid: 65534, gid: 65534 }), lookupGroup: (n: string) => (n === 'users' ? { gid: 100 } : null) };
    expect((await probe(misc([whoami, '65534', '100'], { user: { user: 'nobody', group: 'users' } }), { users })).ok).toBe(true);
  });

  it('runs as the default script user when the checker has none', { timeout: 5000 }, async () => {
    const r = await probe(misc([whoami, '65534', '65534']), { defaultIdentity: { uid: 65534, gid: 65534 } });
    expect(r.ok).toBe(true);
  });

  it('fails, without running anything, when the user or group does not resolve', async () => {
    const users = { lookupUser: (n: string) => (n === 'nobody' ? { uid: 65534, gid: 65534 } : null), lookupGroup: () => null };
    expect(await probe(misc([whoami, '0', '0'], { user: { user: 'ghost' } }), { users })).toEqual({ ok: false, reason: 'cannot run script: unknown user ghost' });
    expect(await probe(misc([whoami, '0', '0'], { user: { user: 'nobody', group: 'ghosts' } }), { users })).toEqual({
      ok: false,
      reason: 'cannot run script: unknown group ghosts',
    });
  });
});
