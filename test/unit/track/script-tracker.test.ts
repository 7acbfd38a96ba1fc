import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import type { Logger } from '../../../src/log.js';
import { silentLogger } from '../../../src/log.js';
import { ScriptRunner, type ScriptOutcome } from '../../../src/notify/script-runner.js';
import { ScriptTracker, type ScriptReport } from '../../../src/track/script-tracker.js';
import type { ResolvedScript } from '../../../src/track/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const S = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'kts-track-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, body, { mode });
  chmodSync(path, mode);
  return path;
}

function script(over: Partial<ResolvedScript> = {}): ResolvedScript {
  return { id: 0, name: 'chk', args: ['/fake/chk'], intervalUs: 2 * S, timeoutUs: 2 * S, rise: 1, fall: 1, insecure: false, initFail: false, weight: 0, reverse: false, ...over };
}

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const rec = (_o: unknown, msg?: string): void => void lines.push(String(msg));
  const log = { info: rec, warn: rec, error: rec, debug: rec, child: () => log } as unknown as Logger;
  return { log, lines };
}

/** A runner whose runs the test finishes by hand. */
class FakeRunner {
  calls: { at: number; s: ResolvedScript; timeoutMs: number; done: (o: ScriptOutcome) => void }[] = [];
  constructor(private readonly clock: FakeClock) {}
  run = (s: ResolvedScript, timeoutMs: number): Promise<ScriptOutcome> =>
    new Promise((done) => this.calls.push({ at: this.clock.now, s, timeoutMs, done }));
  exit(code: number, i = this.calls.length - 1): void {
    this.calls[i]!.done({ code, signal: null, timedOut: false });
  }
}

function setup(scripts: ResolvedScript[], executable: (p: string) => boolean = () => true) {
  const clock = new FakeClock();
  const runner = new FakeRunner(clock);
  const { log, lines } = capture();
  const reports: ScriptReport[] = [];
  const tracker = new ScriptTracker(scripts, { clock, log, run: runner.run, onReport: (r) => reports.push(r), executable });
  return { clock, runner, lines, reports, tracker };
}

describe('script tracker (fake clock, fake runner)', () => {
  it('runs the first time at start, then every interval from each run', async () => {
    const t = setup([script({ intervalUs: 2 * S, timeoutUs: 1500_000 })]);
    t.tracker.start();
    await t.clock.advance(0);
    expect(t.runner.calls.map((c) => c.at)).toEqual([0]);
    expect(t.runner.calls[0]!.timeoutMs).toBe(1500);
    t.runner.exit(0);
    await t.clock.advance(2 * S - 1);
    expect(t.runner.calls).toHaveLength(1);
    await t.clock.advance(2 * S);
    t.runner.exit(0);
    await t.clock.advance(4 * S);
    expect(t.runner.calls.map((c) => c.at)).toEqual([0, 2 * S, 4 * S]);
    t.tracker.stop();
  });

  it('reports verdict changes with rise and fall and logs keepalived lines', async () => {
    const t = setup([script({ rise: 2, fall: 2 })]);
    t.tracker.start();
    const results = [1, 0, 0, 1, 1];
    for (let i = 0; i < results.length; i++) {
      await t.clock.advance(i * 2 * S);
      t.runner.exit(results[i]!);
    }
    await t.clock.advance(9 * S);
    expect(t.reports).toEqual([
      { kind: 'script', id: 0, status: 'failed' },
      { kind: 'script', id: 0, status: 'ok' },
      { kind: 'script', id: 0, status: 'failed' },
    ]);
    expect(t.lines).toEqual([
      'Script `chk` now returning 1',
      'VRRP_Script(chk) failed (exited with status 1)',
      'Script `chk` now returning 0',
      'VRRP_Script(chk) succeeded',
      'Script `chk` now returning 1',
      'VRRP_Script(chk) failed (exited with status 1)',
    ]);
    t.tracker.stop();
  });

  it('skips a run while the previous one is still going, and says when it is being timed out', async () => {
    const t = setup([script({ intervalUs: 1 * S, timeoutUs: 3 * S })]);
    t.tracker.start();
    await t.clock.advance(0);
    expect(t.tracker.status()[0]).toMatchObject({ running: true, state: 'init', lastExit: null });
    await t.clock.advance(3 * S);
    expect(t.runner.calls).toHaveLength(1);
    expect(t.lines).toEqual([
      'Track script chk is already running, expect idle - skipping run',
      'Track script chk is already running, expect idle - skipping run',
      'Track script chk is being timed out, expect idle - skipping run',
    ]);
    t.runner.calls[0]!.done({ code: null, signal: 'SIGTERM', timedOut: true });
    await t.clock.advance(3 * S);
    expect(t.reports).toEqual([{ kind: 'script', id: 0, status: 'failed' }]);
    expect(t.lines.at(-1)).toBe('VRRP_Script(chk) timed_out');
    expect(t.tracker.status()[0]).toMatchObject({ running: false, state: 'failed', lastExit: null });
    await t.clock.advance(4 * S);
    expect(t.runner.calls).toHaveLength(2);
    t.tracker.stop();
  });

  it('init_fail: the initial state is failed and a first failure reports nothing', async () => {
    const t = setup([script({ initFail: true, rise: 1 })]);
    expect(t.tracker.initial(0)).toBe('failed');
    t.tracker.start();
    await t.clock.advance(0);
    t.runner.exit(1);
    await t.clock.advance(2 * S);
    expect(t.reports).toEqual([]);
    t.runner.exit(0);
    await t.clock.advance(2 * S);
    expect(t.reports).toEqual([{ kind: 'script', id: 0, status: 'ok' }]);
    expect(t.tracker.status()[0]).toMatchObject({ state: 'ok', lastExit: 0 });
    t.tracker.stop();
  });

  it('a missing program is disabled once at start and never run', async () => {
    const t = setup([script({ id: 0, args: [join(dir, 'nope', 'chk.sh')] }), script({ id: 1, name: 'good' })], (p) => p === '/fake/chk');
    expect(t.tracker.initial(0)).toBe('disabled');
    expect(t.tracker.initial(1)).toBe('init');
    t.tracker.start();
    await t.clock.advance(10 * S);
    expect(t.reports).toEqual([{ kind: 'script', id: 0, status: 'disabled' }]);
    expect(t.runner.calls.every((c) => c.s.name === 'good')).toBe(true);
    expect(t.lines.filter((l) => /Disabling|cannot be accessed/.test(l))).toEqual([
      `Script ${join(dir, 'nope', 'chk.sh')} cannot be accessed - No such file or directory`,
      'Disabling track script chk since not found/accessible',
    ]);
    expect(t.tracker.status()[0]).toMatchObject({ state: 'disabled', running: false });
    t.tracker.stop();
  });

  it('checks programs as keepalived: not executable, PATH search, no shebang, "</file"', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'mycheck'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(bin, 'noexec'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    chmodSync(join(bin, 'noexec'), 0o644);
    const plain = file('plain.sh', 'exit 0\n', 0o644);
    const noShebang = file('noshebang.sh', 'exit 0\n');
    const scripts = [
      script({ id: 0, name: 'a', args: [plain] }),
      script({ id: 1, name: 'b', args: ['mycheck', 'x y'] }),
      script({ id: 2, name: 'c', args: ['nosuchcheck'] }),
      script({ id: 3, name: 'd', args: ['noexec'] }),
      script({ id: 4, name: 'e', args: [noShebang, 'arg'] }),
      script({ id: 5, name: 'f', args: ['</etc/hostname'] }),
    ];
    const clock = new FakeClock();
    const runner = new FakeRunner(clock);
    const { log, lines } = capture();
    const tracker = new ScriptTracker(scripts, { clock, log, run: runner.run, onReport: () => undefined, path: `${join(dir, 'empty')}::${bin}` });
    expect(scripts.map((s) => tracker.initial(s.id))).toEqual(['disabled', 'init', 'disabled', 'disabled', 'init', 'init']);
    const uid = process.getuid!();
    const gid = process.getgid!();
    expect(lines).toEqual([
      `WARNING - script '${plain}' is not executable for uid:gid ${uid}:${gid} - disabling.`,
      `WARNING - script \`mycheck\` resolved by path search to \`${bin}/mycheck\`. Please specify full path.`,
      'Cannot find script nosuchcheck in path - disabling',
      'Disabling track script c since not found/accessible',
      'Permissions failure for script noexec in path - disabling',
      'Disabling track script d since not found/accessible',
      `Please add a #! shebang to script ${noShebang}`,
    ]);
    tracker.start();
    return clock.advance(0).then(() => {
      expect(runner.calls.map((c) => c.s.args)).toEqual([
        [`${bin}/mycheck`, 'x y'],
        ['/bin/sh', '-c', `'${noShebang}' 'arg'`],
        ['/bin/sh', '-c', '</etc/hostname'],
      ]);
      tracker.stop();
    });
  });

  it('stop cancels the timers and ignores a result that arrives afterwards', async () => {
    const t = setup([script()]);
    t.tracker.start();
    await t.clock.advance(0);
    t.tracker.stop();
    t.runner.exit(0);
    await t.clock.advance(20 * S);
    expect(t.runner.calls).toHaveLength(1);
    expect(t.reports).toEqual([]);
  });
});

/** Poll until `pred` holds, failing after `ms`. */
async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number): boolean => {
  try {
    return existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('script tracker with the real ScriptRunner', () => {
  it('runs real scripts: exit codes, a timeout that kills the whole group, a 5 MB writer', async () => {
    const pids = join(dir, 'children.pids');
    const scripts: ResolvedScript[] = [
      script({ id: 0, name: 'pass', args: [file('pass.sh', '#!/bin/sh\nexit 0\n')], intervalUs: 60 * S, timeoutUs: 5 * S }),
      script({ id: 1, name: 'fail', args: [file('fail.sh', '#!/bin/sh\nexit 1\n')], intervalUs: 60 * S, timeoutUs: 5 * S }),
      script({
        id: 2,
        name: 'hang',
        // One child dies with the group's SIGTERM, one ignores it and needs the SIGKILL that follows.
        args: [file('hang.sh', `#!/bin/sh\nsleep 60 &\necho $! > ${pids}\nsh -c 'trap "" TERM; sleep 60' &\necho $! >> ${pids}\nwait\n`)],
        intervalUs: 60 * S,
        timeoutUs: 400_000,
      }),
      script({ id: 3, name: 'chatty', args: [file('chatty.sh', '#!/bin/sh\nhead -c 5000000 /dev/zero\nexit 0\n')], intervalUs: 60 * S, timeoutUs: 5 * S }),
    ];
    const runner = new ScriptRunner(silentLogger());
    const { log, lines } = capture();
    const reports: ScriptReport[] = [];
    const tracker = new ScriptTracker(scripts, {
      clock: systemClock,
      log,
      run: (s, timeoutMs) => runner.run({ what: `vrrp_script ${s.name}`, args: [...s.args], timeoutMs }),
      onReport: (r) => reports.push(r),
    });
    tracker.start();
    try {
      await until(() => reports.length === 4, 10_000, 'four verdicts');
      const byId = new Map(reports.map((r) => [r.id, r.status]));
      expect([...byId.entries()].sort((a, b) => a[0] - b[0])).toEqual([
        [0, 'ok'],
        [1, 'failed'],
        [2, 'failed'],
        [3, 'ok'],
      ]);
      expect(lines).toContain('VRRP_Script(hang) timed_out');
      expect(lines).toContain('VRRP_Script(fail) failed (exited with status 1)');
      expect(tracker.status().map((s) => [s.state, s.lastExit, s.running])).toEqual([
        ['ok', 0, false],
        ['failed', 1, false],
        ['failed', null, false],
        ['ok', 0, false],
      ]);
      const children = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      expect(children).toHaveLength(2);
      await until(() => children.every((p) => !alive(p)), 6_000, 'the timed-out script\'s children to be gone');
    } finally {
      tracker.stop();
      runner.killAll();
    }
  });
});

describe('script tracker across a reload (handOver / carry)', () => {
  it('an unchanged script keeps its result and its schedule; a changed one starts afresh', async () => {
    const t = setup([script({ intervalUs: 2 * S, rise: 2, fall: 2 })]);
    t.tracker.start();
    await t.clock.advance(0);
    t.runner.exit(0);
    await t.clock.advance(2 * S);
    t.runner.exit(0);
    await t.clock.advance(2.5 * S);
    expect(t.reports.at(-1)).toEqual({ kind: 'script', id: 0, status: 'ok' });
    const carry = t.tracker.handOver();
    t.tracker.stop();

    const runner = new FakeRunner(t.clock);
    const kept = new ScriptTracker([script({ intervalUs: 2 * S, rise: 2, fall: 2, weight: -20 })], { clock: t.clock, log: silentLogger(), run: runner.run, onReport: () => undefined, executable: () => true, carry });
    expect(kept.initial(0)).toBe('ok');
    kept.start();
    await t.clock.advance(2.5 * S);
    expect(runner.calls).toHaveLength(0); // next run at 4 s, as before the reload
    await t.clock.advance(4 * S);
    expect(runner.calls.map((c) => c.at)).toEqual([4 * S]);

    const changed = new ScriptTracker([script({ intervalUs: 3 * S, rise: 2, fall: 2 })], { clock: t.clock, log: silentLogger(), run: runner.run, onReport: () => undefined, executable: () => true, carry });
    expect(changed.initial(0)).toBe('init');
  });
});
