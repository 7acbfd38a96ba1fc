import { describe, expect, it } from 'vitest';
import { collectSnapshot, TransitionLog, type CheckerView, type VrrpView } from '../../../src/dump/collect.js';
import { EventHub } from '../../../src/events/hub.js';
import type { VrrpDaemon } from '../../../src/vrrp/daemon.js';
import type { CheckerDaemon } from '../../../src/check/daemon.js';
import { formatVrrpData } from '../../../src/dump/keepalived-data.js';
import { capturedSources } from './captured-run.js';

describe('collecting a dump snapshot', () => {
  it('reads the daemons through their public members only', () => {
    // compile-time: the running daemons are the views collect() takes
    const views = (v: VrrpDaemon, c: CheckerDaemon): [VrrpView, CheckerView] => [v, c];
    expect(views).toBeTypeOf('function');
  });

  it('records the last transition of each instance from the event hub', () => {
    const hub = new EventHub();
    let now = 1_000;
    const log = new TransitionLog(hub, () => now);
    now = 5_000;
    hub.publish({ type: 'vrrp-state', instance: 0, name: 'VI_1', from: 'BACKUP', to: 'MASTER', priority: 150, reason: '' });
    expect(log.startedAtUs).toBe(1_000);
    expect(log.lastTransitionUs('VI_1')).toBe(5_000);
    expect(log.lastTransitionUs('VI_2')).toBeUndefined();
    log.close();
  });

  it('a FAULT instance, the checker side absent', () => {
    const src = capturedSources();
    const vrrp = src.vrrp!;
    const faulted: VrrpView = {
      ...vrrp,
      runners: vrrp.runners.map((r, i) => (i === 1 ? { ...r, state: 'FAULT', machine: { ...r.machine, faultReasons: ['interface eth0 is down'], nextDeadline: () => null } } : r)),
    };
    const s = collectSnapshot({ ...src, vrrp: faulted, checkers: null });
    const vi2 = s.instances[1]!;
    expect(vi2).toMatchObject({ state: 'FAULT', wantState: 'BACKUP', interfaceScriptFaults: 1, readTimeoutUs: null });
    expect(formatVrrpData(s)).toContain(' VRRP Instance = VI_2\n   VRRP Version = 3\n   State = FAULT\n   Flags: none');
    expect(s.virtualServers[0]!.realServers[0]).toMatchObject({ alive: true, set: true });
  });

  it('without the host links, the interfaces the instances use', () => {
    const { links: _links, ...src } = capturedSources();
    const s = collectSnapshot(src);
    expect(s.interfaces.map((i) => i.name)).toEqual(['eth0']);
    expect(s.interfaces[0]!.tracking.map((t) => t.instance)).toEqual(['VI_1', 'VI_2', 'VI_3']);
  });
});
