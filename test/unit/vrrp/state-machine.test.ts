import { describe, expect, it } from 'vitest';
import {
  masterDownIntervalUs,
  skewTimeUs,
  VrrpStateMachine,
  type InstanceTimingConfig,
  type VrrpAction,
  type VrrpEvent,
} from '../../../src/vrrp/state-machine.js';

const ours = new Uint8Array([192, 0, 2, 11]);
const lowerPeer = new Uint8Array([192, 0, 2, 10]);
const higherPeer = new Uint8Array([192, 0, 2, 12]);
const S = 1_000_000;

function config(over: Partial<InstanceTimingConfig> = {}): InstanceTimingConfig {
  return {
    version: 2,
    priority: 100,
    advertIntervalUs: S,
    preempt: true,
    preemptDelayUs: 0,
    primaryAddress: ours,
    wantMaster: false,
    downTimerAdverts: 3,
    garpMasterDelayUs: 5 * S,
    garpMasterRepeat: 5,
    garpMasterRefreshUs: 0,
    garpMasterRefreshRepeat: 1,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    ...over,
  };
}

/** A machine with a fake clock: `at(t, event)` delivers due timers first, then the event. */
class Harness {
  readonly m: VrrpStateMachine;
  now = 0;
  readonly log: { at: number; action: VrrpAction }[] = [];
  constructor(over: Partial<InstanceTimingConfig> = {}) {
    this.m = new VrrpStateMachine(config(over));
  }
  advanceTo(t: number): void {
    for (let d = this.m.nextDeadline(); d !== null && d <= t; d = this.m.nextDeadline()) {
      this.now = d;
      this.record(this.m.handle({ type: 'timer' }, d));
    }
    this.now = t;
  }
  at(t: number, e: VrrpEvent): VrrpAction[] {
    this.advanceTo(t);
    const actions = this.m.handle(e, t);
    this.record(actions);
    return actions;
  }
  advert(t: number, priority: number, from = lowerPeer, intervalUs = S): VrrpAction[] {
    return this.at(t, { type: 'advert', from, priority, intervalUs });
  }
  private record(actions: VrrpAction[]): void {
    for (const action of actions) this.log.push({ at: this.now, action });
  }
  transitions(): string[] {
    return this.log.flatMap(({ at, action }) => (action.type === 'state' ? [`${at} ${action.from}->${action.to}`] : []));
  }
  sent(): [number, number][] {
    return this.log.flatMap(({ at, action }) => (action.type === 'send-advert' ? [[at, action.priority] as [number, number]] : []));
  }
}

describe('timers', () => {
  it.each([
    // version, priority, interval µs, skew µs, master down µs
    [2, 100, S, 609_375, 3_609_375],
    [2, 150, S, 414_062, 3_414_062],
    [2, 254, 3 * S, 7_812, 9_007_812],
    [3, 100, S, 609_375, 3_609_375],
    [3, 150, 100_000, 41_406, 341_406],
    [3, 100, 100_000, 60_937, 360_937],
  ] as const)('v%i priority %i interval %i: skew %i, master down %i', (v, p, mai, skew, down) => {
    expect(skewTimeUs(v, p, mai)).toBe(skew);
    expect(masterDownIntervalUs(v, 3, p, mai)).toBe(down);
  });
});

describe('VRRP state machine', () => {
  it('starts as BACKUP, removing any stale address, and becomes MASTER after Master_Down_Interval', () => {
    const h = new Harness();
    expect(h.at(0, { type: 'startup' })).toEqual([
      { type: 'remove-addresses' },
      { type: 'state', from: 'INIT', to: 'BACKUP', priority: 100, reason: 'init' },
    ]);
    expect(h.m.nextDeadline()).toBe(3_609_375);
    h.advanceTo(3_609_374);
    expect(h.m.state).toBe('BACKUP');
    h.advanceTo(3_609_375);
    expect(h.m.state).toBe('MASTER');
    // the advert goes before the addresses, then the gratuitous ARP burst
    expect(h.log.slice(2).map((l) => l.action.type)).toEqual(['send-advert', 'add-addresses', 'send-gratuitous', 'state']);
  });

  it('as MASTER sends an advert every interval, and a second gratuitous burst after garp_master_delay', () => {
    const h = new Harness({ priority: 255, wantMaster: true, garpMasterRefreshUs: 60 * S, garpMasterRefreshRepeat: 2 });
    h.at(0, { type: 'startup' });
    expect(h.m.state).toBe('MASTER');
    h.advanceTo(61 * S);
    expect(h.sent().map(([t]) => t)).toEqual(Array.from({ length: 62 }, (_, i) => i * S));
    const garps = h.log.filter((l) => l.action.type === 'send-gratuitous').map((l) => [l.at, (l.action as { repeat: number }).repeat]);
    expect(garps).toEqual([
      [0, 5],
      [5 * S, 5],
      [60 * S, 2],
    ]);
  });

  it('a state MASTER instance that is not the owner still starts as BACKUP', () => {
    const h = new Harness({ wantMaster: true, priority: 200 });
    h.at(0, { type: 'startup' });
    expect(h.m.state).toBe('BACKUP');
  });

  it('BACKUP accepts higher and equal priority adverts, which restart the down timer', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    for (let t = S; t <= 10 * S; t += S) h.advert(t, 150);
    h.advert(11 * S, 100, higherPeer); // equal priority: accepted in BACKUP whatever the address
    expect(h.m.state).toBe('BACKUP');
    expect(h.m.nextDeadline()).toBe(11 * S + 3_609_375);
  });

  it('BACKUP preempts a lower-priority master when its down timer runs out', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.advert(S, 50);
    h.advert(2 * S, 50);
    h.advert(3 * S, 50);
    h.advanceTo(4 * S);
    expect(h.transitions()).toEqual(['0 INIT->BACKUP', '3609375 BACKUP->MASTER']);
  });

  it('nopreempt: a lower-priority master keeps the role', () => {
    const h = new Harness({ preempt: false });
    h.at(0, { type: 'startup' });
    for (let t = S; t <= 20 * S; t += S) h.advert(t, 50);
    expect(h.m.state).toBe('BACKUP');
  });

  it('preempt_delay: a lower-priority master is accepted until the delay has passed', () => {
    const h = new Harness({ preemptDelayUs: 10 * S });
    h.at(0, { type: 'startup' });
    for (let t = S; t <= 30 * S; t += S) h.advert(t, 50);
    // first lower advert at 1 s: preemption allowed from 11 s; the last accepted advert was at 10 s
    expect(h.transitions()).toEqual(['0 INIT->BACKUP', `${10 * S + 3_609_375} BACKUP->MASTER`]);
  });

  it('priority 0 from the master: take over after Skew_Time only', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.advert(S, 150);
    h.advert(2 * S, 0);
    expect(h.m.nextDeadline()).toBe(2 * S + 609_375);
    h.advanceTo(3 * S);
    expect(h.transitions()).toEqual(['0 INIT->BACKUP', `${2 * S + 609_375} BACKUP->MASTER`]);
  });

  it('MASTER yields to a higher priority, removing its addresses without a priority 0 advert', () => {
    const h = new Harness({ priority: 255, wantMaster: true });
    h.at(0, { type: 'startup' });
    const h2 = new Harness();
    h2.at(0, { type: 'startup' });
    h2.advanceTo(4 * S);
    expect(h2.m.state).toBe('MASTER');
    const actions = h2.advert(4.5 * S, 150);
    expect(actions.map((a) => a.type)).toEqual(['remove-addresses', 'state']);
    expect(h2.m.state).toBe('BACKUP');
    expect(h2.m.nextDeadline()).toBe(4.5 * S + 3_609_375);
  });

  it('MASTER: equal priority is decided by the higher primary address', () => {
    const lose = new Harness();
    lose.at(0, { type: 'startup' });
    lose.advanceTo(4 * S);
    lose.advert(4.5 * S, 100, higherPeer);
    expect(lose.m.state).toBe('BACKUP');
    const win = new Harness();
    win.at(0, { type: 'startup' });
    win.advanceTo(4 * S);
    const actions = win.advert(4.5 * S, 100, lowerPeer);
    expect(win.m.state).toBe('MASTER');
    expect(actions[0]).toEqual({ type: 'send-advert', priority: 100 });
  });

  it('MASTER answers a lower-priority advert at once (RFC 9568), unless lower_prio_no_advert', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.advanceTo(4 * S);
    expect(h.advert(4.5 * S, 50)[0]).toEqual({ type: 'send-advert', priority: 100 });
    expect(h.m.nextDeadline()).toBe(5.5 * S);
    const quiet = new Harness({ lowerPrioNoAdvert: true });
    quiet.at(0, { type: 'startup' });
    quiet.advanceTo(4 * S);
    expect(quiet.advert(4.5 * S, 50).some((a) => a.type === 'send-advert')).toBe(false);
  });

  it('MASTER answers a priority 0 advert with its own at once', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.advanceTo(4 * S);
    expect(h.advert(4.2 * S, 0)).toEqual([{ type: 'send-advert', priority: 100 }]);
  });

  it('shutdown from MASTER: priority 0 advert, addresses removed, STOP', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.advanceTo(4 * S);
    expect(h.at(4.1 * S, { type: 'shutdown' }).map((a) => (a.type === 'send-advert' ? `advert ${a.priority}` : a.type))).toEqual([
      'advert 0',
      'remove-addresses',
      'state',
    ]);
    expect(h.m.state).toBe('STOP');
    expect(h.m.nextDeadline()).toBeNull();
  });

  it('shutdown from BACKUP sends nothing', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    expect(h.at(S, { type: 'shutdown' }).map((a) => a.type)).toEqual(['state']);
  });

  it('FAULT from MASTER gives up the role; clearing it returns to BACKUP', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.advanceTo(4 * S);
    const actions = h.at(5 * S, { type: 'fault', reason: 'interface eth0 down' });
    expect(actions.map((a) => a.type)).toEqual(['send-advert', 'remove-addresses', 'state']);
    expect(actions[0]).toEqual({ type: 'send-advert', priority: 0 });
    // adverts are ignored in FAULT, and no timer runs
    expect(h.advert(6 * S, 50)).toEqual([]);
    expect(h.m.nextDeadline()).toBeNull();
    h.at(7 * S, { type: 'fault-cleared' });
    expect(h.m.state).toBe('BACKUP');
    expect(h.m.nextDeadline()).toBe(7 * S + 3_609_375);
  });

  it('stays in FAULT until every fault is over', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.at(S, { type: 'fault', reason: 'interface eth0 is down' });
    h.at(S, { type: 'fault', reason: 'script chk failed' });
    h.at(2 * S, { type: 'fault-cleared', reason: 'interface eth0 is down' });
    expect(h.m.state).toBe('FAULT');
    h.at(3 * S, { type: 'fault-cleared', reason: 'script chk failed' });
    expect(h.m.state).toBe('BACKUP');
  });

  it('a fault before startup starts the instance in FAULT', () => {
    const h = new Harness();
    h.at(0, { type: 'fault', reason: 'no interface' });
    h.at(0, { type: 'startup' });
    expect(h.m.state).toBe('FAULT');
  });

  it('VRRPv3 learns the master advert interval in BACKUP', () => {
    const h = new Harness({ version: 3, advertIntervalUs: 100_000 });
    h.at(0, { type: 'startup' });
    h.advert(100_000, 150, lowerPeer, S);
    expect(h.m.masterAdverIntervalUs).toBe(S);
    expect(h.m.nextDeadline()).toBe(100_000 + 3 * S + 609_375);
  });

  it('a tracking priority change moves the running down timer by the skew difference', () => {
    const h = new Harness();
    h.at(0, { type: 'startup' });
    h.at(S, { type: 'priority', effective: 150 });
    expect(h.m.effectivePriority).toBe(150);
    expect(h.m.nextDeadline()).toBe(3_609_375 - (609_375 - 414_062));
    // clamped to 1..254 and ignored for an owner
    h.at(S, { type: 'priority', effective: 400 });
    expect(h.m.effectivePriority).toBe(254);
    const owner = new Harness({ priority: 255, wantMaster: true });
    owner.at(0, { type: 'startup' });
    owner.at(S, { type: 'priority', effective: 10 });
    expect(owner.m.effectivePriority).toBe(255);
  });
});
