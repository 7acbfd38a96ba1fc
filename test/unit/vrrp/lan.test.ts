/**
 * Elections of whole routers in virtual time (test/helpers/lan.ts): tracking weights and
 * faults, sync groups, equal priorities, partitions, lossy links and storms. Each router runs
 * the real engine (runners, sync groups, tracking book); only the wire and the clock are fake.
 */
import { describe, expect, it } from 'vitest';
import { Lan, type LanRouter } from '../../helpers/lan.js';
import { ScriptTracker } from '../../../src/track/script-tracker.js';
import { silentLogger } from '../../../src/log.js';

const S = 1_000_000;

interface InstanceSpec {
  name: string;
  iface?: string;
  vrid: number;
  priority: number;
  vip: string;
  extra?: string;
}

function conf(instances: InstanceSpec[], head = ''): string {
  return (
    head +
    instances
      .map(
        (i) => `vrrp_instance ${i.name} {
  interface ${i.iface ?? 'eth0'}
  virtual_router_id ${i.vrid}
  priority ${i.priority}
  advert_int 1
${i.extra ?? ''}
  virtual_ipaddress {
    ${i.vip}/24
  }
}
`,
      )
      .join('')
  );
}

const script = (body: string): string => `vrrp_script chk {
  script "/bin/true"
${body}
}
`;

function pair(lan: Lan, a: string, b: string): [LanRouter, LanRouter] {
  return [
    lan.router('A', { eth0: { segment: 'lan0', address: '192.0.2.11' }, eth1: { segment: 'lan1', address: '198.51.100.11' } }, a),
    lan.router('B', { eth0: { segment: 'lan0', address: '192.0.2.12' }, eth1: { segment: 'lan1', address: '198.51.100.12' } }, b),
  ];
}

describe('LAN simulator: tracking', () => {
  it('a failing track_script with weight -60 hands the VIP over and takes it back when it recovers', async () => {
    const lan = new Lan();
    const head = script('  weight -60');
    const track = '  track_script {\n    chk\n  }';
    const [a, b] = pair(
      lan,
      conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra: track }], head),
      conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100', extra: track }], head),
    );
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    b.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    a.report({ kind: 'script', id: 0, status: 'failed' });
    expect(a.priority('VI_1')).toBe(90);
    expect(a.fifo.at(-1)).toBe('INSTANCE "VI_1" MASTER 150\n'); // no priority lines unless asked for
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
    expect(a.state('VI_1')).toBe('BACKUP');
    a.report({ kind: 'script', id: 0, status: 'ok' });
    expect(a.priority('VI_1')).toBe(150);
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
  });

  it('a weightless failing script puts the instance in FAULT, with notify; the peer takes over', async () => {
    const lan = new Lan();
    const track = '  track_script {\n    chk\n  }\n  notify /n.sh';
    const [a, b] = pair(
      lan,
      conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra: track }], script('')),
      conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100' }]),
    );
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    b.start();
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    a.report({ kind: 'script', id: 0, status: 'failed' });
    expect(a.state('VI_1')).toBe('FAULT');
    await lan.run(2 * S);
    // the priority-0 advert on leaving MASTER lets B take over after its skew time only
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
    expect(a.scripts.at(-1)).toEqual(['/n.sh', 'INSTANCE', 'VI_1', 'FAULT', '150']);
    a.report({ kind: 'script', id: 0, status: 'ok' });
    expect(a.state('VI_1')).toBe('BACKUP');
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
  });

  it('an unweighted script without a result holds the instance in a quiet FAULT (no notify), until its first result', async () => {
    const lan = new Lan();
    const track = '  track_script {\n    chk\n  }\n  notify /n.sh';
    const [a] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra: track }], script('')), conf([]));
    a.start();
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('FAULT');
    expect(a.scripts).toEqual([]);
    expect(a.fifo).toEqual([]);
    a.report({ kind: 'script', id: 0, status: 'ok' });
    expect(a.state('VI_1')).toBe('BACKUP');
    await lan.run(4 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    expect(a.fifo).toEqual(['INSTANCE "VI_1" BACKUP 150\n', 'INSTANCE "VI_1" MASTER 150\n']);
  });

  it('a first result that fails turns the quiet FAULT into a notified one', async () => {
    const lan = new Lan();
    const track = '  track_script {\n    chk\n  }';
    const [a] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra: track }], script('')), conf([]));
    a.start();
    await lan.run(S);
    expect(a.fifo).toEqual([]);
    a.report({ kind: 'script', id: 0, status: 'failed' });
    await lan.run(S);
    expect(a.state('VI_1')).toBe('FAULT');
    expect(a.fifo).toEqual(['INSTANCE "VI_1" FAULT 150\n']);
  });

  it('weight with reverse: a positive weight subtracts while the script succeeds', async () => {
    const lan = new Lan();
    const track = '  track_script {\n    chk weight 20 reverse\n  }';
    const [a] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100', extra: track }], script('')), conf([]));
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    expect(a.priority('VI_1')).toBe(80);
    a.report({ kind: 'script', id: 0, status: 'failed' });
    expect(a.priority('VI_1')).toBe(100);
  });

  it('effective priority is clamped to 1..254 and never changes for an address owner', async () => {
    const lan = new Lan();
    const head = script('  weight 100') + 'vrrp_script down {\n  script /bin/false\n  weight -200\n}\n';
    const track = '  track_script {\n    chk\n    down\n  }';
    const [a] = pair(
      lan,
      conf(
        [
          { name: 'HI', vrid: 51, priority: 200, vip: '192.0.2.100', extra: '  track_script {\n    chk\n  }' },
          { name: 'LO', vrid: 52, priority: 100, vip: '192.0.2.101', extra: track },
          { name: 'OWN', vrid: 53, priority: 255, vip: '192.0.2.102', extra: track },
        ],
        head,
      ),
      conf([]),
    );
    a.initial({ kind: 'script', id: 0, status: 'ok' }).initial({ kind: 'script', id: 1, status: 'failed' }).start();
    expect([a.priority('HI'), a.priority('LO'), a.priority('OWN')]).toEqual([254, 1, 255]);
  });

  it('track_interface: weighted changes the priority, unweighted faults the instance; notify_priority_changes writes FIFO lines', async () => {
    const lan = new Lan();
    const [a] = pair(
      lan,
      conf([
        { name: 'W', vrid: 51, priority: 100, vip: '192.0.2.100', extra: '  notify_priority_changes\n  track_interface {\n    eth1 weight -30\n  }' },
        { name: 'F', vrid: 52, priority: 100, vip: '192.0.2.101', extra: '  track_interface {\n    eth1\n  }' },
      ]),
      conf([]),
    );
    a.start();
    await lan.run(5 * S);
    expect([a.state('W'), a.state('F')]).toEqual(['MASTER', 'MASTER']);
    a.setLink('eth1', false);
    expect([a.priority('W'), a.state('F')]).toEqual([70, 'FAULT']);
    expect(a.fifo).toContain('INSTANCE "W" MASTER_PRIORITY 70\n');
    a.setLink('eth1', true);
    expect([a.priority('W'), a.state('F')]).toEqual([100, 'BACKUP']);
  });

  it('track_file: value times weight, and an unweighted file faults on a non-zero value', async () => {
    const lan = new Lan();
    const head = 'track_file tf {\n  file /tmp/x\n  weight -10\n}\ntrack_file gate {\n  file /tmp/y\n  weight 0\n}\n';
    const [a] = pair(
      lan,
      conf(
        [
          { name: 'V', vrid: 51, priority: 100, vip: '192.0.2.100', extra: '  track_file {\n    tf\n  }' },
          { name: 'G', vrid: 52, priority: 100, vip: '192.0.2.101', extra: '  track_file {\n    gate\n  }' },
        ],
        head,
      ),
      conf([]),
    );
    a.start();
    a.report({ kind: 'file', id: 0, value: 3 });
    expect(a.priority('V')).toBe(70);
    a.report({ kind: 'file', id: 0, value: 30 });
    expect(a.state('V')).toBe('FAULT'); // -300 is at most -254
    a.report({ kind: 'file', id: 1, value: 1 });
    expect(a.state('G')).toBe('FAULT');
    a.report({ kind: 'file', id: 1, value: 0 });
    expect(a.state('G')).toBe('BACKUP');
  });
});

describe('LAN simulator: vrrp_script runs in virtual time', () => {
  /** The real script tracker on the LAN's clock, with each run's exit status from `results`. */
  function scripted(lan: Lan, r: LanRouter, results: number[]): { runs: number[] } {
    const runs: number[] = [];
    const tracker = new ScriptTracker(r.engine.model.scripts, {
      clock: lan.clock,
      log: silentLogger(),
      executable: () => true,
      run: async () => {
        runs.push(lan.clock.now);
        return { code: results.shift() ?? 0, signal: null, timedOut: false };
      },
      onReport: (rep) => r.report(rep),
    });
    r.initial({ kind: 'script', id: 0, status: tracker.initial(0) }).start();
    tracker.start();
    return { runs };
  }

  it('fall 3, rise 2: three failures in a row hand the VIP over, two successes take it back', async () => {
    const lan = new Lan();
    const head = script('  interval 1\n  weight -60\n  fall 3\n  rise 2\n');
    const track = '  track_script {\n    chk\n  }';
    const [a, b] = pair(
      lan,
      conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra: track }], head),
      conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100' }]),
    );
    // runs at 0..5 s succeed; 6, 7 fail, 8 succeeds (the count restarts), 9..15 fail, then success
    const { runs } = scripted(lan, a, [0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    b.start();
    await lan.run(5.5 * S);
    expect([lan.holders('192.0.2.100'), a.priority('VI_1')]).toEqual([['A'], 150]);
    await lan.run(5 * S); // up to 10.5 s: two failures, a success, two failures
    expect(a.priority('VI_1')).toBe(150);
    await lan.run(S); // the third failure in a row at 11 s
    expect(a.priority('VI_1')).toBe(90);
    await lan.run(4 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
    await lan.run(1.2 * S); // one success at 16 s is not enough
    expect(a.priority('VI_1')).toBe(90);
    await lan.run(S); // the second at 17 s
    expect(a.priority('VI_1')).toBe(150);
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    expect(runs.slice(0, 3).map((t) => t - runs[0]!)).toEqual([0, S, 2 * S]);
  });

  it('init_fail: an unweighted script starts failed (FAULT, notified) until its first success', async () => {
    const lan = new Lan();
    const track = '  track_script {\n    chk\n  }\n  notify /n.sh';
    const [a] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra: track }], script('  init_fail\n')), conf([]));
    scripted(lan, a, [1, 1, 0]);
    await lan.run(1.5 * S);
    expect(a.state('VI_1')).toBe('FAULT');
    expect(a.scripts).toEqual([['/n.sh', 'INSTANCE', 'VI_1', 'FAULT', '150']]);
    await lan.run(S);
    expect(a.state('VI_1')).toBe('BACKUP');
  });
});

describe('LAN simulator: sync groups', () => {
  const group = (extra = ''): string => `vrrp_sync_group G {\n  group {\n    V0\n    V1\n  }\n  notify /g.sh\n${extra}}\n`;
  const members = (prio: number, extra0 = '', extra1 = ''): InstanceSpec[] => [
    { name: 'V0', iface: 'eth0', vrid: 51, priority: prio, vip: '192.0.2.100', extra: extra0 },
    { name: 'V1', iface: 'eth1', vrid: 52, priority: prio, vip: '198.51.100.100', extra: extra1 },
  ];

  it('one link going down moves both VIPs to the peer, and back when it returns', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, conf(members(150), group()), conf(members(100), group()));
    a.start();
    b.start();
    await lan.run(6 * S);
    expect([lan.holders('192.0.2.100'), lan.holders('198.51.100.100')]).toEqual([['A'], ['A']]);
    expect(a.fifo).toContain('GROUP "G" MASTER 0\n');
    expect(a.scripts).toContainEqual(['/g.sh', 'GROUP', 'G', 'MASTER', '0']);
    a.setLink('eth1', false);
    expect([a.state('V0'), a.state('V1'), a.engine.groups[0]!.state]).toEqual(['FAULT', 'FAULT', 'FAULT']);
    // B's V0 hears A's priority 0 at once, but waits for V1, whose master fell silent (its link is down)
    await lan.run(3 * S);
    expect([b.state('V0'), b.state('V1')]).toEqual(['BACKUP', 'BACKUP']);
    await lan.run(S);
    expect([lan.holders('192.0.2.100'), lan.holders('198.51.100.100')]).toEqual([['B'], ['B']]);
    a.setLink('eth1', true);
    await lan.run(6 * S);
    expect([lan.holders('192.0.2.100'), lan.holders('198.51.100.100')]).toEqual([['A'], ['A']]);
    expect(a.fifo.filter((l) => l.startsWith('GROUP'))).toEqual(['GROUP "G" BACKUP 0\n', 'GROUP "G" MASTER 0\n', 'GROUP "G" FAULT 0\n', 'GROUP "G" BACKUP 0\n', 'GROUP "G" MASTER 0\n']);
  });

  it('a member becomes MASTER only when all members want it: a higher-priority peer on one segment keeps both in BACKUP', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, conf(members(100), group()), conf([{ name: 'X', iface: 'eth1', vrid: 52, priority: 200, vip: '198.51.100.100' }]));
    b.start();
    a.start();
    await lan.run(10 * S);
    // V0 has no rival, but its group member V1 hears a better master: both stay BACKUP
    expect([a.state('V0'), a.state('V1')]).toEqual(['BACKUP', 'BACKUP']);
    expect(lan.holders('192.0.2.100')).toEqual([]);
    await b.stop();
    await lan.run(5 * S);
    expect([a.state('V0'), a.state('V1')]).toEqual(['MASTER', 'MASTER']);
  });

  it('a member losing to a higher-priority advert takes the group out of MASTER', async () => {
    const lan = new Lan();
    const [a] = pair(lan, conf(members(100), group()), conf([]));
    const c = lan.router('C', { eth1: { segment: 'lan1', address: '198.51.100.13' } }, conf([{ name: 'X', iface: 'eth1', vrid: 52, priority: 200, vip: '198.51.100.100' }]));
    a.start();
    await lan.run(6 * S);
    expect([a.state('V0'), a.state('V1')]).toEqual(['MASTER', 'MASTER']);
    c.start();
    await lan.run(6 * S);
    expect([a.state('V0'), a.state('V1')]).toEqual(['BACKUP', 'BACKUP']);
  });

  it('group tracking: a group-level weightless script faults every member', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, conf(members(150), script('') + group('  track_script {\n    chk\n  }\n')), conf(members(100), group()));
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    b.start();
    await lan.run(6 * S);
    a.report({ kind: 'script', id: 0, status: 'failed' });
    expect([a.state('V0'), a.state('V1')]).toEqual(['FAULT', 'FAULT']);
    await lan.run(3 * S);
    expect([lan.holders('192.0.2.100'), lan.holders('198.51.100.100')]).toEqual([['B'], ['B']]);
  });

  it('a storm of link flaps ends with one holder per VIP, both VIPs on the same router', async () => {
    const lan = new Lan(7);
    const [a, b] = pair(lan, conf(members(150), group()), conf(members(100), group()));
    a.start();
    b.start();
    await lan.run(6 * S);
    for (let i = 0; i < 200; i++) {
      const r = lan.random() < 0.5 ? a : b;
      r.setLink(lan.random() < 0.5 ? 'eth0' : 'eth1', lan.random() < 0.5);
      await lan.run(Math.floor(lan.random() * 300_000));
    }
    for (const r of [a, b]) for (const i of ['eth0', 'eth1']) r.setLink(i, true);
    await lan.run(10 * S);
    expect([lan.holders('192.0.2.100'), lan.holders('198.51.100.100')]).toEqual([['A'], ['A']]);
    expect([b.state('V0'), b.state('V1')]).toEqual(['BACKUP', 'BACKUP']);
  });
});

describe('LAN simulator: elections', () => {
  it('equal priorities: the higher primary address wins', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100' }]), conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100' }]));
    a.start();
    b.start();
    await lan.run(10 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['B']);
  });

  it('a partition makes two masters; healing it leaves one', async () => {
    const lan = new Lan();
    const [a, b] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100' }]), conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100' }]));
    a.start();
    b.start();
    await lan.run(5 * S);
    lan.partition(a, b);
    await lan.run(5 * S);
    expect(lan.holders('192.0.2.100').sort()).toEqual(['A', 'B']);
    lan.heal();
    await lan.run(3 * S);
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
  });

  it('with 20 % loss the master keeps the VIP: one holder in every second of a minute', async () => {
    const lan = new Lan(3);
    const [a, b] = pair(lan, conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100' }]), conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100' }]));
    a.start();
    b.start();
    await lan.run(5 * S);
    lan.loss = 0.2;
    for (let i = 0; i < 60; i++) {
      await lan.run(S);
      expect(lan.holders('192.0.2.100')).toEqual(['A']);
    }
  });

  it('mcast_dst_ip: both routers on 224.0.0.19 elect one master; a router on the default group does not hear them', async () => {
    const lan = new Lan();
    const extra = '  mcast_dst_ip 224.0.0.19';
    const [a, b] = pair(
      lan,
      conf([{ name: 'VI_1', vrid: 51, priority: 150, vip: '192.0.2.100', extra }]),
      conf([{ name: 'VI_1', vrid: 51, priority: 100, vip: '192.0.2.100', extra }]),
    );
    const c = lan.router('C', { eth0: { segment: 'lan0', address: '192.0.2.13' } }, conf([{ name: 'VI_1', vrid: 51, priority: 50, vip: '192.0.2.100' }]));
    a.start();
    b.start();
    c.start();
    await lan.run(6 * S);
    expect(lan.holders('192.0.2.100').sort()).toEqual(['A', 'C']);
    expect(b.state('VI_1')).toBe('BACKUP');
  });

  it('an instance without VIPs runs the whole state machine and advertises no address', async () => {
    const lan = new Lan();
    const noVip = 'vrrp_instance E {\n  interface eth0\n  virtual_router_id 60\n  priority 150\n  advert_int 1\n  notify /e.sh\n}\n';
    const [a, b] = pair(lan, noVip, noVip.replace('priority 150', 'priority 100'));
    a.start();
    b.start();
    await lan.run(6 * S);
    expect([a.state('E'), b.state('E')]).toEqual(['MASTER', 'BACKUP']);
    expect(a.scripts.at(-1)).toEqual(['/e.sh', 'INSTANCE', 'E', 'MASTER', '150']);
    expect(lan.sent.filter((s) => s.vrid === 60 && s.router === 'A').length).toBeGreaterThan(0);
  });

  it('an instance whose interface is down at start is in FAULT, the others run, and it recovers with the link', async () => {
    const lan = new Lan();
    const r = lan.router(
      'A',
      { eth0: { segment: 'lan0', address: '192.0.2.11' }, eth1: { segment: 'lan1', address: '198.51.100.11' } },
      conf([
        { name: 'DOWN', iface: 'eth1', vrid: 51, priority: 100, vip: '198.51.100.100' },
        { name: 'OK', vrid: 52, priority: 100, vip: '192.0.2.101' },
      ]),
    );
    r.setLink('eth1', false);
    r.start();
    await lan.run(5 * S);
    expect([r.state('DOWN'), r.state('OK')]).toEqual(['FAULT', 'MASTER']);
    r.setLink('eth1', true);
    await lan.run(5 * S);
    expect(r.state('DOWN')).toBe('MASTER');
  });
});
