/**
 * rtnetlink messages for links and addresses (linux/rtnetlink.h, linux/if_addr.h,
 * linux/if_link.h): the requests keepalived-ts makes and the replies it reads. Pure.
 */
import {
  asciiz,
  decodeAttributes,
  encodeAttributes,
  readAsciiz,
  readU32,
  u32,
  type Attribute,
} from './codec.js';

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_FLAGS = 8;
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;

export const IFF_UP = 0x1;
export const IFF_NOARP = 0x80;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

export interface AddressRequest {
  family: number;
  prefix: number;
  scope: number;
  ifindex: number;
  local: Uint8Array;
  /** IPv4 broadcast, if any. */
  broadcast?: Uint8Array;
  /** Peer address (point-to-point); IFA_ADDRESS = local otherwise. */
  peer?: Uint8Array;
  label?: string;
  /** IFA_F_* flags, e.g. IFA_F_NODAD for IPv6. */
  flags?: number;
}

/** struct ifaddrmsg followed by attributes: the payload of RTM_NEWADDR / RTM_DELADDR. */
export function addressPayload(a: AddressRequest, forDelete = false): Uint8Array {
  const head = Buffer.alloc(8);
  head[0] = a.family;
  head[1] = a.prefix;
  head[2] = (a.flags ?? 0) & 0xff;
  head[3] = a.scope;
  head.writeUInt32LE(a.ifindex, 4);
  const attrs: Attribute[] = [{ type: IFA_LOCAL, data: a.local }];
  if (a.family === AF_INET) attrs.push({ type: IFA_ADDRESS, data: a.peer ?? a.local });
  if (!forDelete) {
    if (a.broadcast) attrs.push({ type: IFA_BROADCAST, data: a.broadcast });
    if (a.label !== undefined) attrs.push({ type: IFA_LABEL, data: asciiz(a.label) });
    if (a.flags) attrs.push({ type: IFA_FLAGS, data: u32(a.flags) });
  }
  return Buffer.concat([head, encodeAttributes(attrs)]);
}

/** struct ifaddrmsg with only the family: a dump request payload. */
export function dumpPayload(family: number, headerLength: 8 | 16): Uint8Array {
  const b = Buffer.alloc(headerLength);
  b[0] = family;
  return b;
}

export interface AddressInfo {
  family: number;
  prefix: number;
  flags: number;
  scope: number;
  ifindex: number;
  local?: Uint8Array;
  address?: Uint8Array;
  label?: string;
}

export function decodeAddress(payload: Uint8Array): AddressInfo | null {
  if (payload.length < 8) return null;
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const info: AddressInfo = { family: b[0]!, prefix: b[1]!, flags: b[2]!, scope: b[3]!, ifindex: b.readUInt32LE(4) };
  for (const a of decodeAttributes(payload.subarray(8))) {
    if (a.type === IFA_LOCAL) info.local = a.data;
    else if (a.type === IFA_ADDRESS) info.address = a.data;
    else if (a.type === IFA_LABEL) info.label = readAsciiz(a.data);
    else if (a.type === IFA_FLAGS) info.flags = readU32(a.data);
  }
  return info;
}

export interface LinkInfo {
  ifindex: number;
  flags: number;
  name?: string;
  mac?: Uint8Array;
  mtu?: number;
}

export function decodeLink(payload: Uint8Array): LinkInfo | null {
  if (payload.length < 16) return null;
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const info: LinkInfo = { ifindex: b.readInt32LE(4), flags: b.readUInt32LE(8) };
  for (const a of decodeAttributes(payload.subarray(16))) {
    if (a.type === IFLA_IFNAME) info.name = readAsciiz(a.data);
    else if (a.type === IFLA_ADDRESS) info.mac = a.data;
    else if (a.type === IFLA_MTU) info.mtu = readU32(a.data);
  }
  return info;
}
