/** Effective priority and tracking faults (keepalived vrrp_track.c), and the resolved tracking lists. */
import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';
import { fileContribution, trackingVerdict, upDownContribution, type TrackedStates } from '../../../src/vrrp/tracking.js';
import { resolveVrrp, type TrackRef } from '../../../src/vrrp/resolve.js';

/** The program the vrrp_scripts below run (keepalived disables a script it cannot find). */
const binTrue = { '/bin/true': { content: '#!/bin/sh\n', mode: 0o755 } };

const states = (s: Partial<TrackedStates> = {}): TrackedStates => ({
  interfaceUp: () => true,
  script: () => 'ok',
  fileValue: () => 0,
  processUp: () => true,
  bfdUp: () => true,
  ...s,
});

describe('tracking contributions', () => {
  it.each([
    // weight, multiplier, up, contribution
    [0, 1, true, 0],
    [0, 1, false, 'fault'],
    [0, -1, true, 'fault'],
    [0, -1, false, 0],
    [20, 1, true, 20],
    [20, 1, false, 0],
    [-20, 1, true, 0],
    [-20, 1, false, -20],
    [20, -1, true, -20],
    [20, -1, false, 0],
    [-20, -1, true, 0],
    [-20, -1, false, 20],
  ] as const)('weight %i × %i, up %s: %s', (w, m, up, want) => {
    expect(upDownContribution(w, m, up)).toBe(want);
  });

  it.each([
    [0, 1, 0, 0],
    [0, 1, 5, 'fault'],
    [0, -1, 0, 'fault'],
    [0, -1, 5, 0],
    [-10, 1, 3, -30],
    [-10, 1, 26, 'fault'], // -260 is -254 or less
    [10, 1, 40, 253], // capped
    [10, -1, 2, -20],
  ] as const)('file weight %i × %i, value %i: %s', (w, m, v, want) => {
    expect(fileContribution(w, m, v)).toBe(want);
  });

  it('sums, clamps to 1..254, names faults, and holds unweighted scripts without a result as pending', () => {
    const refs: TrackRef[] = [
      { kind: 'script', id: 0, name: 'up', weight: 50, multiplier: 1 },
      { kind: 'script', id: 1, name: 'gate', weight: 0, multiplier: 1 },
      { kind: 'interface', name: 'eth1', weight: 0, multiplier: 1 },
      { kind: 'script', id: 2, name: 'off', weight: -500, multiplier: 1 },
    ];
    const v = trackingVerdict(220, refs, states({ script: (id) => (id === 1 ? 'init' : id === 2 ? 'disabled' : 'ok'), interfaceUp: () => false }));
    expect(v).toEqual({ total: 270, effective: 254, faults: ['interface eth1'], pending: ['script gate'] });
    expect(trackingVerdict(10, [{ kind: 'process', id: 0, name: 'p', weight: -50, multiplier: 1 }], states({ processUp: () => false })).effective).toBe(1);
    expect(trackingVerdict(255, [{ kind: 'process', id: 0, name: 'p', weight: -50, multiplier: 1 }], states({ processUp: () => false })).effective).toBe(255);
  });
});

describe('resolved tracking lists (keepalived vrrp_complete_instance, sync_group_tracking_init)', () => {
  const conf = (extra: string): string => `
vrrp_script s1 {
  script /bin/true
  weight -20
}
vrrp_script s2 {
  script /bin/true
  weight 10 reverse
}
track_file f1 {
  file /tmp/f1
}
vrrp_track_process p1 {
  process sshd
  weight 5
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  track_interface {
    eth0 weight 10
    eth1 weight -5
  }
  track_script {
    s1
    s2 weight 30
  }
  track_file {
    f1
  }
  track_process {
    p1
  }
  virtual_ipaddress {
    192.0.2.1
  }
}
vrrp_instance B {
  interface eth1
  virtual_router_id 2
  priority 100
  virtual_ipaddress {
    192.0.2.2
  }
}
${extra}`;

  it("entry weights override the object's, the own interface is not tracked", () => {
    const a = resolveVrrp(parseText(conf(''), { files: binTrue }).config).instances[0]!;
    expect(a.tracks).toEqual([
      { kind: 'interface', name: 'eth1', weight: -5, multiplier: 1 },
      { kind: 'script', id: 0, name: 's1', weight: -20, multiplier: 1 },
      { kind: 'script', id: 1, name: 's2', weight: 30, multiplier: -1 },
      { kind: 'file', id: 0, name: 'f1', weight: 1, multiplier: 1 },
      { kind: 'process', id: 0, name: 'p1', weight: 5, multiplier: 1 },
    ]);
  });

  it('in a sync group without sync_group_tracking_weight: weights cleared or dropped; group tracks added to every member', () => {
    const m = resolveVrrp(parseText(conf('vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n  track_script {\n    s1\n  }\n}\n'), { files: binTrue }).config);
    expect(m.syncGroups).toEqual([expect.objectContaining({ name: 'G', members: [0, 1] })]);
    expect(m.instances[0]!.tracks).toEqual([
      { kind: 'interface', name: 'eth1', weight: 0, multiplier: 1 },
      { kind: 'file', id: 0, name: 'f1', weight: 0, multiplier: 1 },
      { kind: 'process', id: 0, name: 'p1', weight: 5, multiplier: 1 },
      { kind: 'script', id: 0, name: 's1', weight: -20, multiplier: 1 },
    ]);
    expect(m.instances[1]!.tracks).toEqual([{ kind: 'script', id: 0, name: 's1', weight: -20, multiplier: 1 }]);
    const weighted = resolveVrrp(parseText(conf('vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n  sync_group_tracking_weight\n}\n'), { files: binTrue }).config);
    expect(weighted.instances[0]!.tracks.map((t) => t.weight)).toEqual([-5, -20, 30, 1, 5]);
  });

  it('mcast_dst_ip, else vrrp_mcast_group4, is the group; notify_priority_changes falls back to the group, then global_defs', () => {
    const text = conf('').replace('priority 100\n  track_interface', 'priority 100\n  mcast_dst_ip 224.0.0.19\n  notify_priority_changes\n  track_interface');
    const m = resolveVrrp(parseText(`global_defs {\n  vrrp_mcast_group4 224.0.0.20\n}\n${text}`).config);
    expect(m.instances.map((v) => [...v.group].join('.'))).toEqual(['224.0.0.19', '224.0.0.20']);
    expect(m.instances.map((v) => v.notifyPriorityChanges)).toEqual([true, false]);
  });
});
