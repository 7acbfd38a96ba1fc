import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIpv4Header } from '../../../src/net/ipv4-header.js';
import { buildGratuitousArp, parseMac } from '../../../src/net/arp.js';
import { parseIp, formatIp } from '../../../src/config/address.js';
import {
  decodeVrrp,
  encodeIpv4Advert,
  encodeVrrp,
  passwordAuthData,
  sameAuthData,
  type VrrpAdvert,
} from '../../../src/vrrp/packet.js';

interface Frame {
  name: string;
  frame?: string;
  vrrp?: string;
  src?: string;
  dst?: string;
  expect: Record<string, unknown>;
}
const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../fixtures/vrrp/keepalived-2.2.7-frames.json'), 'utf8')) as {
  frames: Frame[];
};
const frame = (name: string): Frame => fixture.frames.find((f) => f.name === name)!;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const ip = (s: string): Uint8Array => new Uint8Array(parseIp(s)!.bytes);
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** IPv4 frames: Ethernet header (14 bytes), then the IP packet. */
function ipv4Of(f: Frame): { packet: Uint8Array } {
  return { packet: hex(f.frame!).subarray(14) };
}

describe('VRRP codec against keepalived 2.2.7 captures', () => {
  it.each(['v3-ipv4-pseudo-header-checksum', 'v2-ipv4', 'v3-ipv4-advert-int-0.1'])('%s decodes and re-encodes byte for byte', (name) => {
    const f = frame(name);
    const { packet } = ipv4Of(f);
    const h = decodeIpv4Header(packet);
    if (!h.ok) throw new Error(h.reason);
    expect([h.header.ttl, h.header.tos, h.header.id, h.header.protocol]).toEqual([f.expect.ttl, f.expect.tos, f.expect.id, 112]);
    const d = decodeVrrp(h.payload, h.header);
    if (!d.ok) throw new Error(d.reason);
    expect(d.advert).toMatchObject({ version: f.expect.version, vrid: f.expect.vrid, priority: f.expect.priority, intervalCs: f.expect.intervalCs });
    expect(d.advert.addresses.map((a) => formatIp({ family: 'inet', bytes: [...a] }))).toEqual(f.expect.addresses);
    if (d.advert.version === 3) expect(d.checksumForm).toBe('pseudo-header');
    // our packet for the same advert, with keepalived's IP header fields, is the captured one
    const again = encodeIpv4Advert(d.advert, { src: h.header.src, dst: h.header.dst, ttl: 255, id: h.header.id });
    expect(toHex(again)).toBe(toHex(packet));
  });

  it('the priority-0 advert keepalived sends on SIGTERM', () => {
    const f = frame('v2-ipv4-priority-0-on-sigterm');
    const addrs = { src: ip(f.src!), dst: ip(f.dst!) };
    const d = decodeVrrp(hex(f.vrrp!), addrs);
    if (!d.ok) throw new Error(d.reason);
    expect(d.advert.priority).toBe(0);
    expect(toHex(encodeVrrp(d.advert, addrs))).toBe(f.vrrp);
  });

  it('VRRPv3 over IPv6: checksum over the IPv6 pseudo-header', () => {
    const f = frame('v3-ipv6');
    const packet = hex(f.frame!).subarray(14);
    const src = packet.slice(8, 24);
    const dst = packet.slice(24, 40);
    expect(packet[7]).toBe(255); // hop limit
    const msg = packet.subarray(40);
    const d = decodeVrrp(msg, { src, dst });
    if (!d.ok) throw new Error(d.reason);
    expect(d.advert.addresses.map((a) => formatIp({ family: 'inet6', bytes: [...a] }))).toEqual(['2001:db8::254']);
    expect(toHex(encodeVrrp(d.advert, { src, dst }))).toBe(toHex(msg));
  });

  it('gratuitous ARP frame', () => {
    const f = frame('gratuitous-arp');
    expect(toHex(buildGratuitousArp(parseMac(f.expect.mac as string)!, ip(f.expect.address as string)))).toBe(f.frame);
  });
});

const base: VrrpAdvert = {
  version: 3,
  vrid: 51,
  priority: 100,
  intervalCs: 100,
  addresses: [ip('192.0.2.100')],
  authType: 0,
  authData: new Uint8Array(0),
};
const v4 = { src: ip('192.0.2.11'), dst: ip('224.0.0.18') };

describe('VRRP codec', () => {
  it('VRRPv3 IPv4 checksum: pseudo-header by default, plain with v3_checksum_as_v2; both accepted', () => {
    const pseudo = encodeVrrp(base, v4);
    const plain = encodeVrrp(base, v4, { checksumAsV2: true });
    expect(toHex(pseudo)).not.toBe(toHex(plain));
    expect(decodeVrrp(pseudo, v4)).toMatchObject({ ok: true, checksumForm: 'pseudo-header' });
    expect(decodeVrrp(plain, v4)).toMatchObject({ ok: true, checksumForm: 'plain' });
    // the pseudo-header form depends on the destination: the same bytes to a unicast peer fail
    expect(decodeVrrp(pseudo, { src: v4.src, dst: ip('192.0.2.12') })).toMatchObject({ ok: false, failure: 'checksum' });
  });

  it('VRRPv2 password authentication data', () => {
    const a: VrrpAdvert = { ...base, version: 2, authType: 1, authData: passwordAuthData('secret12345') };
    const d = decodeVrrp(encodeVrrp(a, v4), v4);
    if (!d.ok) throw new Error(d.reason);
    expect(Buffer.from(d.advert.authData).toString()).toBe('secret12');
    expect(sameAuthData(d.advert.authData, passwordAuthData('secret12'))).toBe(true);
    expect(sameAuthData(d.advert.authData, passwordAuthData('secret13'))).toBe(false);
  });

  it.each([
    ['empty', '', 'too-short'],
    ['truncated header', '3133', 'too-short'],
    ['version 1', '1133640100640000c0000264', 'version'],
    ['type 2', '3233640100640000c0000264', 'type'],
    ['no address, wrong checksum', '3133640000640000', 'checksum'],
    ['count says 2, carries 1', '3133640200640000c0000264', 'length'],
    ['bad checksum', '3133640100641234c0000264', 'checksum'],
    // CARP (OpenBSD) also uses protocol 112 with version 2, type 1: 36 bytes that no VRRPv2 advert matches
    ['CARP advert', '2101000701000000' + '00'.repeat(28), 'length'],
  ])('rejects %s', (_what, bytes, failure) => {
    expect(decodeVrrp(hex(bytes), v4)).toMatchObject({ ok: false, failure });
  });

  it('an advert without addresses, as keepalived sends for an instance without VIPs', () => {
    const none: VrrpAdvert = { ...base, version: 3, addresses: [], authType: 0, authData: new Uint8Array(0) };
    const msg = encodeVrrp(none, v4);
    expect(msg.length).toBe(8);
    expect(decodeVrrp(msg, v4)).toMatchObject({ ok: true, advert: { addresses: [], vrid: none.vrid } });
  });

  it('rejects VRRPv2 over IPv6', () => {
    const v6 = { src: ip('fe80::1'), dst: ip('ff02::12') };
    const msg = encodeVrrp({ ...base, version: 2, addresses: [ip('2001:db8::1')], authData: new Uint8Array(8) }, v6);
    expect(decodeVrrp(msg, v6)).toMatchObject({ ok: false, failure: 'v2-over-ipv6' });
  });

  it('round-trips any advertisement, and never throws on damaged bytes', () => {
    const advert = fc.record({
      version: fc.constantFrom(2 as const, 3 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      seconds: fc.integer({ min: 1, max: 40 }),
      cs: fc.integer({ min: 1, max: 4095 }),
      addresses: fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 20 }),
      password: fc.string({ maxLength: 8 }),
      flip: fc.nat(),
    });
    fc.assert(
      fc.property(advert, (r) => {
        const a: VrrpAdvert = {
          version: r.version,
          vrid: r.vrid,
          priority: r.priority,
          intervalCs: r.version === 2 ? r.seconds * 100 : r.cs,
          addresses: r.addresses,
          authType: r.version === 2 ? 1 : 0,
          authData: r.version === 2 ? passwordAuthData(r.password) : new Uint8Array(0),
        };
        const bytes = encodeVrrp(a, v4);
        const d = decodeVrrp(bytes, v4);
        expect(d.ok && d.advert).toEqual(a);
        const damaged = bytes.slice();
        damaged[r.flip % damaged.length]! ^= 1 << r.flip % 8;
        const again = decodeVrrp(damaged, v4);
        // a single flipped bit never passes the checksum as the same advert
        expect(again.ok && toHex(encodeVrrp(again.advert, v4)) === toHex(bytes)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
