/**
 * Which received packets an instance takes as advertisements (keepalived's
 * `vrrp_check_packet()` order, RFC 3768 §7.1 / RFC 5798 §7.1). Pure: the IP packet and the
 * instance's expectations in, an advert or a named drop reason out. Every drop is counted by
 * the caller; nothing here throws on bad bytes.
 */
import { decodeIpv4Header } from '../net/ipv4-header.js';
import { AuthType, decodeVrrp, IPPROTO_VRRP, sameAuthData, type VrrpAdvert } from './packet.js';
import type { ReceivedAdvert } from './transport.js';

export type DropReason =
  | 'ip-header'
  | 'not-vrrp'
  | 'malformed'
  | 'checksum'
  | 'ttl'
  | 'version'
  | 'auth-type'
  | 'auth'
  | 'interval'
  | 'destination'
  | 'own-packet'
  | 'wrong-interface'
  | 'unicast-source'
  | 'unicast-ttl';

export interface Expectations {
  version: 2 | 3;
  /** Interval in centiseconds (v2 adverts with another interval are dropped). */
  intervalCs: number;
  authType: number;
  /** 8 bytes for PASS. */
  authData: Uint8Array;
  /** Multicast group the instance's adverts go to, or null for unicast. */
  group: Uint8Array | null;
  /** Our own source address: packets from it are our own, looped back. */
  ownAddress: Uint8Array;
  ifindex: number;
  /** The virtual addresses as configured, for the mismatch warning. */
  addresses: Uint8Array[];
  /** Unicast peers, with the TTL range each may arrive with. */
  unicastPeers?: { address: Uint8Array; minTtl?: number; maxTtl?: number }[];
  /** Only accept unicast adverts from a configured peer (`check_unicast_src`). */
  checkUnicastSource?: boolean;
  /**
   * Other unicast instances on this interface use the same VRID and source address: an advert is
   * this instance's only when it comes from one of its peers (keepalived's
   * VRRP_FLAG_UNICAST_DUPLICATE_VRID, vrrp_scheduler.c vrrp_read_dispatcher_thread()).
   */
  sharedVrid?: boolean;
}

export interface Accepted {
  ok: true;
  advert: VrrpAdvert;
  src: Uint8Array;
  /** The advert lists other addresses than ours (keepalived 2.3+ accepts it with a warning). */
  addressMismatch: boolean;
}
export type FilterResult = Accepted | { ok: false; reason: DropReason; detail: string };

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The VRID of an IPv4 VRRP packet, for demultiplexing, or null if it cannot be one. */
export function vridOfIpv4Packet(packet: Uint8Array): number | null {
  const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
  return packet.length >= ihl + 8 && ihl >= 20 ? packet[ihl + 1]! : null;
}

/** An IPv4 packet, header included, through the filter (the port reads the header itself). */
export function filterIpv4Advert(packet: Uint8Array, ifindex: number, e: Expectations): FilterResult {
  const ip = decodeIpv4Header(packet);
  if (!ip.ok) return { ok: false, reason: 'ip-header', detail: ip.reason };
  const h = ip.header;
  if (h.protocol !== IPPROTO_VRRP) return { ok: false, reason: 'not-vrrp', detail: `IP protocol ${h.protocol}` };
  return filterAdvert({ src: h.src, dst: h.dst, ttl: h.ttl, ifindex, payload: ip.payload, receivedAtUs: null }, e);
}

/** An advert as a port received it, through keepalived's checks. */
export function filterAdvert(rx: ReceivedAdvert, e: Expectations): FilterResult {
  const drop = (reason: DropReason, detail: string): FilterResult => ({ ok: false, reason, detail });
  if (rx.ifindex >= 0 && rx.ifindex !== e.ifindex) return drop('wrong-interface', `arrived on interface index ${rx.ifindex}`);
  if (equal(rx.src, e.ownAddress)) return drop('own-packet', 'our own advert');
  const d = decodeVrrp(rx.payload, rx);
  if (!d.ok) return drop(d.failure === 'checksum' ? 'checksum' : 'malformed', d.reason);
  const a = d.advert;
  if (e.group !== null && rx.ttl !== 255) return drop('ttl', `TTL ${rx.ttl}, 255 required`);
  if (a.version !== e.version) return drop('version', `VRRPv${a.version} advert, this instance runs VRRPv${e.version}`);
  if (a.version === 2) {
    if (a.authType !== e.authType) return drop('auth-type', `authentication type ${a.authType}, ${e.authType} expected`);
    if (a.authType === AuthType.Password && !sameAuthData(a.authData, e.authData)) return drop('auth', 'wrong password');
    if (a.authType === AuthType.IpsecAh) return drop('auth', 'IPSEC-AH is not supported');
    if (a.intervalCs !== e.intervalCs) return drop('interval', `advert interval ${a.intervalCs / 100}s, ${e.intervalCs / 100}s expected`);
  }
  if (e.group !== null && !equal(rx.dst, e.group)) return drop('destination', 'not sent to the VRRP group');
  if (e.group === null) {
    if ((rx.dst[0]! & 0xf0) === 0xe0 || rx.dst[0] === 0xff) return drop('destination', 'multicast advert to a unicast instance');
    // keepalived binds a unicast instance's socket to its source address
    if (!equal(rx.dst, e.ownAddress)) return drop('destination', 'unicast advert to another address than our source address');
    const peer = e.unicastPeers?.find((p) => equal(p.address, rx.src));
    if (!peer && e.checkUnicastSource) return drop('unicast-source', 'advert from an address that is not a unicast_peer');
    if (!peer && e.sharedVrid) return drop('unicast-source', 'advert from none of our unicast peers, and other instances use this VRID');
    if (peer && ((peer.minTtl !== undefined && rx.ttl < peer.minTtl) || (peer.maxTtl !== undefined && rx.ttl > peer.maxTtl))) {
      return drop('unicast-ttl', `TTL ${rx.ttl} outside the peer's range`);
    }
  }
  const mismatch = a.addresses.length !== e.addresses.length || a.addresses.some((x) => !e.addresses.some((y) => equal(x, y)));
  return { ok: true, advert: a, src: rx.src, addressMismatch: mismatch };
}
