import { describe, expect, it } from 'vitest';
import {
  addressOfSockaddr,
  ipMreqn,
  parseControlMessages,
  parseInPktinfo,
  parseTimespecUs,
  sockaddrIn,
  sockaddrLl,
  sockaddrNl,
} from '../../../src/net/sockaddr.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function cmsg(level: number, type: number, data: Uint8Array): Buffer {
  const len = 16 + data.length;
  const b = Buffer.alloc((len + 7) & ~7);
  b.writeBigUInt64LE(BigInt(len), 0);
  b.writeInt32LE(level, 8);
  b.writeInt32LE(type, 12);
  Buffer.from(data).copy(b, 16);
  return b;
}

describe('socket addresses', () => {
  it('lays out sockaddr_in, sockaddr_ll, sockaddr_nl and ip_mreqn as the kernel reads them', () => {
    expect(hex(sockaddrIn(Uint8Array.of(224, 0, 0, 18)))).toBe('02000000e0000012' + '0000000000000000');
    expect(hex(sockaddrLl(3, 0x0806, Uint8Array.of(255, 255, 255, 255, 255, 255)))).toBe('1100' + '0806' + '03000000' + '0100' + '00' + '06' + 'ffffffffffff0000');
    expect(hex(sockaddrNl())).toBe('100000000000000000000000');
    expect(hex(ipMreqn(Uint8Array.of(224, 0, 0, 18), 2))).toBe('e0000012' + '00000000' + '02000000');
    expect([...addressOfSockaddr(sockaddrIn(Uint8Array.of(192, 0, 2, 1)))!]).toEqual([192, 0, 2, 1]);
    expect(addressOfSockaddr(new Uint8Array(4))).toBeNull();
  });

  it('parses control messages: IP_PKTINFO and SO_TIMESTAMPNS', () => {
    const pktinfo = Buffer.alloc(12);
    pktinfo.writeInt32LE(2, 0);
    Buffer.from([192, 0, 2, 12]).copy(pktinfo, 4);
    Buffer.from([224, 0, 0, 18]).copy(pktinfo, 8);
    const ts = Buffer.alloc(16);
    ts.writeBigInt64LE(1_795_000_000n, 0);
    ts.writeBigInt64LE(123_456_789n, 8);
    const control = Buffer.concat([cmsg(0, 8, pktinfo), cmsg(1, 35, ts)]);
    const ms = parseControlMessages(control);
    expect(ms.map((m) => [m.level, m.type, m.data.length])).toEqual([
      [0, 8, 12],
      [1, 35, 16],
    ]);
    const info = parseInPktinfo(ms[0]!.data)!;
    expect([info.ifindex, [...info.dst]]).toEqual([2, [224, 0, 0, 18]]);
    expect(parseTimespecUs(ms[1]!.data)).toBe(1_795_000_000_123_456.789);
  });

  it('ignores a truncated or malformed control buffer', () => {
    expect(parseControlMessages(new Uint8Array(10))).toEqual([]);
    const bad = cmsg(0, 8, new Uint8Array(12));
    bad.writeBigUInt64LE(400n, 0);
    expect(parseControlMessages(bad)).toEqual([]);
    expect(parseInPktinfo(new Uint8Array(4))).toBeNull();
    expect(parseTimespecUs(new Uint8Array(8))).toBeNull();
  });
});
