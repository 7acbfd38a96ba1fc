/**
 * The status document built from the snapshot of the run captured with keepalived 2.2.7: each
 * field says what keepalived.data of that run says.
 */
import { describe, expect, it } from 'vitest';
import { capturedSnapshot, fixture } from '../dump/captured-run.js';
import { buildStatus } from '../../../src/observe/status.js';

const snapshot = capturedSnapshot();
const doc = buildStatus({
  version: '0.1.0',
  pid: 42,
  startedAtMs: Date.UTC(2026, 11, 3, 12, 0, 0),
  nowMs: Date.UTC(2026, 11, 3, 13, 2, 3),
  subsystems: { vrrp: true, checkers: true },
  snapshot,
  faults: new Map([['VI_2', ['interface eth9 down']]]),
  checkers: snapshot.checkers.map((c) => ({ virtual_server: c.vsLabel, real_server: c.rsLabel, checker: c.kind.type, up: c.up, alive: c.up, weight: c.currentWeight, last: c.up ? 'connected' : 'connection refused' })),
  services: new Map(snapshot.virtualServers.map((v) => [v.label, 1])),
});

describe('status document', () => {
  const data = fixture('keepalived.data');
  it('instances: state, VRID, priorities, VIPs and master as keepalived.data has them', () => {
    expect(doc.vrrp_instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2', 'VI_3']);
    for (const i of doc.vrrp_instances) {
      const block = data.split(/\n(?= VRRP Instance = )/).find((b) => b.startsWith(` VRRP Instance = ${i.name}\n`))!;
      expect(block).toContain(`   State = ${i.state}\n`);
      expect(block).toContain(`   Virtual Router ID = ${i.vrid}\n`);
      expect(block).toContain(`   Effective priority = ${i.priority.effective}\n`);
      for (const v of i.vips) expect(block).toMatch(new RegExp(`\\n {5}${v.address.replace(/\./g, '\\.')} dev ${v.interface} `));
      if (i.state === 'BACKUP') expect(block).toContain(`   Master router = ${i.master.address}\n`);
    }
    const vi1 = doc.vrrp_instances[0]!;
    expect(vi1.vips).toEqual([
      { address: '192.0.2.100/24', interface: 'eth0' },
      { address: '192.0.2.101/24', interface: 'eth0' },
    ]);
    expect(vi1.excluded_vips).toEqual([{ address: '198.51.100.10', interface: 'eth0' }]);
    expect(vi1.counters.errors.addr_list_err).toBe(5);
    expect(doc.vrrp_instances[1]!.faults).toEqual(['interface eth9 down']);
  });

  it('tracked objects with their states', () => {
    const all = doc.vrrp_instances.flatMap((i) => i.tracked);
    expect(all.some((t) => t.kind === 'script' && t.name === 'chk' && t.state === 'up')).toBe(true);
    expect(all.filter((t) => t.kind === 'file').every((t) => t.state === 'value' && typeof t.value === 'number')).toBe(true);
  });

  it('virtual servers with their real servers and checks', () => {
    expect(doc.virtual_servers.length).toBe(snapshot.virtualServers.length);
    const vs = doc.virtual_servers[0]!;
    const dvs = snapshot.virtualServers[0]!;
    expect(vs.name).toBe(dvs.label);
    expect(vs.quorum_up).toBe(dvs.quorumStateUp);
    expect(vs.real_servers.map((r) => r.alive)).toEqual(dvs.realServers.map((r) => r.alive));
    const checked = doc.virtual_servers.flatMap((v) => v.real_servers).flatMap((r) => r.checks);
    expect(checked.length).toBe(snapshot.checkers.length);
    expect(checked.every((c) => c.last_result === (c.up ? 'connected' : 'connection refused'))).toBe(true);
  });

  it('process facts and no secret', () => {
    expect(doc.uptime_seconds).toBe(3723);
    expect(doc.started_at).toBe('2026-12-03T12:00:00.000Z');
    // the captured configuration's auth_pass (keepalived.data prints it: "Password = secret1")
    expect(snapshot.instances.some((i) => i.auth.type === 'pass' && i.auth.password === 'secret1')).toBe(true);
    expect(JSON.stringify(doc)).not.toContain('secret1');
  });
});
