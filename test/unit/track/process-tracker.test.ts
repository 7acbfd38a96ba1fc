import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { inQuorum, ProcessTracker, type ProcessSighting } from '../../../src/track/process-tracker.js';
import type { ResolvedTrackProcess } from '../../../src/track/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { trackProcess } from '../../helpers/track.js';

const S = 1_000_000;

const spec = (p: Partial<ResolvedTrackProcess> = {}): ResolvedTrackProcess => trackProcess({ name: 'web', process: 'nginx', ...p });

const nginx = (pid: number): ProcessSighting => ({ pid, comm: 'nginx' });
const other = (pid: number, comm = 'bash'): ProcessSighting => ({ pid, comm });

function setup(specs: ResolvedTrackProcess[], initial: ProcessSighting[] = []) {
  const clock = new FakeClock();
  const changes: [number, boolean][] = [];
  const lines: { msg: string; trackProcess?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
  const t = new ProcessTracker(specs, { clock, log, onChange: (id, up) => changes.push([id, up]) });
  t.start(initial);
  const count = (id = 0): number => t.status().find((s) => s.id === id)!.count;
  return { clock, changes, lines, t, count };
}

describe('ProcessTracker: quorum', () => {
  it('takes the initial state from the start scan without reporting it', () => {
    const { t, changes, count } = setup([spec({ quorum: 2 }), spec({ id: 1, name: 'db', process: 'postgres' })], [nginx(10), nginx(11), other(12)]);
    expect(t.isUp(0)).toBe(true);
    expect(t.isUp(1)).toBe(false);
    expect(count(0)).toBe(2);
    expect(count(1)).toBe(0);
    expect(changes).toEqual([]);
    expect(t.status()).toEqual([
      { id: 0, name: 'web', count: 2, up: true },
      { id: 1, name: 'db', count: 0, up: false },
    ]);
  });

  it('reports gaining and losing the quorum, once per change, with keepalived wording', () => {
    const { t, changes, lines } = setup([spec({ quorum: 2 })]);
    t.exec(nginx(10));
    expect(changes).toEqual([]);
    t.exec(nginx(11));
    expect(changes).toEqual([[0, true]]);
    t.exec(nginx(12)); // above the quorum: no change
    t.exit(12);
    expect(changes).toEqual([[0, true]]);
    t.exit(10);
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(lines.map((l) => l.msg)).toEqual(['Quorum gained for tracked process web', 'Quorum lost for tracked process web']);
    expect(lines[0]!.trackProcess).toBe('web');
  });

  it('quorum_max: too many processes lose the quorum, coming back under it regains it', () => {
    const { t, changes } = setup([spec({ quorum: 1, quorumMax: 2 })], [nginx(10)]);
    expect(t.isUp(0)).toBe(true);
    t.fork(10, 11);
    expect(changes).toEqual([]);
    t.fork(10, 12);
    expect(changes).toEqual([[0, false]]);
    t.exit(11);
    expect(changes).toEqual([
      [0, false],
      [0, true],
    ]);
  });

  it('quorum_max 0 (keepalived sets quorum 0 then): up only while no such process runs', () => {
    const { t, changes } = setup([spec({ quorum: 0, quorumMax: 0 })]);
    expect(t.isUp(0)).toBe(true);
    t.exec(nginx(10));
    expect(changes).toEqual([[0, false]]);
    t.exit(10);
    expect(changes).toEqual([
      [0, false],
      [0, true],
    ]);
    expect(inQuorum(spec({ quorum: 0, quorumMax: 0 }), 0)).toBe(true);
  });

  it('ignores forks of processes it does not count and exits of unknown pids', () => {
    const { t, changes, count } = setup([spec()], [other(5)]);
    t.fork(5, 6);
    t.exit(99);
    expect(count()).toBe(0);
    expect(changes).toEqual([]);
  });

  it('counts a forked child for every tracked process the parent counts for, without reading it', () => {
    const byName = spec({ id: 0, quorum: 2 });
    const byCommand = spec({ id: 1, name: 'cmd', process: '/usr/sbin/nginx', fullCommand: true, quorum: 2 });
    const { t, changes, count } = setup([byName, byCommand], [{ pid: 10, comm: 'nginx', argv: ['/usr/sbin/nginx'] }]);
    t.fork(10, 11);
    expect([count(0), count(1)]).toEqual([2, 2]);
    expect(changes).toEqual([
      [0, true],
      [1, true],
    ]);
    t.fork(11, 12); // grandchildren too
    expect(count(1)).toBe(3);
  });

  it('counts a pid once however often it is seen (2.2.7 would count a re-exec twice)', () => {
    const { t, count, changes } = setup([spec({ quorum: 1, quorumMax: 1 })], [nginx(10), nginx(11)]);
    expect(t.isUp(0)).toBe(false);
    t.exec(nginx(10)); // nginx re-executing itself (binary upgrade)
    t.fork(10, 11); // an event queued before the scan that already saw the child
    expect(count()).toBe(2);
    t.exit(11);
    expect(count()).toBe(1);
    expect(changes).toEqual([[0, true]]);
  });
});

describe('ProcessTracker: exec and name changes', () => {
  it('an exec into the tracked program counts at once, even with a fork_delay', () => {
    const { t, changes } = setup([spec({ forkDelayUs: 5 * S })]);
    t.exec(nginx(10));
    expect(changes).toEqual([[0, true]]);
  });

  it('an exec out of it loses at once, even with a terminate_delay', () => {
    const { t, changes, count } = setup([spec({ terminateDelayUs: 5 * S })], [nginx(10)]);
    t.exec(other(10, 'sleep'));
    expect(count()).toBe(0);
    expect(changes).toEqual([[0, false]]);
  });

  it('follows renames (PROC_EVENT_COMM) for name matches only', () => {
    const byName = spec({ id: 0 });
    const byCommand = spec({ id: 1, name: 'cmd', process: 'nginx', fullCommand: true });
    const { t, changes, count } = setup([byName, byCommand], [{ pid: 10, comm: 'bash', argv: ['nginx'] }]);
    expect([count(0), count(1)]).toEqual([0, 1]);
    t.commChange(10, 'nginx');
    expect(changes).toEqual([[0, true]]);
    t.commChange(10, 'nginx'); // same name again: nothing
    t.commChange(10, 'Web Content');
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
    expect([count(0), count(1)]).toEqual([0, 1]); // the full_command match keeps its count
  });

  it('an exec re-checks the parameters of full_command matches', () => {
    const s = spec({ process: 'haproxy', params: ['-f', 'a.cfg'], paramMatch: 'exact', fullCommand: true });
    const { t, changes } = setup([s], [{ pid: 10, argv: ['haproxy', '-f', 'a.cfg'] }]);
    t.exec({ pid: 10, argv: ['haproxy', '-f', 'b.cfg'] });
    expect(changes).toEqual([[0, false]]);
  });
});

describe('ProcessTracker: fork_delay and terminate_delay', () => {
  it('reports a quorum reached by a fork only after fork_delay', async () => {
    const { t, changes, clock } = setup([spec({ quorum: 2, forkDelayUs: 2 * S })], [nginx(10)]);
    await clock.advance(1 * S);
    t.fork(10, 11);
    expect(changes).toEqual([]);
    expect(t.status()[0]).toMatchObject({ count: 2, up: false });
    await clock.advance(3 * S - 1);
    expect(changes).toEqual([]);
    await clock.advance(3 * S);
    expect(changes).toEqual([[0, true]]);
  });

  it('a fork_delay timer reports the state when it fires', async () => {
    const { t, changes, clock } = setup([spec({ quorum: 2, forkDelayUs: 1 * S })], [nginx(10)]);
    t.fork(10, 11);
    t.fork(10, 12); // still within the quorum: the timer goes on
    await clock.advance(1 * S);
    expect(changes).toEqual([[0, true]]);
  });

  it('an exit before the fork_delay cancels it: no bounce', async () => {
    const { t, changes, clock } = setup([spec({ quorum: 2, forkDelayUs: 1 * S, terminateDelayUs: 1 * S })], [nginx(10)]);
    t.fork(10, 11);
    await clock.advance(S / 2);
    t.exit(11);
    await clock.advance(10 * S);
    expect(changes).toEqual([]);
    expect(clock.timers.filter((x) => x.live)).toEqual([]);
  });

  it('reports a quorum lost by an exit only after terminate_delay', async () => {
    const { t, changes, clock } = setup([spec({ terminateDelayUs: 2 * S })], [nginx(10)]);
    t.exit(10);
    expect(changes).toEqual([]);
    expect(t.status()[0]).toMatchObject({ count: 0, up: true });
    await clock.advance(2 * S - 1);
    expect(changes).toEqual([]);
    await clock.advance(2 * S);
    expect(changes).toEqual([[0, false]]);
  });

  it('a restart within terminate_delay cancels it, whether the new process was forked or executed', async () => {
    const forked = setup([spec({ quorum: 2, terminateDelayUs: 2 * S })], [nginx(10), nginx(11)]);
    forked.t.exit(11);
    forked.t.fork(10, 12);
    await forked.clock.advance(5 * S);
    expect(forked.changes).toEqual([]);

    const executed = setup([spec({ terminateDelayUs: 2 * S, forkDelayUs: 2 * S })], [nginx(10)]);
    executed.t.exit(10);
    await executed.clock.advance(1 * S);
    executed.t.exec(nginx(20));
    await executed.clock.advance(5 * S);
    expect(executed.changes).toEqual([]);
    expect(executed.t.isUp(0)).toBe(true);
  });

  it('quorum_max: going over it by a fork waits fork_delay, an exit back under it cancels that', async () => {
    const { t, changes, clock } = setup([spec({ quorum: 1, quorumMax: 1, forkDelayUs: 1 * S, terminateDelayUs: 1 * S })], [nginx(10)]);
    t.fork(10, 11); // e.g. a daemon's fork before its parent exits
    expect(changes).toEqual([]);
    t.exit(10);
    await clock.advance(5 * S);
    expect(changes).toEqual([]);
    expect(t.status()[0]).toMatchObject({ count: 1, up: true });
  });

  it('quorum_max: a second process that stays loses the quorum after fork_delay; its exit regains it after terminate_delay', async () => {
    const { t, changes, clock } = setup([spec({ quorum: 1, quorumMax: 1, forkDelayUs: 1 * S, terminateDelayUs: 2 * S })], [nginx(10)]);
    t.fork(10, 11);
    await clock.advance(1 * S);
    expect(changes).toEqual([[0, false]]);
    t.exit(11);
    await clock.advance(3 * S - 1);
    expect(changes).toEqual([[0, false]]);
    await clock.advance(3 * S);
    expect(changes).toEqual([
      [0, false],
      [0, true],
    ]);
  });

  it('an exit crossing back while a fork timer runs cancels it and reports at once, without terminate_delay', async () => {
    // quorum == quorum_max == 2: 1 -> 2 (fork timer, towards up), 2 -> 3 (over the max), then an exit back to 2
    const { t, changes, clock } = setup([spec({ quorum: 2, quorumMax: 2, forkDelayUs: 1 * S, terminateDelayUs: 5 * S })], [nginx(10)]);
    t.fork(10, 11);
    t.fork(10, 12);
    expect(changes).toEqual([]);
    t.exit(12);
    expect(changes).toEqual([[0, true]]);
    expect(clock.timers.filter((x) => x.live)).toEqual([]);
  });

  it('a fork crossing back while a terminate timer runs cancels it and reports at once, without fork_delay', async () => {
    // quorum == quorum_max == 2, three running (down): 3 -> 2 (terminate timer, towards up), 2 -> 1, then a fork back to 2
    const { t, changes, clock } = setup([spec({ quorum: 2, quorumMax: 2, forkDelayUs: 5 * S, terminateDelayUs: 5 * S })], [nginx(10), nginx(11), nginx(12)]);
    expect(t.isUp(0)).toBe(false);
    t.exit(12);
    t.exit(11);
    expect(changes).toEqual([]);
    t.fork(10, 13);
    expect(changes).toEqual([[0, true]]);
    expect(clock.timers.filter((x) => x.live)).toEqual([]);
  });

  it('a second crossing by fork restarts the fork timer (one timer per tracked process)', async () => {
    const { t, changes, clock } = setup([spec({ quorum: 1, quorumMax: 1, forkDelayUs: 2 * S })]);
    t.exec(nginx(10)); // up at once
    expect(changes).toEqual([[0, true]]);
    t.fork(10, 11); // over quorum_max: timer to t=2s
    await clock.advance(1 * S);
    t.exit(11); // back: timer cancelled
    t.fork(10, 12); // over again at t=1s: timer to t=3s
    await clock.advance(2 * S + S / 2);
    expect(changes).toEqual([[0, true]]);
    await clock.advance(3 * S);
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(clock.timers.filter((x) => x.live)).toEqual([]);
  });

  it('close cancels the timers', async () => {
    const { t, changes, clock } = setup([spec({ terminateDelayUs: 1 * S })], [nginx(10)]);
    t.exit(10);
    t.close();
    await clock.advance(5 * S);
    expect(changes).toEqual([]);
  });
});

describe('ProcessTracker: rescans', () => {
  it('replaces the counts and reports a change immediately without delays', () => {
    const { t, changes, count } = setup([spec({ quorum: 2 })], [nginx(10)]);
    t.rescan([nginx(10), nginx(11), other(12)]);
    expect(count()).toBe(2);
    expect(changes).toEqual([[0, true]]);
    t.rescan([nginx(10), nginx(13)]); // different pids, same verdict
    expect(changes).toEqual([[0, true]]);
    t.rescan([]);
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  it('applies fork_delay to a gain and terminate_delay to a loss, keeping a timer already running', async () => {
    const { t, changes, clock } = setup([spec({ forkDelayUs: 3 * S, terminateDelayUs: 2 * S })]);
    t.rescan([nginx(10)]);
    await clock.advance(1 * S);
    t.rescan([nginx(10)]); // a scan every second must not restart the wait
    await clock.advance(2 * S);
    t.rescan([nginx(10)]);
    expect(changes).toEqual([]);
    await clock.advance(3 * S);
    expect(changes).toEqual([[0, true]]);
    t.rescan([]);
    await clock.advance(5 * S - 1);
    expect(changes).toEqual([[0, true]]);
    await clock.advance(5 * S);
    expect(changes).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  it('cancels a pending change that a rescan no longer sees', async () => {
    const { t, changes, clock } = setup([spec({ terminateDelayUs: 2 * S })], [nginx(10)]);
    t.exit(10);
    t.rescan([nginx(11)]);
    await clock.advance(5 * S);
    expect(changes).toEqual([]);
    // and events go on from the rescanned state
    t.exit(11);
    await clock.advance(7 * S);
    expect(changes).toEqual([[0, false]]);
  });
});
