/**
 * Health checkers driving a real IPVS (User-Mode Linux, src/lab/uml.ts): test/uml/checker-scenario.mjs
 * runs keepalived-ts -C and then Debian's keepalived -C with the same configuration through the
 * same steps (a backend killed and restarted, every backend down, one back) and reports the
 * kernel's table after each step, the traffic through the VIP and the detection times.
 * Root; needs user-mode-linux, kmod, ipvsadm and keepalived (.ci/run installs them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runInUml } from '../../src/lab/uml.js';
import type { StatusDocument } from '../../src/observe/status-model.js';
import { exposition } from '../helpers/ns-http.js';
import { promtoolCheckMetrics } from '../helpers/prometheus.js';

interface Run {
  agent: string;
  steps: { started: number | null; sorry: number | null; sorryOut: number | null };
  tables: { started: string; rs1Down: string; sorry: string; recovered: string };
  down: (number | null)[];
  up: (number | null)[];
  traffic: string[];
  trafficRs1Down: string[];
  trafficSorry: string;
  suspended: { kept: number | null; removedAfterMs: number | null };
  exit: number | string;
  afterStop: string;
  /** The lines of lvs_notify_fifo, in order. */
  fifo: string[];
  log: string;
  /** keepalived-ts's /metrics and /status when the started, rs1Down and recovered tables were taken. */
  metrics: Record<'started' | 'rs1Down' | 'recovered', string>;
  status: Record<'started' | 'rs1Down' | 'recovered', StatusDocument>;
}

let ours: Run;
let theirs: Run;

beforeAll(async () => {
  const r = await runInUml(['node', 'test/uml/checker-scenario.mjs', '2'], { timeoutS: 400 });
  if (r.code !== 0) throw new Error(`scenario failed (${r.code}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  expect(r.moduleFailures).toEqual([]);
  const out = JSON.parse(r.stdout) as { runs: Run[] };
  [ours, theirs] = out.runs as [Run, Run];
}, 480_000);

const emptyTable = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

describe('health checkers on a real kernel (UML), beside keepalived', () => {
  it('puts every real server whose checks pass in the table, as keepalived does', () => {
    expect(ours.steps.started, ours.log).not.toBeNull();
    expect(ours.tables.started).toContain('TCP  192.0.2.100:80 rr\n  -> 203.0.113.21:8080            Masq    1\n  -> 203.0.113.22:8080            Masq    2');
    expect(ours.tables.started).toContain('TCP  192.0.2.101:8080 wrr\n  -> 203.0.113.21:8080            Masq    3');
    expect(ours.tables.started).toBe(theirs.tables.started);
    expect(new Set(ours.traffic)).toEqual(new Set(['rs1', 'rs2']));
  });

  it('removes a dead real server, or sets it to weight 0 with inhibit_on_failure, and traffic avoids it', () => {
    expect(ours.down.every((ms) => ms !== null && ms < 6000), `${ours.down}`).toBe(true);
    expect(ours.tables.rs1Down).not.toContain('TCP  192.0.2.100:80 rr\n  -> 203.0.113.21:8080');
    expect(ours.tables.rs1Down).toContain('TCP  192.0.2.101:8080 wrr\n  -> 203.0.113.21:8080            Masq    0');
    expect(ours.tables.rs1Down).toBe(theirs.tables.rs1Down);
    expect(ours.trafficRs1Down).toEqual(['rs2', 'rs2', 'rs2']);
  });

  it('ha_suspend: no checks while the virtual server address is not on the host; checks once it appears', () => {
    expect(ours.suspended.kept).toBe(1);
    expect(theirs.suspended.kept).toBe(1);
    expect(ours.suspended.removedAfterMs).not.toBeNull();
    expect(ours.suspended.removedAfterMs!).toBeLessThan(6000);
  });

  it('puts it back when it recovers', () => {
    expect(ours.up.every((ms) => ms !== null && ms < 4000), `${ours.up}`).toBe(true);
  });

  it('brings in the sorry server when every real server is down, and takes it out when one returns', () => {
    expect(ours.steps.sorry).not.toBeNull();
    expect(ours.tables.sorry).toContain('TCP  192.0.2.100:80 rr\n  -> 203.0.113.23:8080            Masq    1\nTCP');
    expect(ours.tables.sorry).toBe(theirs.tables.sorry);
    expect(ours.trafficSorry).toBe('rs3');
    expect(ours.steps.sorryOut).not.toBeNull();
    expect(ours.tables.recovered).toBe(theirs.tables.recovered);
  });

  it('writes the lvs_notify_fifo lines keepalived writes, in keepalived\'s format', () => {
    expect(ours.fifo.slice(0, 3)).toEqual(['VS [192.0.2.100]:tcp:80 UP', 'VS [192.0.2.102]:tcp:8080 UP', 'VS [192.0.2.101]:tcp:8080 UP']);
    expect(ours.fifo).toContain('RS [203.0.113.21]:tcp:8080 [192.0.2.100]:tcp:80 DOWN');
    expect(ours.fifo).toContain('VS [192.0.2.100]:tcp:80 DOWN');
    // the same events; lines of different virtual servers may interleave differently
    expect([...ours.fifo].sort()).toEqual([...theirs.fifo].sort());
  });

  it('removes its services when stopped', () => {
    expect(ours.exit).toBe(0);
    expect(ours.afterStop).toBe(emptyTable);
    expect(theirs.afterStop).toBe(emptyTable);
  });

  describe('/metrics and /status of the checkers and IPVS (keepalived-ts)', () => {
    const rs = (vs: string, r: string): string => `virtual_server="${vs}",real_server="${r}"`;
    const vs100 = '[192.0.2.100]:tcp:80';
    const vs101 = '[192.0.2.101]:tcp:8080';
    const rs1 = '[203.0.113.21]:tcp:8080';

    it('real servers up with their weights, and the IPVS operations that programmed them', () => {
      const m = exposition(ours.metrics.started);
      expect(m.get(`keepalived_real_server_up{${rs(vs100, rs1)}}`)).toBe(1);
      expect(m.get(`keepalived_real_server_weight{${rs(vs101, rs1)}}`)).toBe(3);
      expect(m.get('keepalived_ipvs_operations_total{op="add-service"}')).toBe(3);
      expect(m.get('keepalived_ipvs_operations_total{op="add-dest"}')).toBeGreaterThanOrEqual(4);
      expect(m.get('keepalived_ipvs_operations_refused_total{outcome="failed"}')).toBe(0);
      expect(m.get('keepalived_checker_pool_checkers')).toBe(4);
    });

    it('a dead real server: down, weight 0 where inhibited, failures by reason, partial syncs', () => {
      const m = exposition(ours.metrics.rs1Down);
      expect(m.get(`keepalived_real_server_up{${rs(vs100, rs1)}}`)).toBe(0);
      expect(m.get(`keepalived_real_server_weight{${rs(vs101, rs1)}}`)).toBe(0);
      expect(m.get('keepalived_check_failures_total{kind="HTTP_GET",reason="refused"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('keepalived_check_failures_total{kind="TCP_CHECK",reason="refused"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('keepalived_ipvs_syncs_total{type="partial"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('keepalived_ipvs_operations_total{op="delete-dest"}')).toBeGreaterThanOrEqual(1);
      expect(m.get('keepalived_checks_total{kind="TCP_CHECK",result="success"}')).toBeGreaterThan(0);
      expect(m.get('keepalived_check_duration_seconds_count{kind="HTTP_GET"}')).toBeGreaterThan(1);
      expect(m.get('keepalived_check_duration_seconds_bucket{kind="HTTP_GET",le="+Inf"}')).toBe(m.get('keepalived_check_duration_seconds_count{kind="HTTP_GET"}'));
      const s = ours.status.rs1Down;
      const dead = s.virtual_servers.find((v) => v.name === vs100)!.real_servers.find((r) => r.name === rs1)!;
      expect(dead.alive).toBe(false);
      expect(dead.checks.map((c) => [c.kind, c.up])).toEqual([['HTTP_GET', false]]);
      expect(dead.checks[0]!.last_result).toMatch(/refused/);
    });

    it('rs2 back after every real server was down: up again; promtool accepts every scrape', async () => {
      const rs2 = '[203.0.113.22]:tcp:8080';
      const m = exposition(ours.metrics.recovered);
      expect(m.get(`keepalived_real_server_up{${rs(vs100, rs2)}}`)).toBe(1);
      expect(m.get(`keepalived_real_server_weight{${rs(vs100, rs2)}}`)).toBe(2);
      expect(m.get(`keepalived_real_server_up{${rs(vs100, rs1)}}`)).toBe(0);
      expect(m.get(`keepalived_virtual_server_up{virtual_server="${vs100}"}`)).toBe(1);
      expect(ours.status.recovered.virtual_servers.find((v) => v.name === vs100)!.real_servers.map((r) => [r.name, r.alive])).toEqual([
        [rs1, false],
        [rs2, true],
      ]);
      for (const text of Object.values(ours.metrics)) expect((await promtoolCheckMetrics(text)).output).toBe('');
    });
  });
});
