/**
 * VRRP advertisements: VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798, RFC 9568), encode and decode.
 * Pure: bytes in, objects out. The codec checks that a packet is a well-formed advertisement;
 * whether it belongs to an instance (VRID, interval, addresses, TTL, authentication) is the
 * receiver's and the state machine's business.
 */
import { internetChecksum, ipv4PseudoHeaderSum, ipv6PseudoHeaderSum, onesComplementSum } from '../net/checksum.js';
import { encodeIpv4Header } from '../net/ipv4-header.js';

export const IPPROTO_VRRP = 112;
export const VrrpGroupV4 = new Uint8Array([224, 0, 0, 18]);
export const VrrpGroupV6 = new Uint8Array([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12]);
/** keepalived sends adverts with DSCP CS6 (TOS 0xc0) and TTL 255 (RFC 3768 §5.2.3). */
export const VrrpTos = 0xc0;
export const VrrpTtl = 255;

export const AuthType = { None: 0, Password: 1, IpsecAh: 2 } as const;
export type AuthType = (typeof AuthType)[keyof typeof AuthType];
/** RFC 3768: the authentication data field is always 8 bytes in VRRPv2. */
export const AuthDataLength = 8;

export interface VrrpAdvert {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /**
   * Advertisement interval in centiseconds: VRRPv3's 12-bit Max Adver Int as sent; for VRRPv2,
   * whose field is whole seconds, 100 × that field.
   */
  intervalCs: number;
  /** The virtual addresses, 4 bytes each (IPv4) or 16 (IPv6). */
  addresses: Uint8Array[];
  /** VRRPv2 only (0 for v3). */
  authType: number;
  /** VRRPv2 only: the 8-byte authentication data (zeros for no authentication). */
  authData: Uint8Array;
}

/** How a VRRPv3 IPv4 checksum was computed: RFC 5798 (with pseudo-header) or like VRRPv2. */
export type ChecksumForm = 'pseudo-header' | 'plain';

export interface PacketAddresses {
  /** Source and destination of the IP packet: 4 bytes (IPv4) or 16 (IPv6). */
  src: Uint8Array;
  dst: Uint8Array;
}

export type DecodeFailure =
  | 'too-short'
  | 'version'
  | 'type'
  | 'length'
  | 'checksum'
  | 'v2-over-ipv6';

export type DecodeResult =
  | { ok: true; advert: VrrpAdvert; checksumForm: ChecksumForm }
  | { ok: false; failure: DecodeFailure; reason: string };

const HeaderLength = 8;

function expectedLength(version: number, count: number, addrLen: number): number {
  return HeaderLength + count * addrLen + (version === 2 ? AuthDataLength : 0);
}

/** The checksum of a VRRP message whose checksum field (bytes 6-7) is zero or ignored. */
function vrrpChecksum(msg: Uint8Array, initial: number): number {
  const copy = msg.slice();
  copy[6] = 0;
  copy[7] = 0;
  return internetChecksum(copy, initial);
}

function pseudoSum(ip: PacketAddresses, length: number): number {
  return ip.src.length === 4 ? ipv4PseudoHeaderSum(ip.src, ip.dst, IPPROTO_VRRP, length) : ipv6PseudoHeaderSum(ip.src, ip.dst, IPPROTO_VRRP, length);
}

/**
 * Decode the VRRP message `msg` (the IP payload) of a packet from `ip.src` to `ip.dst`.
 * VRRPv3 over IPv4 is accepted with either checksum form; `checksumForm` says which matched.
 */
export function decodeVrrp(msg: Uint8Array, ip: PacketAddresses): DecodeResult {
  const fail = (failure: DecodeFailure, reason: string): DecodeResult => ({ ok: false, failure, reason });
  if (msg.length < HeaderLength) return fail('too-short', `VRRP message of ${msg.length} bytes is shorter than its header`);
  const version = msg[0]! >> 4;
  const type = msg[0]! & 0x0f;
  if (version !== 2 && version !== 3) return fail('version', `VRRP version ${version} is not 2 or 3`);
  if (type !== 1) return fail('type', `VRRP packet type ${type} is not an advertisement`);
  const ipv6 = ip.src.length === 16;
  if (version === 2 && ipv6) return fail('v2-over-ipv6', 'VRRPv2 is not defined over IPv6');
  const addrLen = ipv6 ? 16 : 4;
  const count = msg[3]!;
  // a count of 0 is what keepalived sends for an instance without virtual addresses
  const want = expectedLength(version, count, addrLen);
  if (msg.length !== want) {
    return fail('length', `VRRPv${version} message of ${msg.length} bytes, ${want} expected for ${count} address(es)`);
  }
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const sent = view.getUint16(6);
  let checksumForm: ChecksumForm = 'plain';
  if (version === 2) {
    if (vrrpChecksum(msg, 0) !== sent) return fail('checksum', `bad VRRPv2 checksum 0x${sent.toString(16)}`);
  } else if (vrrpChecksum(msg, pseudoSum(ip, msg.length)) === sent) {
    checksumForm = 'pseudo-header';
  } else if (ipv6 || vrrpChecksum(msg, 0) !== sent) {
    return fail('checksum', `bad VRRPv3 checksum 0x${sent.toString(16)}`);
  }
  const addresses: Uint8Array[] = [];
  for (let i = 0; i < count; i++) addresses.push(msg.slice(HeaderLength + i * addrLen, HeaderLength + (i + 1) * addrLen));
  const afterAddresses = HeaderLength + count * addrLen;
  return {
    ok: true,
    checksumForm,
    advert: {
      version,
      vrid: msg[1]!,
      priority: msg[2]!,
      intervalCs: version === 2 ? msg[5]! * 100 : view.getUint16(4) & 0x0fff,
      addresses,
      authType: version === 2 ? msg[4]! : 0,
      authData: version === 2 ? msg.slice(afterAddresses, afterAddresses + AuthDataLength) : new Uint8Array(0),
    },
  };
}

export interface EncodeOptions {
  /** VRRPv3 over IPv4: checksum without the pseudo-header (keepalived's `v3_checksum_as_v2`). */
  checksumAsV2?: boolean;
}

/** Encode an advertisement as the VRRP message of a packet from `ip.src` to `ip.dst`. */
export function encodeVrrp(a: VrrpAdvert, ip: PacketAddresses, opts: EncodeOptions = {}): Uint8Array {
  const addrLen = ip.src.length;
  if (a.addresses.length > 255) throw new RangeError(`cannot advertise ${a.addresses.length} addresses`);
  const msg = new Uint8Array(expectedLength(a.version, a.addresses.length, addrLen));
  const view = new DataView(msg.buffer);
  msg[0] = (a.version << 4) | 1;
  msg[1] = a.vrid;
  msg[2] = a.priority;
  msg[3] = a.addresses.length;
  if (a.version === 2) {
    msg[4] = a.authType;
    msg[5] = Math.round(a.intervalCs / 100);
  } else {
    view.setUint16(4, a.intervalCs & 0x0fff);
  }
  a.addresses.forEach((addr, i) => {
    if (addr.length !== addrLen) throw new RangeError('virtual address family differs from the packet’s');
    msg.set(addr, HeaderLength + i * addrLen);
  });
  if (a.version === 2) msg.set(a.authData.subarray(0, AuthDataLength), HeaderLength + a.addresses.length * addrLen);
  const withPseudo = a.version === 3 && !(opts.checksumAsV2 && addrLen === 4);
  view.setUint16(6, internetChecksum(msg, withPseudo ? pseudoSum(ip, msg.length) : 0));
  return msg;
}

/**
 * A whole IPv4 VRRP packet as keepalived builds it with IP_HDRINCL: TOS 0xc0, no DF, the given
 * TTL and identification. The header checksum is filled in (the kernel would do it too).
 */
export function encodeIpv4Advert(a: VrrpAdvert, ip: PacketAddresses & { ttl: number; id: number }, opts: EncodeOptions = {}): Uint8Array {
  const msg = encodeVrrp(a, ip, opts);
  const header = encodeIpv4Header({
    tos: VrrpTos,
    totalLength: 20 + msg.length,
    id: ip.id,
    fragment: 0,
    ttl: ip.ttl,
    protocol: IPPROTO_VRRP,
    src: ip.src,
    dst: ip.dst,
  });
  const out = new Uint8Array(header.length + msg.length);
  out.set(header, 0);
  out.set(msg, header.length);
  return out;
}

/** VRRPv2 simple-text authentication data: the password truncated or zero-padded to 8 bytes. */
export function passwordAuthData(password: string): Uint8Array {
  const out = new Uint8Array(AuthDataLength);
  out.set(new TextEncoder().encode(password).subarray(0, AuthDataLength));
  return out;
}

/** Constant-time comparison of authentication data. */
export function sameAuthData(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

