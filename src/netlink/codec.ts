/**
 * Netlink messages and attributes (RFC 3549; linux/netlink.h): encode and decode. Pure.
 * Host byte order is little-endian (x86_64, aarch64).
 */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

export const NlmsgHeaderLength = 16;
export const NLA_F_NESTED = 0x8000;

const align4 = (n: number): number => (n + 3) & ~3;

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  /** The bytes after the 16-byte header. */
  payload: Uint8Array;
}

export function encodeMessage(m: NetlinkMessage): Uint8Array {
  const len = NlmsgHeaderLength + m.payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(m.type, 4);
  b.writeUInt16LE(m.flags, 6);
  b.writeUInt32LE(m.seq >>> 0, 8);
  b.writeUInt32LE(m.pid >>> 0, 12);
  Buffer.from(m.payload).copy(b, NlmsgHeaderLength);
  return b;
}

/** Every message of a datagram; stops at the first malformed one. */
export function decodeMessages(data: Uint8Array): NetlinkMessage[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NlmsgHeaderLength <= b.length) {
    const len = b.readUInt32LE(off);
    if (len < NlmsgHeaderLength || off + len > b.length) break;
    out.push({
      type: b.readUInt16LE(off + 4),
      flags: b.readUInt16LE(off + 6),
      seq: b.readUInt32LE(off + 8),
      pid: b.readUInt32LE(off + 12),
      payload: new Uint8Array(b.subarray(off + NlmsgHeaderLength, off + len)),
    });
    off += align4(len);
  }
  return out;
}

/** NLMSG_ERROR payload: 0 for an acknowledgement, else a negative errno. */
export function decodeError(payload: Uint8Array): number {
  if (payload.length < 4) return -22; // EINVAL: unreadable error
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).readInt32LE(0);
}

export interface Attribute {
  type: number;
  data: Uint8Array;
}

export function encodeAttribute(type: number, data: Uint8Array): Uint8Array {
  const len = 4 + data.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  Buffer.from(data).copy(b, 4);
  return b;
}

export function encodeAttributes(attrs: Attribute[]): Uint8Array {
  return Buffer.concat(attrs.map((a) => encodeAttribute(a.type, a.data)));
}

/** Attributes in a region; a malformed tail is ignored. The nested flag is kept in `type`. */
export function decodeAttributes(data: Uint8Array): Attribute[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Attribute[] = [];
  let off = 0;
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > b.length) break;
    out.push({ type: b.readUInt16LE(off + 2), data: new Uint8Array(b.subarray(off + 4, off + len)) });
    off += align4(len);
  }
  return out;
}

export const u8 = (v: number): Uint8Array => Uint8Array.of(v & 0xff);
export function u16(v: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
export function u32(v: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
/** A NUL-terminated string attribute value. */
export const asciiz = (s: string): Uint8Array => Buffer.from(`${s}\0`);
export function readAsciiz(data: Uint8Array): string {
  const end = data.indexOf(0);
  return Buffer.from(data.subarray(0, end < 0 ? data.length : end)).toString();
}
export function readU32(data: Uint8Array): number {
  return data.length >= 4 ? Buffer.from(data.buffer, data.byteOffset, 4).readUInt32LE(0) : 0;
}
