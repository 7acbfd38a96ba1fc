/**
 * IPVS on a real kernel: the host has no ip_vs, so test/uml/ipvs-scenario.mjs runs inside
 * User-Mode Linux (src/lab/uml.ts) and reports what the kernel, ipvsadm and traffic showed.
 * Needs root and the user-mode-linux, kmod and ipvsadm packages (.ci/run installs them).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runInUml } from '../../src/lab/uml.js';
import { destKey, serviceKey, type IpvsDest, type IpvsService } from '../../src/ipvs/codec.js';

interface Entry {
  service: IpvsService & { stats?: { inpkts: number } };
  dests: (IpvsDest & { stats?: { inpkts: number }; activeConns?: number; inactiveConns?: number })[];
}
interface Scenario {
  kinds: { sent: Entry[]; dumped: Entry[]; ipvsadm: string; ours: string; refusals: { what: string; code: string }[]; timeouts: unknown; timeoutsAfter: unknown; afterFlush: number };
  agent: { programmed: boolean; started: string };
  traffic: string[];
  traffic2: string[];
  drifted: string;
  reconciledAfterDrift: boolean;
  afterDrift: string;
  reload: { before: Entry[]; after: Entry[]; log: string[] };
  exitCode: number;
  afterStop: string;
  log: string;
}

let s: Scenario;

beforeAll(async () => {
  const r = await runInUml(['node', 'test/uml/ipvs-scenario.mjs'], { timeoutS: 240 });
  if (r.code !== 0) throw new Error(`scenario failed (${r.code}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
  expect(r.moduleFailures).toEqual([]);
  s = JSON.parse(r.stdout) as Scenario;
}, 330_000);

/** ipvsadm -Ln without the connection columns, which traffic changes. */
const withoutCounters = (t: string): string =>
  t
    .split('\n')
    .map((l) => (l.startsWith('  -> ') ? l.replace(/\s+\d+\s+\d+\s*$/, '') : l))
    .join('\n');

const plain = (e: Entry) => ({
  service: { ...e.service, stats: undefined },
  dests: e.dests.map((d) => ({ ...d, stats: undefined, activeConns: undefined, inactiveConns: undefined, persistentConns: undefined })).sort((a, b) => destKey(a).localeCompare(destKey(b))),
});

describe('IPVS over generic netlink on a real kernel (UML)', () => {
  it('creates services and destinations of every kind and reads them back exactly', () => {
    const byKey = (list: Entry[]) => new Map(list.map((e) => [serviceKey(e.service), e]));
    const dumped = byKey(s.kinds.dumped);
    expect(dumped.size).toBe(s.kinds.sent.length);
    for (const [key, sent] of byKey(s.kinds.sent)) {
      const got = dumped.get(key);
      expect(got, key).toBeDefined();
      const expected = plain(sent);
      expect(plain(got!)).toMatchObject({ service: expected.service, dests: expected.dests.map((d) => ({ ...d, ...(d.forward !== 2 ? { tunnelType: 0, tunnelPort: 0, tunnelFlags: 0 } : {}) })) });
    }
  });

  it('prints the table exactly as ipvsadm -Ln does', () => {
    expect(s.kinds.ipvsadm).toContain('FWM  8 IPv6 rr');
    expect(s.kinds.ours).toBe(s.kinds.ipvsadm);
  });

  it('names what the kernel refuses', () => {
    expect(s.kinds.refusals).toEqual([
      { what: 'duplicate service', code: 'EEXIST' },
      { what: 'unknown scheduler', code: 'ENOENT' },
      { what: 'dest of a missing service', code: 'ESRCH' },
      { what: 'delete a missing dest', code: 'ENOENT' },
    ]);
  });

  it('reads and sets the connection timeouts, and flushes', () => {
    expect(s.kinds.timeouts).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    expect(s.kinds.timeoutsAfter).toEqual({ tcp: 7200, tcpFin: 120, udp: 60 });
    expect(s.kinds.afterFlush).toBe(0);
  });
});

describe('keepalived-ts -C on a real kernel (UML)', () => {
  it('programs the configured table, leaves a foreign service alone, and logs the service the kernel refuses', () => {
    expect(s.agent.programmed).toBe(true);
    const t = s.agent.started;
    expect(t).toContain('TCP  192.0.2.100:80 rr\n  -> 203.0.113.21:8080            Masq    1');
    expect(t).toContain('  -> 203.0.113.22:8080            Masq    1');
    expect(t).toContain('TCP  192.0.2.101:443 wlc persistent 60\n  -> 203.0.113.21:443             Route   2');
    expect(t).toContain('FWM  5 sh (sh-port)\n  -> 203.0.113.23:0               Tunnel  1');
    expect(t).toContain('TCP  [2001:db8::100]:80 rr\n  -> [2001:db8:1::21]:80          Route   1');
    expect(t).toContain('TCP  [2001:db8::101]:80 rr');
    expect(t).toContain('TCP  192.0.2.200:80 rr\n  -> 203.0.113.50:80              Masq    1');
    expect(t).not.toContain('192.0.2.102');
    expect(s.log).toMatch(/cannot add service UDP 192\.0\.2\.102:53 \(twos\)[^\n]*ENOENT/);
  });

  it('carries NAT traffic from a client namespace through the VIP to both backends', () => {
    expect(new Set(s.traffic)).toEqual(new Set(['rs1', 'rs2']));
  });

  it('converges in one pass from a drifted kernel table (wrong weight, missing and extra dest, edited scheduler)', () => {
    expect(s.drifted).toContain('Masq    7');
    expect(s.reconciledAfterDrift).toBe(true);
    expect(withoutCounters(s.afterDrift)).toBe(withoutCounters(s.agent.started));
  });

  it('a reload that changes one weight touches only that destination (counters kept everywhere)', () => {
    const flat = (list: Entry[]) => new Map(list.flatMap((e) => e.dests.map((d) => [`${serviceKey(e.service)} ${destKey(d)}`, d] as const)));
    const before = flat(s.reload.before);
    const after = flat(s.reload.after);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after].filter(([k, d]) => d.weight !== before.get(k)!.weight).map(([k, d]) => `${k} ${before.get(k)!.weight}->${d.weight}`);
    expect(changed).toEqual(['2:6:192.0.2.100:80 2:203.0.113.21:8080 1->4']);
    // a removed and re-added destination would start again from zero
    const busy = [...before].filter(([, d]) => (d.stats?.inpkts ?? 0) > 0);
    expect(busy.length).toBeGreaterThanOrEqual(2);
    for (const [k, d] of busy) expect(after.get(k)!.stats!.inpkts, k).toBeGreaterThanOrEqual(d.stats!.inpkts);
    expect(s.reload.log.filter((l) => /IPVS: (add|set|remove|edit)/.test(l))).toHaveLength(1);
  });

  it('removes its services on SIGTERM and keeps the foreign one', () => {
    expect(s.exitCode).toBe(0);
    expect(withoutCounters(s.afterStop)).toBe(
      withoutCounters(
        'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  192.0.2.200:80 rr\n  -> 203.0.113.50:80              Masq    1      0          0         \n',
      ),
    );
  });
});
