/**
 * IPVS generic-netlink codec: golden bytes derived by hand from include/uapi/linux/ip_vs.h
 * (attribute numbers, host-order u16/u32, network-order ports, 16-byte addresses, 4-byte
 * alignment) and round trips of every service and destination shape.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AF_INET,
  AF_INET6,
  decodeConfigReply,
  decodeDaemonReply,
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeFlush,
  encodeGetDests,
  encodeGetInfo,
  encodeGetService,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeSetConfig,
  encodeSetDest,
  encodeSetService,
  formatInetAddr,
  Forward,
  inetAddr,
  IpvsCmd,
  SvcFlag,
  TunnelType,
  type IpvsDest,
  type IpvsService,
} from '../../../src/ipvs/codec.js';
import { decodeFamily, getFamilyRequest } from '../../../src/netlink/genl.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

const web: IpvsService = {
  af: AF_INET,
  protocol: 6,
  address: '192.0.2.100',
  port: 80,
  fwmark: 0,
  scheduler: 'wlc',
  flags: 0,
  timeout: 0,
  netmask: 32,
  peName: '',
};
const rs: IpvsDest = {
  address: '192.0.2.21',
  port: 8080,
  af: AF_INET,
  forward: Forward.MASQ,
  weight: 3,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 0,
  tunnelPort: 0,
  tunnelFlags: 0,
};

// the service identity nest's content: AF, PROTOCOL, ADDR (16 bytes), PORT (network order)
const identity = `
  06000100 02000000
  06000200 06000000
  14000300 c0000264 00000000 00000000 00000000
  06000400 00500000`;

describe('IPVS codec: golden bytes', () => {
  it('resolves the family by name with CTRL_CMD_GETFAMILY', () => {
    expect(hex(getFamilyRequest('IPVS'))).toBe('03010000' + '09000200' + '49505653' + '00000000');
    // the controller's reply: FAMILY_ID u16, FAMILY_NAME, VERSION u32
    const reply = bytes('01020000 06000100 23000000 09000200 49505653 00000000 08000300 01000000');
    expect(decodeFamily(reply)).toEqual({ id: 0x23, name: 'IPVS', version: 1, maxAttribute: 0 });
  });

  it('NEW_SERVICE for TCP 192.0.2.100:80 wlc', () => {
    expect(hex(encodeNewService(web))).toBe(
      hex(
        bytes(`01010000 54000180 ${identity}
          08000600 776c6300
          0c000700 00000000 ffffffff
          08000800 00000000
          08000900 ffffffff`),
      ),
    );
  });

  it('SET_SERVICE with persistence 300 s, granularity /24, sh-port and a persistence engine', () => {
    const s = { ...web, scheduler: 'sh', flags: SvcFlag.PERSISTENT | SvcFlag.SCHED2, timeout: 300, netmask: 24, peName: 'sip' };
    expect(hex(encodeSetService(s))).toBe(
      hex(
        bytes(`02010000 5c000180 ${identity}
          07000600 73680000
          08000b00 73697000
          0c000700 11000000 ffffffff
          08000800 2c010000
          08000900 ffffff00`),
      ),
    );
  });

  it('DEL_SERVICE and GET_DEST carry only the identity; a fwmark service is AF + FWMARK', () => {
    expect(hex(encodeDelService(web))).toBe(hex(bytes(`03010000 30000180 ${identity}`)));
    expect(hex(encodeGetDests(web))).toBe(hex(bytes(`08010000 30000180 ${identity}`)));
    expect(hex(encodeDelService({ af: AF_INET6, protocol: 0, address: '::', port: 0, fwmark: 7 }))).toBe('03010000' + '14000180' + '06000100 0a000000'.replace(/ /g, '') + '08000500 07000000'.replace(/ /g, ''));
  });

  it('NEW_DEST: service identity, then ADDR_FAMILY, ADDR, PORT, FWD_METHOD, WEIGHT, U_THRESH, L_THRESH', () => {
    expect(hex(encodeNewDest(web, rs))).toBe(
      hex(
        bytes(`05010000 30000180 ${identity}
          48000280
          06000b00 02000000
          14000100 c0000215 00000000 00000000 00000000
          06000200 1f900000
          08000300 00000000
          08000400 03000000
          08000500 00000000
          08000600 00000000`),
      ),
    );
  });

  it('SET_DEST for a GUE tunnel adds TUN_TYPE, TUN_PORT (network order) and TUN_FLAGS', () => {
    const gue = { ...rs, port: 80, forward: Forward.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6081, tunnelFlags: 1, weight: 1, upperThreshold: 100, lowerThreshold: 10 };
    expect(hex(encodeSetDest(web, gue))).toBe(
      hex(
        bytes(`06010000 30000180 ${identity}
          60000280
          06000b00 02000000
          14000100 c0000215 00000000 00000000 00000000
          06000200 00500000
          08000300 02000000
          08000400 01000000
          05000d00 01000000
          06000e00 17c10000
          06000f00 01000000
          08000500 64000000
          08000600 0a000000`),
      ),
    );
  });

  it('DEL_DEST: identities only', () => {
    expect(hex(encodeDelDest(web, rs))).toBe(
      hex(bytes(`07010000 30000180 ${identity} 28000280 06000b00 02000000 14000100 c0000215 00000000 00000000 00000000 06000200 1f900000`)),
    );
  });

  it('table-wide commands, timeouts and sync daemons', () => {
    expect(hex(encodeGetService())).toBe('04010000');
    expect(hex(encodeGetInfo())).toBe('0f010000');
    expect(hex(encodeFlush())).toBe('11010000');
    expect(hex(encodeSetConfig({ tcp: 900, tcpFin: 120, udp: 300 }))).toBe(hex(bytes('0c010000 08000400 84030000 08000500 78000000 08000600 2c010000')));
    expect(hex(encodeNewDaemon({ state: 1, interface: 'eth0', syncId: 51, group: '224.0.0.81', port: 8848, ttl: 1 }))).toBe(
      hex(bytes('09010000 38000380 08000100 01000000 09000200 65746830 00000000 08000300 33000000 08000500 e0000051 06000700 90220000 05000800 01000000')),
    );
    expect(hex(encodeDelDaemon(2, 51))).toBe(hex(bytes('0a010000 14000380 08000100 02000000 08000300 33000000')));
  });
});

describe('IPVS codec: decoding the kernel', () => {
  it('a service dump part, with HASHED cleared and 64-bit stats', () => {
    const reply = bytes(`04010000 88000180 ${identity}
      08000600 776c6300
      0c000700 03000000 ffffffff
      08000800 2c010000
      08000900 ffffff00
      34000c80 0c000100 05000000 00000000 0c000200 00000000 01000000 0c000300 07000000 00000000 0c000400 00000000 00000000`);
    const s = decodeServiceReply(reply);
    expect(s).toMatchObject({ ...web, flags: SvcFlag.PERSISTENT, timeout: 300, netmask: 24 });
    expect(s?.stats).toMatchObject({ conns: 5, inpkts: 2 ** 32, outpkts: 7, inbytes: 0 });
  });

  it('a destination dump part, with connection counts', () => {
    const reply = bytes(`08010000 4c000280
      14000100 c0000215 00000000 00000000 00000000
      06000200 1f900000
      08000300 03000000
      08000400 05000000
      08000700 02000000
      08000800 09000000
      08000900 00000000
      06000b00 02000000`);
    expect(decodeDestReply(reply, AF_INET)).toMatchObject({ address: '192.0.2.21', port: 8080, forward: Forward.DROUTE, weight: 5, activeConns: 2, inactiveConns: 9 });
  });

  it('info, timeouts and daemons', () => {
    expect(decodeInfoReply(bytes('0f010000 08000100 01020100 08000200 00100000'))).toEqual({ version: 0x010201, connectionTableSize: 4096 });
    expect(decodeConfigReply(bytes('0d010000 08000400 84030000 08000500 78000000 08000600 2c010000'))).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    const daemon = encodeNewDaemon({ state: 2, interface: 'eth1', syncId: 9, maxLength: 1472, group: 'ff02::81', port: 8848, ttl: 2 });
    expect(decodeDaemonReply(daemon)).toEqual({ state: 2, interface: 'eth1', syncId: 9, maxLength: 1472, group: 'ff02::81', port: 8848, ttl: 2 });
  });

  it('drops what it cannot read instead of throwing', () => {
    expect(decodeServiceReply(new Uint8Array(3))).toBeNull();
    expect(decodeServiceReply(bytes('04010000 0c000180 06000100 02000000'))).toBeNull(); // AF only
    expect(decodeDestReply(bytes('08010000 ff000280 0000'), AF_INET)).toBeNull();
    expect(decodeInfoReply(bytes('0f010000'))).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        decodeServiceReply(b);
        decodeDestReply(b, AF_INET6);
        decodeDaemonReply(b);
        decodeConfigReply(b);
        return true;
      }),
    );
  });

  it('formats addresses as the kernel stores them', () => {
    expect(formatInetAddr(AF_INET6, inetAddr('2001:db8::1'))).toBe('2001:db8::1');
    expect(formatInetAddr(AF_INET6, inetAddr('2001:db8:0:1:0:0:0:1'))).toBe('2001:db8:0:1::1');
    expect(formatInetAddr(AF_INET6, inetAddr('::ffff:192.0.2.1'))).toBe('::ffff:c000:201');
    expect(formatInetAddr(AF_INET, inetAddr('203.0.113.9'))).toBe('203.0.113.9');
    expect(() => inetAddr('not-an-address')).toThrow(/not an IP address/);
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => formatInetAddr(AF_INET6, Uint8Array.from(g.flatMap((n) => [n >> 8, n & 0xff]))));
const service = fc.oneof(fc.constant(AF_INET), fc.constant(AF_INET6)).chain((af) =>
  fc.record({
    af: fc.constant(af),
    fwmark: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffffffff })),
    protocol: fc.constantFrom(6, 17, 132),
    address: af === AF_INET ? ipv4 : ipv6,
    port: fc.nat(65535),
    scheduler: fc.constantFrom('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'),
    flags: fc.integer({ min: 0, max: 0x3f }).map((f) => f & ~SvcFlag.HASHED),
    timeout: fc.nat(2678400),
    netmask: fc.integer({ min: 1, max: af === AF_INET ? 32 : 128 }),
    peName: fc.constantFrom('', 'sip'),
  }),
);

describe('IPVS codec: round trips', () => {
  it('every service shape survives encode → decode', () => {
    fc.assert(
      fc.property(service, (s) => {
        const expected = s.fwmark ? { ...s, protocol: 0, address: s.af === AF_INET ? '0.0.0.0' : '::', port: 0 } : s;
        const back = decodeServiceReply(encodeNewService(s));
        expect(back).toMatchObject(expected);
        return back?.stats.conns === 0;
      }),
    );
  });

  it('every destination shape survives encode → decode', () => {
    const dest = fc.oneof(fc.constant(AF_INET), fc.constant(AF_INET6)).chain((af) =>
      fc.record({
        af: fc.constant(af),
        address: af === AF_INET ? ipv4 : ipv6,
        port: fc.nat(65535),
        forward: fc.constantFrom(0, 2, 3),
        weight: fc.nat(0x7fffffff),
        upperThreshold: fc.nat(),
        lowerThreshold: fc.nat(),
        tunnelType: fc.constantFrom(0, 1, 2),
        tunnelPort: fc.nat(65535),
        tunnelFlags: fc.constantFrom(0, 1, 2),
      }),
    );
    fc.assert(
      fc.property(service, dest, (s, d) => {
        const back = decodeDestReply(encodeNewDest(s, d).subarray(0), s.af);
        // the request carries the service nest first; the reply reader takes the DEST nest
        const tunnel = d.forward === Forward.TUNNEL;
        expect(back).toMatchObject({
          ...d,
          tunnelType: tunnel ? d.tunnelType : 0,
          tunnelPort: tunnel && d.tunnelType === TunnelType.GUE ? d.tunnelPort : 0,
          tunnelFlags: tunnel && d.tunnelType !== TunnelType.IPIP ? d.tunnelFlags : 0,
        });
        return true;
      }),
    );
  });

  it('command numbers are the uapi values', () => {
    expect(IpvsCmd).toMatchObject({ NEW_SERVICE: 1, SET_SERVICE: 2, DEL_SERVICE: 3, GET_SERVICE: 4, NEW_DEST: 5, SET_DEST: 6, DEL_DEST: 7, GET_DEST: 8, NEW_DAEMON: 9, DEL_DAEMON: 10, GET_DAEMON: 11, SET_CONFIG: 12, GET_CONFIG: 13, GET_INFO: 15, ZERO: 16, FLUSH: 17 });
  });
});
