/**
 * Reloads in virtual time (test/helpers/lan.ts): instances whose identity is unchanged keep
 * their state, timers and counters; what changed takes effect in place; removed instances stop
 * as on shutdown and new ones start in BACKUP. The peer runs the same engine.
 */
import { describe, expect, it } from 'vitest';
import { Lan, type LanRouter } from '../../helpers/lan.js';

const S = 1_000_000;

interface Spec {
  name?: string;
  vrid?: number;
  priority: number;
  vips?: string[];
  extra?: string;
  advertInt?: string;
}

function instance(s: Spec): string {
  return `vrrp_instance ${s.name ?? 'VI_1'} {
  interface eth0
  virtual_router_id ${s.vrid ?? 51}
  priority ${s.priority}
  advert_int ${s.advertInt ?? '1'}
${s.extra ?? ''}
  virtual_ipaddress {
${(s.vips ?? ['192.0.2.100']).map((v) => `    ${v}/24`).join('\n')}
  }
}
`;
}

function pair(lan: Lan, a: string, b: string): [LanRouter, LanRouter] {
  return [
    lan.router('A', { eth0: { segment: 'lan0', address: '192.0.2.11' } }, a),
    lan.router('B', { eth0: { segment: 'lan0', address: '192.0.2.12' } }, b),
  ];
}

/** The longest gap between two adverts of `router` for `vrid` in [from, to). */
function longestGap(lan: Lan, router: string, vrid: number, from: number, to: number): number {
  const at = lan.sent.filter((s) => s.router === router && s.vrid === vrid && s.at >= from && s.at < to).map((s) => s.at);
  let gap = 0;
  for (let i = 1; i < at.length; i++) gap = Math.max(gap, at[i]! - at[i - 1]!);
  return gap;
}

const stateChanges = (r: LanRouter, after: number): number =>
  r.events.slice(after).filter((e) => e.type === 'vrrp-state' || e.type === 'sync-group-state').length;

describe('reload: instances kept', () => {
  it('five reloads of an unchanged file while MASTER: no state change, no advert gap, no VIP move, no notify, counters kept', async () => {
    const lan = new Lan();
    const conf = instance({ priority: 150, extra: '  notify "/bin/notify.sh"' });
    const [a, b] = pair(lan, conf, instance({ priority: 100 }));
    a.start();
    b.start();
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    const runner = a.engine.runners[0]!;
    const sentBefore = runner.sent.adverts;
    const events = a.events.length;
    const scripts = a.scripts.length;
    const ops = a.addressOps.length;
    const from = lan.clock.now;
    for (let i = 0; i < 5; i++) {
      const r = a.reload(conf);
      expect(r).toMatchObject({ kept: ['VI_1'], added: [], removed: [] });
      await lan.run(0.3 * S);
    }
    await lan.run(3 * S);
    expect(a.engine.runners[0]).toBe(runner);
    expect(runner.sent.adverts).toBeGreaterThan(sentBefore);
    expect(stateChanges(a, events)).toBe(0);
    expect(stateChanges(b, 0)).toBe(1); // INIT -> BACKUP only
    expect(a.scripts.length).toBe(scripts);
    expect(a.addressOps.length).toBe(ops);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    expect(longestGap(lan, 'A', 51, from, lan.clock.now)).toBeLessThanOrEqual(1 * S);
    // the backup never heard the master go: it sent nothing
    expect(lan.sent.filter((s) => s.router === 'B').length).toBe(0);
  });

  it('a reload to a lower priority hands the VIP over; reloading back preempts', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, instance({ priority: 150 }), instance({ priority: 100 }));
    a.start();
    b.start();
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    a.reload(instance({ priority: 50 }));
    expect(a.priority('VI_1')).toBe(50);
    await lan.run(4 * S);
    expect(a.state('VI_1')).toBe('BACKUP');
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
    a.reload(instance({ priority: 150 }));
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
  });

  it('a MASTER adds only the new VIP (gratuitous ARP for it alone) and removes only the one that went', async () => {
    const lan = new Lan();
    const [a] = pair(lan, instance({ priority: 150, vips: ['192.0.2.100', '192.0.2.101'] }), instance({ priority: 100 }));
    a.start();
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    const ops = a.addressOps.length;
    const garps = a.garps;
    a.reload(instance({ priority: 150, vips: ['192.0.2.100', '192.0.2.102'], extra: '  garp_master_delay 0' }));
    await lan.run(0.5 * S);
    expect(a.addressOps.slice(ops)).toEqual(['del 192.0.2.101', 'add 192.0.2.102']);
    expect(a.garps - garps).toBe(5); // garp_master_repeat 5, one address
    expect([...a.vips].sort()).toEqual(['192.0.2.100', '192.0.2.102']);
  });

  it('a BACKUP touches no address on reload', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, instance({ priority: 150 }), instance({ priority: 100 }));
    a.start();
    b.start();
    await lan.run(5 * S);
    const ops = b.addressOps.length;
    b.reload(instance({ priority: 100, vips: ['192.0.2.100', '192.0.2.103'] }));
    await lan.run(2 * S);
    expect(b.addressOps.length).toBe(ops);
    expect(b.state('VI_1')).toBe('BACKUP');
  });

  it('a new advert_int takes effect in place: the MASTER advertises every 0.5 s from the reload on', async () => {
    const lan = new Lan();
    const [a] = pair(lan, instance({ priority: 150, extra: '  version 3' }), instance({ priority: 100 }));
    a.start();
    await lan.run(5 * S);
    a.reload(instance({ priority: 150, extra: '  version 3', advertInt: '0.5' }));
    const from = lan.clock.now;
    await lan.run(3 * S);
    const adverts = lan.sent.filter((s) => s.router === 'A' && s.at >= from);
    expect(adverts.length).toBeGreaterThanOrEqual(6);
    expect(longestGap(lan, 'A', 51, from, lan.clock.now)).toBeLessThanOrEqual(0.5 * S);
  });
});

describe('reload: fifo_write_vrrp_states_on_reload', () => {
  it('writes the kept states to the FIFO again (groups first), and nothing without it', async () => {
    const lan = new Lan();
    const group = 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n';
    const conf = (flag: boolean): string => (flag ? 'global_defs {\n  fifo_write_vrrp_states_on_reload\n}\n' : '') + group + instance({ priority: 150 });
    const [a] = pair(lan, conf(false), instance({ priority: 100 }));
    a.start();
    await lan.run(5 * S);
    const fifo = a.fifo.length;
    a.reload(conf(false));
    expect(a.fifo.length).toBe(fifo);
    a.reload(conf(true));
    expect(a.fifo.slice(fifo)).toEqual(['GROUP "G" MASTER 0\n', 'INSTANCE "VI_1" MASTER 150\n']);
  });
});

describe('reload: instances added and removed', () => {
  it('a removed MASTER sends priority 0 and drops its VIP (the peer takes over at once); a new instance starts in BACKUP; the other keeps advertising', async () => {
    const lan = new Lan();
    const two = instance({ name: 'VI_1', vrid: 51, priority: 150 }) + instance({ name: 'VI_2', vrid: 52, priority: 150, vips: ['192.0.2.200'] });
    const [a, b] = pair(lan, two, instance({ name: 'VI_1', vrid: 51, priority: 100 }) + instance({ name: 'VI_2', vrid: 52, priority: 100, vips: ['192.0.2.200'] }));
    a.start();
    b.start();
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.200')).toEqual(['A']);
    const from = lan.clock.now;
    const r = a.reload(instance({ name: 'VI_1', vrid: 51, priority: 150 }) + instance({ name: 'VI_3', vrid: 53, priority: 120, vips: ['192.0.2.201'] }));
    expect(r.kept).toEqual(['VI_1']);
    expect(r.added).toEqual(['VI_3']);
    expect(r.removed).toEqual(['VI_2']);
    await lan.run(0);
    await r.stopped;
    expect(lan.sent.some((s) => s.router === 'A' && s.vrid === 52 && s.priority === 0)).toBe(true);
    expect(a.scripts.length).toBe(0);
    await lan.run(1 * S);
    expect(lan.holders('192.0.2.200')).toEqual(['B']);
    expect(a.state('VI_3')).not.toBe('INIT');
    expect(a.engine.runners.map((x) => x.name)).toEqual(['VI_1', 'VI_3']);
    await lan.run(4 * S);
    expect(a.state('VI_3')).toBe('MASTER'); // alone on VRID 53
    expect(longestGap(lan, 'A', 51, from, lan.clock.now)).toBeLessThanOrEqual(1 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
  });
});

describe('reload: tracking and sync groups', () => {
  const chk = (weight: string): string => `vrrp_script chk {\n  script "/bin/true"\n${weight}\n}\n`;
  const tracked = '  track_script {\n    chk\n  }';

  it('an unchanged unweighted script keeps its result across the reload: no FAULT, no notify', async () => {
    const lan = new Lan();
    const conf = chk('') + instance({ priority: 150, extra: tracked });
    const [a] = pair(lan, conf, instance({ priority: 100 }));
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    const events = a.events.length;
    a.reload(conf, [{ kind: 'script', id: 0, status: 'ok' }]);
    await lan.run(3 * S);
    expect(stateChanges(a, events)).toBe(0);
    expect(a.state('VI_1')).toBe('MASTER');
  });

  it("without the script's state carried over, the reload would hold the instance in FAULT (the carry-over is what keeps it)", async () => {
    const lan = new Lan();
    const conf = chk('') + instance({ priority: 150, extra: tracked });
    const [a] = pair(lan, conf, instance({ priority: 100 }));
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    await lan.run(5 * S);
    a.reload(conf);
    await lan.run(1 * S);
    expect(a.state('VI_1')).toBe('FAULT');
  });

  it('a track_script added by the reload with its weight lowers the effective priority and hands over', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, chk('  weight -60') + instance({ priority: 150 }), instance({ priority: 100 }));
    a.start();
    b.start();
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    a.reload(chk('  weight -60') + instance({ priority: 150, extra: tracked }), [{ kind: 'script', id: 0, status: 'failed' }]);
    expect(a.priority('VI_1')).toBe(90);
    await lan.run(4 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
  });

  it('a sync group kept across a reload keeps its state, says nothing, and still moves its members together', async () => {
    const lan = new Lan();
    const group = 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n';
    const two = (p: number): string =>
      group + instance({ name: 'VI_1', vrid: 51, priority: p }) + instance({ name: 'VI_2', vrid: 52, priority: p, vips: ['192.0.2.200'] });
    const [a, b] = pair(lan, two(150), two(100));
    a.start();
    b.start();
    await lan.run(5 * S);
    expect(a.engine.groups[0]!.state).toBe('MASTER');
    const events = a.events.length;
    const fifo = a.fifo.length;
    a.reload(two(150));
    await lan.run(3 * S);
    expect(stateChanges(a, events)).toBe(0);
    expect(a.fifo.length).toBe(fifo);
    expect(a.engine.groups[0]!.state).toBe('MASTER');
    // both to a lower priority: the group hands over as one
    a.reload(two(50));
    await lan.run(5 * S);
    expect(a.engine.groups[0]!.state).toBe('BACKUP');
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
    expect(lan.holders('192.0.2.200')).toEqual(['B']);
  });
});

describe('stop with -V (--dont-release-vrrp)', () => {
  it('a MASTER stopped without release sends no priority 0 and keeps its VIP; with release it does both', async () => {
    for (const release of [false, true]) {
      const lan = new Lan();
      const [a] = pair(lan, instance({ priority: 150 }), instance({ priority: 100 }));
      a.start();
      await lan.run(5 * S);
      const done = a.engine.stop(release);
      await lan.run(0.1 * S);
      await done;
      expect(lan.sent.some((s) => s.router === 'A' && s.priority === 0)).toBe(release);
      expect(a.vips.has('192.0.2.100')).toBe(!release);
    }
  });
});
