import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, Forward, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, SvcFlag, type IpvsDestEntry, type IpvsServiceEntry } from '../../../src/ipvs/codec.js';
import { formatTable, sortTable, tableJson } from '../../../src/ipvs/format.js';

const stats = { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0, cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
const svc = (more: Partial<IpvsServiceEntry>): IpvsServiceEntry => ({
  af: AF_INET,
  protocol: IPPROTO_TCP,
  address: '192.0.2.100',
  port: 80,
  fwmark: 0,
  scheduler: 'rr',
  flags: 0,
  timeout: 0,
  netmask: 32,
  peName: '',
  stats,
  ...more,
});
const dest = (address: string, more: Partial<IpvsDestEntry> = {}): IpvsDestEntry => ({
  address,
  port: 80,
  af: address.includes(':') ? AF_INET6 : AF_INET,
  forward: Forward.MASQ,
  weight: 1,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 0,
  tunnelPort: 0,
  tunnelFlags: 0,
  activeConns: 0,
  inactiveConns: 0,
  persistentConns: 0,
  stats,
  ...more,
});
const info = { version: 0x010201, connectionTableSize: 4096 };

describe('IPVS table in ipvsadm -Ln layout', () => {
  // ipvsadm's own output for tables like this one is compared with ours on a real kernel in
  // test/interop/ipvs-uml.test.ts; this pins the layout without one.
  const table = [
    { service: svc({ af: AF_INET6, address: '2001:db8::100', port: 443, scheduler: 'wrr', flags: SvcFlag.PERSISTENT, timeout: 600, netmask: 64 }), dests: [dest('2001:db8:1::21', { port: 443, weight: 5 })] },
    { service: svc({ protocol: 0, address: '0.0.0.0', port: 0, fwmark: 7 }), dests: [dest('203.0.113.26', { port: 0, forward: Forward.DROUTE, weight: 2 })] },
    { service: svc({ protocol: IPPROTO_SCTP, address: '192.0.2.44', port: 3868 }), dests: [dest('203.0.113.22', { port: 3868 })] },
    { service: svc({ protocol: IPPROTO_UDP, address: '192.0.2.43', port: 53, flags: SvcFlag.ONEPACKET }), dests: [dest('203.0.113.21', { port: 53, forward: Forward.DROUTE })] },
    { service: svc({ address: '192.0.2.42', scheduler: 'sh', flags: SvcFlag.SCHED1 | SvcFlag.SCHED2 | SvcFlag.PERSISTENT, timeout: 300, netmask: 24 }), dests: [] },
    {
      service: svc({ address: '192.0.2.40', scheduler: 'wlc' }),
      dests: [dest('203.0.113.23', { forward: Forward.TUNNEL, activeConns: 12, inactiveConns: 3 }), dest('203.0.113.21', { port: 8080, weight: 3 }), dest('203.0.113.21', { port: 80, forward: Forward.DROUTE, weight: 0 })],
    },
    { service: svc({ af: AF_INET6, protocol: 0, address: '::', port: 0, fwmark: 8, netmask: 128 }), dests: [dest('2001:db8:1::26', { port: 0, forward: Forward.DROUTE })] },
  ];

  it('orders services by fwmark, family, protocol, address and port, and destinations by address and port', () => {
    const order = sortTable(table).map((e) => (e.service.fwmark ? `FWM ${e.service.fwmark}` : `${e.service.protocol} ${e.service.address}`));
    expect(order).toEqual(['6 192.0.2.40', '6 192.0.2.42', '17 192.0.2.43', '132 192.0.2.44', '6 2001:db8::100', 'FWM 7', 'FWM 8']);
    expect(sortTable(table)[0]!.dests.map((d) => `${d.address}:${d.port}`)).toEqual(['203.0.113.21:80', '203.0.113.21:8080', '203.0.113.23:80']);
  });

  it('prints columns, flags, persistence and masks as ipvsadm does', () => {
    expect(formatTable(info, table)).toBe(
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  192.0.2.40:80 wlc',
        '  -> 203.0.113.21:80              Route   0      0          0         ',
        '  -> 203.0.113.21:8080            Masq    3      0          0         ',
        '  -> 203.0.113.23:80              Tunnel  1      12         3         ',
        'TCP  192.0.2.42:80 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0',
        'UDP  192.0.2.43:53 rr ops',
        '  -> 203.0.113.21:53              Route   1      0          0         ',
        'SCTP 192.0.2.44:3868 rr',
        '  -> 203.0.113.22:3868            Masq    1      0          0         ',
        'TCP  [2001:db8::100]:443 wrr persistent 600 mask 64',
        '  -> [2001:db8:1::21]:443         Masq    5      0          0         ',
        'FWM  7 rr',
        '  -> 203.0.113.26:0               Route   2      0          0         ',
        'FWM  8 IPv6 rr',
        '  -> [2001:db8:1::26]:0           Route   1      0          0         ',
        '',
      ].join('\n'),
    );
  });

  it('gives the same table as JSON with family and forwarding names', () => {
    const j = tableJson(info, table) as { version: string; services: { family: string; fwmark: number; dests: { forwardName: string }[] }[] };
    expect(j.version).toBe('1.2.1');
    expect(j.services).toHaveLength(7);
    expect(j.services.at(-1)).toMatchObject({ family: 'inet6', fwmark: 8, dests: [{ forwardName: 'Route' }] });
  });
});
