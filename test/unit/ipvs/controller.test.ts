/** The IPVS controller against an in-memory kernel that can refuse operations. */
import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';
import { IpvsController, type IpvsPort } from '../../../src/ipvs/controller.js';
import { destKey, serviceKey, type DestIdentity, type IpvsDest, type IpvsService, type IpvsTimeouts, type ServiceIdentity } from '../../../src/ipvs/codec.js';
import type { KernelService } from '../../../src/ipvs/reconcile.js';
import { silentLogger } from '../../../src/log.js';

const errno = (code: string): Error => Object.assign(new Error(code), { code });

class FakeKernel implements IpvsPort {
  services = new Map<string, { service: IpvsService; dests: Map<string, IpvsDest> }>();
  calls: string[] = [];
  refuse = new Map<string, string>(); // call text -> errno code, once
  timeoutsNow: IpvsTimeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  #do(call: string, f: () => void): Promise<unknown> {
    this.calls.push(call);
    const code = this.refuse.get(call);
    if (code) {
      this.refuse.delete(call);
      return Promise.reject(errno(code));
    }
    f();
    return Promise.resolve([]);
  }
  async table(): Promise<KernelService[]> {
    return [...this.services.values()].map((s) => ({ service: { ...s.service }, dests: [...s.dests.values()].map((d) => ({ ...d })) }));
  }
  addService(s: IpvsService) {
    return this.#do(`add-service ${serviceKey(s)}`, () => {
      if (this.services.has(serviceKey(s))) throw errno('EEXIST');
      this.services.set(serviceKey(s), { service: s, dests: new Map() });
    });
  }
  editService(s: IpvsService) {
    return this.#do(`edit-service ${serviceKey(s)}`, () => (this.services.get(serviceKey(s))!.service = s));
  }
  deleteService(s: ServiceIdentity) {
    return this.#do(`delete-service ${serviceKey(s)}`, () => this.services.delete(serviceKey(s)));
  }
  addDest(s: ServiceIdentity, d: IpvsDest) {
    return this.#do(`add-dest ${serviceKey(s)} ${destKey(d)}`, () => this.services.get(serviceKey(s))!.dests.set(destKey(d), d));
  }
  editDest(s: ServiceIdentity, d: IpvsDest) {
    return this.#do(`edit-dest ${serviceKey(s)} ${destKey(d)}`, () => this.services.get(serviceKey(s))!.dests.set(destKey(d), d));
  }
  deleteDest(s: ServiceIdentity, d: DestIdentity) {
    return this.#do(`delete-dest ${serviceKey(s)} ${destKey(d)}`, () => this.services.get(serviceKey(s))!.dests.delete(destKey(d)));
  }
  flush() {
    return this.#do('flush', () => this.services.clear());
  }
  async timeouts() {
    return { ...this.timeoutsNow };
  }
  setTimeouts(t: Partial<IpvsTimeouts>) {
    return this.#do(`timeouts ${t.tcp} ${t.tcpFin} ${t.udp}`, () => Object.assign(this.timeoutsNow, Object.fromEntries(Object.entries(t).filter(([, v]) => v))));
  }
}

const conf = (extraGlobal = '', weight = 3) => `
global_defs {
${extraGlobal}
}
virtual_server 192.0.2.100 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.21 8080 { weight ${weight} }
  real_server 198.51.100.22 8080 { weight 1 }
}
virtual_server 192.0.2.101 53 {
  lb_algo rr
  lb_kind DR
  protocol UDP
  real_server 198.51.100.31 53 { weight 1 }
}
`;
const config = (text: string) => parseText(text).config;

describe('IPVS controller', () => {
  it('programs the table at start, sets lvs_timeouts, and restores them and removes its services at stop', async () => {
    const k = new FakeKernel();
    const c = new IpvsController(config(conf('  lvs_timeouts tcp 7200 udp 60')), k, silentLogger());
    const report = await c.start();
    expect(report.applied).toMatchObject({ 'add-service': 2, 'add-dest': 3 });
    expect(k.calls[0]).toBe('timeouts 7200 0 60');
    expect(k.timeoutsNow).toEqual({ tcp: 7200, tcpFin: 120, udp: 60 });
    await c.stop();
    expect(k.services.size).toBe(0);
    expect(k.timeoutsNow).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    // keepalived's order: destinations first, then the service
    const tail = k.calls.slice(-6);
    expect(tail.filter((x) => x.startsWith('delete-dest'))).toHaveLength(3);
    expect(tail.indexOf('delete-service 2:6:192.0.2.100:80')).toBeGreaterThan(tail.indexOf('delete-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080'));
  });

  it('a reload that changes one weight sends exactly one SET_DEST', async () => {
    const k = new FakeKernel();
    const c = new IpvsController(config(conf()), k, silentLogger());
    await c.start();
    const before = k.calls.length;
    await c.reload(config(conf('', 5)));
    expect(k.calls.slice(before)).toEqual(['edit-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080']);
    await c.reload(config(conf('', 5)));
    expect(k.calls.length).toBe(before + 1);
  });

  describe('a health change of some virtual servers', () => {
    const setup = async () => {
      const k = new FakeKernel();
      let dumps = 0;
      const table = k.table.bind(k);
      k.table = () => (dumps++, table());
      const cfg = config(conf());
      const down = new Set<string>();
      const health = { alive: (_vs: unknown, rs: { ip: string }) => !down.has(rs.ip), weight: (_vs: unknown, rs: { weight: number }) => rs.weight };
      const c = new IpvsController(cfg, k, silentLogger(), health);
      await c.start();
      return { k, c, cfg, down, dumps: () => dumps, calls: () => k.calls.length };
    };

    it('changes only their destinations, without dumping the kernel table', async () => {
      const { k, c, cfg, down, dumps, calls } = await setup();
      const [before, dumped] = [calls(), dumps()];
      down.add('198.51.100.21');
      const r = await c.syncVirtualServers([cfg.virtual_server[0]!]);
      expect(k.calls.slice(before)).toEqual(['delete-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080']);
      expect(r.applied['delete-dest']).toBe(1);
      expect(dumps()).toBe(dumped);
      down.delete('198.51.100.21');
      await c.syncVirtualServers([cfg.virtual_server[0]!]);
      expect(k.calls.slice(before + 1)).toEqual(['add-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080']);
      // what the kernel has is what a full sync would program: it finds nothing to do
      expect(Object.values((await c.sync()).applied).every((n) => n === 0)).toBe(true);
    });

    it('coalesces the changes of one moment into one update', async () => {
      const { k, c, cfg, down, dumps, calls } = await setup();
      const before = calls();
      down.add('198.51.100.22');
      down.add('198.51.100.31');
      const reports = await Promise.all([c.syncVirtualServers([cfg.virtual_server[0]!]), c.syncVirtualServers([cfg.virtual_server[1]!]), c.syncVirtualServers([cfg.virtual_server[0]!])]);
      expect(k.calls.slice(before).sort()).toEqual(['delete-dest 2:17:192.0.2.101:53 2:198.51.100.31:53', 'delete-dest 2:6:192.0.2.100:80 2:198.51.100.22:8080']);
      expect(reports[0]).toBe(reports[1]);
      expect(dumps()).toBe(1);
    });

    it('falls back to a full sync (with a dump) when the kernel refuses a change', async () => {
      const { k, c, cfg, down, dumps } = await setup();
      // a refused delete (EPERM) makes the controller re-read the table; the full sync that follows
      // also puts back a destination someone removed behind its back
      k.services.get('2:6:192.0.2.100:80')!.dests.delete('2:198.51.100.21:8080');
      down.add('198.51.100.22');
      k.refuse.set('delete-dest 2:6:192.0.2.100:80 2:198.51.100.22:8080', 'EPERM');
      const dumped = dumps();
      const r = await c.syncVirtualServers([cfg.virtual_server[0]!]);
      expect(dumps()).toBeGreaterThan(dumped);
      expect(r.passes).toBe(2);
      // the full sync put back the dest removed behind our back and removed the one that is down
      expect([...k.services.get('2:6:192.0.2.100:80')!.dests.keys()]).toEqual(['2:198.51.100.21:8080']);
    });

    it('ignores virtual servers of a configuration no longer running', async () => {
      const { k, c, down, calls } = await setup();
      const before = calls();
      const old = config(conf()).virtual_server[0]!;
      down.add('198.51.100.21');
      await c.syncVirtualServers([old]);
      expect(k.calls.length).toBe(before);
    });
  });

  it('requests made during a sync share one more sync after it', async () => {
    const k = new FakeKernel();
    let dumps = 0;
    const table = k.table.bind(k);
    k.table = () => (dumps++, table());
    const c = new IpvsController(config(conf()), k, silentLogger());
    await c.start();
    dumps = 0;
    const reports = await Promise.all(Array.from({ length: 10 }, () => c.sync()));
    expect(dumps).toBe(2);
    expect(reports.every((r) => Object.values(r.applied).every((n) => n === 0))).toBe(true);
  });

  it('keeps going when the kernel refuses: logs, re-reads the table and retries once', async () => {
    const k = new FakeKernel();
    k.refuse.set('add-service 2:17:192.0.2.101:53', 'ENOENT'); // e.g. scheduler module missing, once
    const c = new IpvsController(config(conf()), k, silentLogger());
    const report = await c.start();
    expect(report.passes).toBe(2);
    expect(report.failed).toBe(0);
    expect(k.services.size).toBe(2);
    // a refusal that persists is reported, and the other services are still programmed
    const k2 = new FakeKernel();
    k2.refuse.set('add-service 2:17:192.0.2.101:53', 'EINVAL');
    const again = 'add-service 2:17:192.0.2.101:53';
    const c2 = new IpvsController(config(conf()), k2, silentLogger());
    const origAdd = k2.addService.bind(k2);
    k2.addService = (s) => (serviceKey(s) === '2:17:192.0.2.101:53' ? (k2.calls.push(again), Promise.reject(errno('EINVAL'))) : origAdd(s));
    const r2 = await c2.start();
    expect(r2.failed).toBeGreaterThan(0);
    expect([...k2.services.keys()]).toEqual(['2:6:192.0.2.100:80']);
  });

  it('tolerates what keepalived tolerates: EEXIST on add, ENOENT on delete, ENOENT on edit becomes an add', async () => {
    const k = new FakeKernel();
    const c = new IpvsController(config(conf()), k, silentLogger());
    await c.start();
    k.refuse.set('edit-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080', 'ENOENT');
    const r = await c.reload(config(conf('', 4)));
    expect(r.passes).toBe(1);
    expect(k.calls.slice(-2)).toEqual(['edit-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080', 'add-dest 2:6:192.0.2.100:80 2:198.51.100.21:8080']);
    expect(k.services.get('2:6:192.0.2.100:80')!.dests.get('2:198.51.100.21:8080')!.weight).toBe(4);
  });

  it('lvs_flush flushes first; lvs_flush_on_stop flushes at the end; -I leaves the table', async () => {
    const k = new FakeKernel();
    const c = new IpvsController(config(conf('  lvs_flush\n  lvs_flush_on_stop')), k, silentLogger());
    await c.start();
    expect(k.calls[0]).toBe('flush');
    await c.stop();
    expect(k.calls.at(-1)).toBe('flush');
    const k2 = new FakeKernel();
    const c2 = new IpvsController(config(conf()), k2, silentLogger());
    await c2.start();
    const n = k2.calls.length;
    await c2.stop(true);
    expect(k2.calls.length).toBe(n);
    expect(k2.services.size).toBe(2);
  });
});
