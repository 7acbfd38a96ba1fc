import { describe, expect, it } from 'vitest';
import { encodeIpv4Header } from '../../../src/net/ipv4-header.js';
import { filterIpv4Advert, vridOfIpv4Packet, type Expectations } from '../../../src/vrrp/receive-filter.js';
import { encodeIpv4Advert, passwordAuthData, VrrpGroupV4, type VrrpAdvert } from '../../../src/vrrp/packet.js';

const peer = Uint8Array.of(192, 0, 2, 12);
const ours = Uint8Array.of(192, 0, 2, 11);
const vip = Uint8Array.of(192, 0, 2, 100);
const expect2: Expectations = {
  version: 2,
  intervalCs: 100,
  authType: 1,
  authData: passwordAuthData('secret'),
  group: VrrpGroupV4,
  ownAddress: ours,
  ifindex: 2,
  addresses: [vip],
};
const advert: VrrpAdvert = { version: 2, vrid: 51, priority: 150, intervalCs: 100, addresses: [vip], authType: 1, authData: passwordAuthData('secret') };
const packet = (a: Partial<VrrpAdvert> = {}, ip: { ttl?: number; src?: Uint8Array; dst?: Uint8Array } = {}): Uint8Array =>
  encodeIpv4Advert({ ...advert, ...a }, { src: ip.src ?? peer, dst: ip.dst ?? VrrpGroupV4, ttl: ip.ttl ?? 255, id: 7 });

describe('receive filter', () => {
  it('accepts a matching advert', () => {
    const r = filterIpv4Advert(packet(), 2, expect2);
    expect(r).toMatchObject({ ok: true, addressMismatch: false });
    expect(vridOfIpv4Packet(packet())).toBe(51);
  });

  it.each([
    ['TTL 254', packet({}, { ttl: 254 }), 'ttl'],
    ['VRRPv3 to a v2 instance', packet({ version: 3, authType: 0, authData: new Uint8Array(0) }), 'version'],
    ['no authentication', packet({ authType: 0, authData: new Uint8Array(8) }), 'auth-type'],
    ['wrong password', packet({ authData: passwordAuthData('guess') }), 'auth'],
    ['other interval', packet({ intervalCs: 200 }), 'interval'],
    ['unicast destination', packet({}, { dst: ours }), 'destination'],
    ['our own advert', packet({}, { src: ours }), 'own-packet'],
    ['truncated', packet().subarray(0, 30), 'ip-header'],
    ['not VRRP', encodeIpv4Header({ tos: 0, totalLength: 20, id: 1, fragment: 0, ttl: 255, protocol: 6, src: peer, dst: VrrpGroupV4 }), 'not-vrrp'],
  ])('drops %s', (_what, bytes, reason) => {
    expect(filterIpv4Advert(bytes, 2, expect2)).toMatchObject({ ok: false, reason });
  });

  it('drops a packet whose checksum is damaged', () => {
    const bad = packet();
    bad[bad.length - 1]! ^= 0xff;
    expect(filterIpv4Advert(bad, 2, expect2)).toMatchObject({ ok: false, reason: 'checksum' });
  });

  it('drops a packet from another interface', () => {
    expect(filterIpv4Advert(packet(), 3, expect2)).toMatchObject({ ok: false, reason: 'wrong-interface' });
  });

  it('accepts, flagged, an advert listing other addresses', () => {
    expect(filterIpv4Advert(packet({ addresses: [Uint8Array.of(192, 0, 2, 101)] }), 2, expect2)).toMatchObject({ ok: true, addressMismatch: true });
  });

  it('unicast: no TTL rule unless the peer has one, optional source check, no multicast', () => {
    const uni: Expectations = {
      ...expect2,
      group: null,
      unicastPeers: [{ address: peer, minTtl: 250, maxTtl: 255 }],
      checkUnicastSource: true,
    };
    expect(filterIpv4Advert(packet({}, { dst: ours, ttl: 252 }), 2, uni)).toMatchObject({ ok: true });
    expect(filterIpv4Advert(packet({}, { dst: ours, ttl: 64 }), 2, uni)).toMatchObject({ ok: false, reason: 'unicast-ttl' });
    const stranger = Uint8Array.of(192, 0, 2, 99);
    expect(filterIpv4Advert(packet({}, { dst: ours, src: stranger }), 2, uni)).toMatchObject({ ok: false, reason: 'unicast-source' });
    expect(filterIpv4Advert(packet({}, { dst: ours, src: stranger }), 2, { ...uni, checkUnicastSource: false })).toMatchObject({ ok: true });
    expect(filterIpv4Advert(packet({}), 2, uni)).toMatchObject({ ok: false, reason: 'destination' });
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(Math.floor(Math.random() * 80)).map(() => Math.floor(Math.random() * 256));
      if (i % 2 && bytes.length > 0) bytes[0] = 0x45;
      const r = filterIpv4Advert(bytes, 2, expect2);
      expect(r.ok).toBe(false);
    }
  });
});

describe('receive filter: unicast instances sharing a VRID', () => {
  const uni: Expectations = { ...expect2, group: null, unicastPeers: [{ address: peer }] };
  const otherPeer = Uint8Array.of(192, 0, 2, 13);

  it('takes only adverts sent to its own source address (keepalived binds the socket to it)', () => {
    expect(filterIpv4Advert(packet({}, { dst: ours }), 2, uni)).toMatchObject({ ok: true });
    const toOther = filterIpv4Advert(packet({}, { dst: Uint8Array.of(192, 0, 2, 99) }), 2, uni);
    expect(toOther).toMatchObject({ ok: false, reason: 'destination' });
  });

  it('with the VRID shared, takes only adverts from its own peers; alone, from anyone', () => {
    const fromOther = packet({}, { dst: ours, src: otherPeer });
    expect(filterIpv4Advert(fromOther, 2, uni)).toMatchObject({ ok: true });
    expect(filterIpv4Advert(fromOther, 2, { ...uni, sharedVrid: true })).toMatchObject({ ok: false, reason: 'unicast-source' });
    expect(filterIpv4Advert(packet({}, { dst: ours }), 2, { ...uni, sharedVrid: true })).toMatchObject({ ok: true });
  });
});
