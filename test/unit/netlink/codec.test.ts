import { describe, expect, it } from 'vitest';
import {
  decodeAttributes,
  decodeError,
  decodeMessages,
  encodeAttributes,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_DONE,
} from '../../../src/netlink/codec.js';
import { addressPayload, AF_INET, decodeAddress, decodeLink, IFA_F_SECONDARY, RTM_NEWADDR } from '../../../src/netlink/rtnl.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('netlink codec', () => {
  it('encodes a header in host order, padded to 4 bytes', () => {
    const m = encodeMessage({ type: RTM_NEWADDR, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7, pid: 0, payload: Uint8Array.of(1, 2, 3) });
    // nlmsg_len 19 (not padded), type 20, flags 5, seq 7, pid 0, then the payload and one pad byte
    expect(hex(m)).toBe('13000000' + '1400' + '0500' + '07000000' + '00000000' + '010203' + '00');
  });

  it('splits a datagram into messages and stops at a malformed one', () => {
    const a = encodeMessage({ type: 16, flags: 2, seq: 1, pid: 9, payload: new Uint8Array(16) });
    const done = encodeMessage({ type: NLMSG_DONE, flags: 2, seq: 1, pid: 9, payload: new Uint8Array(4) });
    const bad = Uint8Array.of(0xff, 0, 0, 0, 1, 2);
    const ms = decodeMessages(Buffer.concat([a, done, bad]));
    expect(ms.map((m) => [m.type, m.seq, m.pid, m.payload.length])).toEqual([
      [16, 1, 9, 16],
      [NLMSG_DONE, 1, 9, 4],
    ]);
    expect(decodeMessages(new Uint8Array(3))).toEqual([]);
  });

  it('reads acknowledgements and errors', () => {
    expect(decodeError(Uint8Array.of(0, 0, 0, 0))).toBe(0);
    expect(decodeError(Uint8Array.of(0xef, 0xff, 0xff, 0xff))).toBe(-17); // EEXIST
    expect(decodeError(new Uint8Array(2))).toBe(-22);
  });

  it('round-trips attributes, padding each to 4 bytes', () => {
    const attrs = [
      { type: 2, data: Uint8Array.of(192, 0, 2, 100) },
      { type: 3, data: Buffer.from('eth0:vip\0') },
    ];
    const bytes = encodeAttributes(attrs);
    expect(bytes.length).toBe(8 + 16);
    expect(decodeAttributes(bytes).map((a) => [a.type, hex(a.data)])).toEqual(attrs.map((a) => [a.type, hex(a.data)]));
  });
});

describe('rtnetlink addresses and links', () => {
  it('builds RTM_NEWADDR like `ip addr add 192.0.2.100/24 brd 192.0.2.255 dev #2 label eth0:vip`', () => {
    const p = addressPayload({
      family: AF_INET,
      prefix: 24,
      scope: 0,
      ifindex: 2,
      local: Uint8Array.of(192, 0, 2, 100),
      broadcast: Uint8Array.of(192, 0, 2, 255),
      label: 'eth0:vip',
    });
    expect(hex(p.subarray(0, 8))).toBe('0218000002000000');
    expect(decodeAttributes(p.subarray(8)).map((a) => [a.type, hex(a.data)])).toEqual([
      [2, 'c0000264'], // IFA_LOCAL
      [1, 'c0000264'], // IFA_ADDRESS
      [4, 'c00002ff'], // IFA_BROADCAST
      [3, Buffer.from('eth0:vip\0').toString('hex')], // IFA_LABEL
    ]);
    const back = decodeAddress(p);
    expect(back).toMatchObject({ family: AF_INET, prefix: 24, ifindex: 2, label: 'eth0:vip' });
    expect([...back!.local!]).toEqual([192, 0, 2, 100]);
  });

  it('a delete request carries only the addresses', () => {
    const p = addressPayload({ family: AF_INET, prefix: 24, scope: 0, ifindex: 2, local: Uint8Array.of(192, 0, 2, 100), label: 'x' }, true);
    expect(decodeAttributes(p.subarray(8)).map((a) => a.type)).toEqual([2, 1]);
  });

  it('reads the secondary flag and link facts', () => {
    const p = addressPayload({ family: AF_INET, prefix: 24, scope: 0, ifindex: 3, local: Uint8Array.of(192, 0, 2, 5), flags: IFA_F_SECONDARY });
    expect(decodeAddress(p)!.flags & IFA_F_SECONDARY).toBe(IFA_F_SECONDARY);
    const link = Buffer.alloc(16);
    link.writeInt32LE(4, 4);
    link.writeUInt32LE(0x11043, 8);
    const attrs = encodeAttributes([
      { type: 3, data: Buffer.from('eth0\0') },
      { type: 1, data: Uint8Array.of(2, 0, 0, 0, 0, 1) },
      { type: 4, data: Uint8Array.of(0xdc, 5, 0, 0) },
    ]);
    expect(decodeLink(Buffer.concat([link, attrs]))).toMatchObject({ ifindex: 4, flags: 0x11043, name: 'eth0', mtu: 1500 });
    expect(decodeLink(new Uint8Array(8))).toBeNull();
    expect(decodeAddress(new Uint8Array(4))).toBeNull();
  });
});
