/**
 * The desired IPVS table from keepalived.conf, and the reconciler's operations against
 * kernel tables in arbitrary states.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseText } from '../../helpers/config.js';
import { desiredTable, rangeAddresses, type DesiredTable } from '../../../src/ipvs/desired.js';
import { reconcile, type KernelService } from '../../../src/ipvs/reconcile.js';
import { AF_INET, AF_INET6, destKey, Forward, serviceKey, SvcFlag, TunnelType, type IpvsDest } from '../../../src/ipvs/codec.js';

const conf = `
virtual_server 192.0.2.100 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  persistence_timeout 300
  persistence_granularity 255.255.255.0
  real_server 198.51.100.21 8080 { weight 3 }
  real_server 198.51.100.22 8080 { weight 1
    uthreshold 100
    lthreshold 10 }
}
virtual_server fwmark 7 {
  lvs_sched sh
  sh-port
  sh-fallback
  lvs_method DR
  real_server 198.51.100.31 { weight 2 }
}
virtual_server_group web6 {
  2001:db8::10-12 443
  fwmark 9
}
virtual_server group web6 {
  lvs_sched rr
  lvs_method TUN type gue port 6081 csum
  protocol TCP
  real_server 2001:db8:1::21 443 { }
}
`;

function table(text = conf): DesiredTable {
  const r = parseText(text);
  // keepalived 2.2.7 says so too: a tunnelled real server of a group with a fwmark has a port
  expect(r.diagnostics.filter((d) => d.grade > 1).map((d) => d.message)).toEqual([
    'WARNING - fwmark virtual server [web6]:0, real server [2001:db8:1::21]:tcp:443 has port specified - port will be ignored',
  ]);
  return desiredTable(r.config).table;
}

describe('desired IPVS table', () => {
  it('maps virtual servers, fwmarks and groups to services and destinations', () => {
    const t = table();
    expect([...t.keys()]).toEqual(['2:6:192.0.2.100:80', 'fwm:2:7', '10:6:2001:db8::10:443', '10:6:2001:db8::11:443', '10:6:2001:db8::12:443', 'fwm:10:9']);
    const web = t.get('2:6:192.0.2.100:80')!;
    expect(web.service).toEqual({ af: AF_INET, protocol: 6, address: '192.0.2.100', port: 80, fwmark: 0, scheduler: 'wrr', flags: SvcFlag.PERSISTENT, timeout: 300, netmask: 24, peName: '' });
    expect([...web.dests.values()].map((d) => [d.address, d.port, d.forward, d.weight, d.upperThreshold, d.lowerThreshold])).toEqual([
      ['198.51.100.21', 8080, Forward.MASQ, 3, 0, 0],
      ['198.51.100.22', 8080, Forward.MASQ, 1, 100, 10],
    ]);
    const fwm = t.get('fwm:2:7')!;
    expect(fwm.service).toMatchObject({ fwmark: 7, scheduler: 'sh', flags: SvcFlag.SCHED1 | SvcFlag.SCHED2 });
    // DR to a fwmark service: port 0
    expect([...fwm.dests.values()].map((d) => [d.address, d.port, d.forward])).toEqual([['198.51.100.31', 0, Forward.DROUTE]]);
    const tun = t.get('10:6:2001:db8::11:443')!;
    expect([...tun.dests.values()]).toEqual([
      { address: '2001:db8:1::21', port: 443, af: AF_INET6, forward: Forward.TUNNEL, weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: TunnelType.GUE, tunnelPort: 6081, tunnelFlags: 1 },
    ]);
    expect(t.get('fwm:10:9')!.origin).toBe('[web6]:0');
  });

  it('expands group ranges and prefixes', () => {
    expect(rangeAddresses({ ip: '192.0.2.250', range_end: 252 })).toEqual(['192.0.2.250', '192.0.2.251', '192.0.2.252']);
    expect(rangeAddresses({ ip: '192.0.2.4', prefix: 30 })).toEqual(['192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.7']);
    expect(rangeAddresses({ ip: '2001:db8::fffe', range_end: 0xffff })).toEqual(['2001:db8::fffe', '2001:db8::ffff']);
  });

  it('follows the health checks: dead servers removed or inhibited at weight 0, the sorry server when the quorum is lost', () => {
    const text = `
virtual_server 192.0.2.100 80 {
  lb_kind DR
  protocol TCP
  quorum 3
  sorry_server 203.0.113.9 8080
  real_server 198.51.100.21 80 { weight 2 }
  real_server 198.51.100.22 80 { weight 2
    inhibit_on_failure }
}`;
    const r = parseText(text);
    const vs = r.config.virtual_server;
    const dead = (ip: string) => ({ alive: (_v: unknown, rs: { ip: string }) => rs.ip !== ip, weight: (_v: unknown, rs: { weight: number }) => rs.weight });
    const weights = (h: Parameters<typeof desiredTable>[1]) =>
      [...desiredTable(r.config, h).table.get('2:6:192.0.2.100:80')!.dests.values()].map((d) => `${d.address}:${d.port}=${d.weight}`);
    expect(weights(dead('none'))).toEqual(['198.51.100.21:80=2', '198.51.100.22:80=2']);
    // 2 < quorum 3: only the sorry server (DR: on the service's port), weight 1
    expect(weights(dead('198.51.100.21'))).toEqual(['203.0.113.9:80=1']);
    expect(weights({ ...dead('198.51.100.22'), quorumUp: () => true })).toEqual(['198.51.100.21:80=2', '198.51.100.22:80=0']);
    expect(vs).toHaveLength(1);
  });
});

const dest = (address: string, weight: number, forward: number = Forward.MASQ): IpvsDest => ({
  address,
  port: 8080,
  af: AF_INET,
  forward,
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 0,
  tunnelPort: 0,
  tunnelFlags: 0,
});

function kernelOf(t: DesiredTable): KernelService[] {
  return [...t.values()].map((d) => ({ service: { ...d.service }, dests: [...d.dests.values()].map((x) => ({ ...x })) }));
}

/** Apply operations to an in-memory kernel, as the kernel would. */
function applyOps(kernel: KernelService[], ops: ReturnType<typeof reconcile>): KernelService[] {
  const m = new Map(kernel.map((k) => [serviceKey(k.service), { service: { ...k.service }, dests: new Map(k.dests.map((d) => [destKey(d), d])) }]));
  for (const op of ops) {
    const key = serviceKey(op.service);
    if (op.op === 'add-service') m.set(key, { service: op.service, dests: new Map() });
    else if (op.op === 'edit-service') m.get(key)!.service = op.service;
    else if (op.op === 'delete-service') m.delete(key);
    else if (op.op === 'delete-dest') m.get(key)!.dests.delete(destKey(op.dest));
    else m.get(key)!.dests.set(destKey(op.dest), op.dest);
  }
  return [...m.values()].map((v) => ({ service: v.service, dests: [...v.dests.values()] }));
}

describe('reconciler', () => {
  it('adopts a kernel that already matches: no operation at all', () => {
    const t = table();
    expect(reconcile(t, kernelOf(t))).toEqual([]);
  });

  it('adds what is missing, fixes what differs, removes extra destinations, and leaves foreign services alone', () => {
    const t = table();
    const kernel = kernelOf(t);
    const web = kernel[0]!;
    web.service.scheduler = 'rr';
    web.dests[0]!.weight = 9; // wrong weight
    web.dests.splice(1, 1); // missing dest
    web.dests.push(dest('198.51.100.99', 1)); // extra dest
    kernel.splice(1, 1); // missing service (fwmark 7)
    const foreign = { service: { ...web.service, address: '192.0.2.200' }, dests: [dest('198.51.100.50', 1)] };
    kernel.push(foreign);
    const ops = reconcile(t, kernel);
    expect(ops.map((o) => `${o.op} ${serviceKey(o.service)}${'dest' in o ? ` ${o.dest.address} ${o.dest.weight}` : ''}`)).toEqual([
      'edit-service 2:6:192.0.2.100:80',
      'add-service fwm:2:7',
      'edit-dest 2:6:192.0.2.100:80 198.51.100.21 3',
      'add-dest 2:6:192.0.2.100:80 198.51.100.22 1',
      'add-dest fwm:2:7 198.51.100.31 2',
      'delete-dest 2:6:192.0.2.100:80 198.51.100.99 1',
    ]);
    const after = applyOps(kernel, ops);
    expect(reconcile(t, after)).toEqual([]);
    expect(after.find((k) => k.service.address === '192.0.2.200')).toEqual(foreign);
  });

  it('on reload removes only the services the old configuration owned and the new one dropped', () => {
    const before = table();
    const after = table(conf.replace(/virtual_server fwmark 7 \{[^}]*\{[^}]*\}\n\}/, ''));
    expect(after.has('fwm:2:7')).toBe(false);
    const kernel = kernelOf(before);
    const ops = reconcile(after, kernel, new Set(before.keys()));
    expect(ops).toEqual([{ op: 'delete-service', service: before.get('fwm:2:7')!.service }]);
  });

  it('converges in one pass from any kernel state', () => {
    const t = table();
    const services = [...t.values()].map((d) => d.service);
    const state = fc.array(
      fc.record({
        pick: fc.nat(services.length - 1),
        scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh'),
        dests: fc.array(fc.record({ host: fc.integer({ min: 20, max: 35 }), weight: fc.nat(5), forward: fc.constantFrom(0, 2, 3) }), { maxLength: 5 }),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(state, (entries) => {
        const kernel = new Map<string, KernelService>();
        for (const e of entries) {
          const service = { ...services[e.pick]!, scheduler: e.scheduler };
          const dests = new Map(e.dests.map((d) => dest(`198.51.100.${d.host}`, d.weight, d.forward)).map((d) => [destKey(d), d]));
          kernel.set(serviceKey(service), { service, dests: [...dests.values()] });
        }
        const ops = reconcile(t, [...kernel.values()]);
        return reconcile(t, applyOps([...kernel.values()], ops)).length === 0;
      }),
    );
  });
});
