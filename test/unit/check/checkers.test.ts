// The checker subsystem (src/check/checkers.ts) with fake probes and a fake clock: what it tells
// the rest of the agent when real servers go down and up - notify scripts, FIFO lines, the IPVS
// update of the one virtual server concerned, quorum - and what it keeps across a reload.
import { describe, expect, it } from 'vitest';
import { HealthCheckers, type CheckerEdges } from '../../../src/check/checkers.js';
import type { ScriptSpec } from '../../../src/config/parser.js';
import type { VirtualServer } from '../../../src/config/keywords/virtual-server.js';
import { silentLogger } from '../../../src/log.js';
import { parseText } from '../../helpers/config.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const s = 1_000_000;
const conf = `
virtual_server 192.0.2.100 80 {
  delay_loop 2
  lb_kind NAT
  protocol TCP
  quorum 2
  quorum_up "/bin/echo quorum up"
  quorum_down "/bin/echo quorum down"
  real_server 198.51.100.21 8080 {
    notify_up "/bin/echo rs1 up"
    notify_down "/bin/echo rs1 down"
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 198.51.100.22 8080 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
virtual_server 192.0.2.101 53 {
  delay_loop 2
  lb_kind DR
  protocol UDP
  ha_suspend
  real_server 198.51.100.31 53 {
    TCP_CHECK {
      connect_port 53
      connect_timeout 1
    }
  }
}
`;

function setup() {
  // the notify scripts exist (keepalived's checker drops a notify script it cannot find)
  const config = parseText(conf, { files: { '/bin/echo': { content: '', mode: 0o755 } } }).config;
  const clock = new FakeClock();
  const failing = new Set<string>();
  const probed: string[] = [];
  const told = { scripts: [] as string[], fifo: [] as string[], changed: [] as VirtualServer[] };
  const edges: CheckerEdges = {
    healthChanged: (vs) => told.changed.push(vs),
    runScript: (what: string, spec: ScriptSpec) => told.scripts.push(`${what}: ${spec.args.join(' ')}`),
    fifoLine: (line) => told.fifo.push(line),
  };
  const factory = (_check: unknown, rs: { ip: string }) => async () => {
    probed.push(rs.ip);
    return failing.has(rs.ip) ? { ok: false, reason: 'connection refused (ECONNREFUSED)' } : { ok: true, reason: 'connected' };
  };
  const make = (previous?: HealthCheckers) =>
    new HealthCheckers(config, factory, edges, silentLogger(), { concurrency: 16, clock, random: () => 0 }, previous);
  return { config, clock, failing, probed, told, make };
}

describe('health checkers', () => {
  it('reports a real server going down and coming back: notify script, FIFO line, IPVS update of its virtual server, quorum', async () => {
    const { config, clock, failing, told, make } = setup();
    const checkers = make();
    checkers.start();
    // as keepalived, the FIFO hears every virtual server's state when checking begins
    expect(told.fifo).toEqual(['VS [192.0.2.100]:tcp:80 UP\n', 'VS [192.0.2.101]:udp:53 UP\n']);
    told.fifo.length = 0;
    await clock.advance(1.5 * s);
    // every checker started up and passed: nothing to tell
    expect(told).toEqual({ scripts: [], fifo: [], changed: [] });

    failing.add('198.51.100.21');
    // fails at 3 s, retried (retry 1) after delay_before_retry at 4 s: down
    await clock.advance(3.5 * s);
    expect(told.scripts).toEqual([]);
    await clock.advance(4.5 * s);
    const web = config.virtual_server[0]!;
    expect(told.scripts).toEqual(['notify_down [198.51.100.21]:tcp:8080: /bin/echo rs1 down', 'quorum_down [192.0.2.100]:tcp:80: /bin/echo quorum down']);
    expect(told.fifo).toEqual(['RS [198.51.100.21]:tcp:8080 [192.0.2.100]:tcp:80 DOWN\n', 'VS [192.0.2.100]:tcp:80 DOWN\n']);
    expect(told.changed).toEqual([web]);
    const rs1 = checkers.status().find((x) => x.real_server === '[198.51.100.21]:tcp:8080')!;
    expect(rs1).toMatchObject({ up: false, alive: false, weight: 1, last: 'connection refused (ECONNREFUSED)' });
    expect(checkers.book.quorumUp(web)).toBe(false);

    failing.delete('198.51.100.21');
    await clock.advance(6.5 * s);
    expect(told.scripts.slice(2)).toEqual(['notify_up [198.51.100.21]:tcp:8080: /bin/echo rs1 up', 'quorum_up [192.0.2.100]:tcp:80: /bin/echo quorum up']);
    expect(told.fifo.slice(2)).toEqual(['RS [198.51.100.21]:tcp:8080 [192.0.2.100]:tcp:80 UP\n', 'VS [192.0.2.100]:tcp:80 UP\n']);
    expect(told.changed).toEqual([web, web]);
    const stopped = checkers.stop();
    await clock.advance(8 * s);
    await stopped;
  });

  it('with ha_suspend, checks a virtual server only while its address is on this host', async () => {
    const { clock, probed, make } = setup();
    const checkers = make();
    checkers.updateSuspension(new Set(['192.0.2.100']));
    checkers.start();
    await clock.advance(6 * s);
    expect(probed).not.toContain('198.51.100.31');
    checkers.updateSuspension(new Set(['192.0.2.100', '192.0.2.101']));
    await clock.advance(9 * s);
    expect(probed).toContain('198.51.100.31');
    const stopped = checkers.stop();
    await clock.advance(10 * s);
    await stopped;
  });

  it('keeps the state of unchanged checkers across a reload', async () => {
    const { clock, failing, told, make } = setup();
    const first = make();
    first.start();
    failing.add('198.51.100.22');
    await clock.advance(1.5 * s);
    expect(first.status().find((x) => x.real_server === '[198.51.100.22]:tcp:8080')!.up).toBe(false);
    const stopped = first.stop();
    await clock.advance(2 * s);
    await stopped;
    const scriptsBefore = told.scripts.length;
    const fifoBefore = told.fifo.length;
    const second = make(first);
    // down before the reload, down after it, with no new transition (no scripts, no FIFO line)
    expect(second.status().find((x) => x.real_server === '[198.51.100.22]:tcp:8080')!.up).toBe(false);
    expect(second.book.alive(second.config.virtual_server[0]!, second.config.virtual_server[0]!.real_server[1]!)).toBe(false);
    second.start();
    await clock.advance(6 * s);
    expect(told.scripts.length).toBe(scriptsBefore);
    // the virtual servers' states are not reported again at a reload
    expect(told.fifo.length).toBe(fifoBefore);
    const stopped2 = second.stop();
    await clock.advance(7 * s);
    await stopped2;
  });
});
