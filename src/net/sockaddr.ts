/**
 * Socket addresses and control messages, as the kernel lays them out on little-endian 64-bit
 * Linux (x86_64, aarch64). Pure.
 */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_PACKET = 17;
export const AF_NETLINK = 16;

/** struct sockaddr_in (16 bytes). */
export function sockaddrIn(address: Uint8Array, port = 0): Uint8Array {
  // from Node's shared buffer pool: a checker holds one per real server, tens of thousands
  const b = Buffer.allocUnsafe(16).fill(0);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  Buffer.from(address).copy(b, 4);
  return b;
}

/** struct sockaddr_in6 (28 bytes). */
export function sockaddrIn6(address: Uint8Array, port = 0, scopeId = 0): Uint8Array {
  const b = Buffer.allocUnsafe(28).fill(0);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  Buffer.from(address).copy(b, 8);
  b.writeUInt32LE(scopeId, 24);
  return b;
}

/** struct sockaddr_ll (20 bytes) to send a whole Ethernet frame on an interface. */
export function sockaddrLl(ifindex: number, protocol: number, destination: Uint8Array): Uint8Array {
  const b = Buffer.alloc(20);
  b.writeUInt16LE(AF_PACKET, 0);
  b.writeUInt16BE(protocol, 2);
  b.writeInt32LE(ifindex, 4);
  b.writeUInt16LE(1, 8); // ARPHRD_ETHER
  b[11] = destination.length;
  Buffer.from(destination).copy(b, 12);
  return b;
}

/** struct sockaddr_nl (12 bytes). */
export function sockaddrNl(portId = 0, groups = 0): Uint8Array {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(portId, 4);
  b.writeUInt32LE(groups, 8);
  return b;
}

/** struct ip_mreqn (12 bytes): group, local address, interface index. */
export function ipMreqn(group: Uint8Array, ifindex: number, local: Uint8Array = new Uint8Array(4)): Uint8Array {
  const b = Buffer.alloc(12);
  Buffer.from(group).copy(b, 0);
  Buffer.from(local).copy(b, 4);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** The IPv4 address of a sockaddr_in, or null. */
export function addressOfSockaddr(b: Uint8Array): Uint8Array | null {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length >= 8 && buf.readUInt16LE(0) === AF_INET) return new Uint8Array(buf.subarray(4, 8));
  if (buf.length >= 24 && buf.readUInt16LE(0) === AF_INET6) return new Uint8Array(buf.subarray(8, 24));
  return null;
}

export interface ControlMessage {
  level: number;
  type: number;
  data: Uint8Array;
}

const CmsgHeader = 16; // size_t cmsg_len; int cmsg_level; int cmsg_type
const align8 = (n: number): number => (n + 7) & ~7;

/** Split a control buffer into its messages; a malformed tail is ignored. */
export function parseControlMessages(control: Uint8Array): ControlMessage[] {
  const b = Buffer.from(control.buffer, control.byteOffset, control.byteLength);
  const out: ControlMessage[] = [];
  let off = 0;
  while (off + CmsgHeader <= b.length) {
    const len = Number(b.readBigUInt64LE(off));
    if (len < CmsgHeader || off + len > b.length) break;
    out.push({ level: b.readInt32LE(off + 8), type: b.readInt32LE(off + 12), data: new Uint8Array(b.subarray(off + CmsgHeader, off + len)) });
    off += align8(len);
  }
  return out;
}

/** struct in_pktinfo: arrival interface, local address, header destination. */
export function parseInPktinfo(data: Uint8Array): { ifindex: number; specDst: Uint8Array; dst: Uint8Array } | null {
  if (data.length < 12) return null;
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { ifindex: b.readInt32LE(0), specDst: new Uint8Array(b.subarray(4, 8)), dst: new Uint8Array(b.subarray(8, 12)) };
}

/** struct timespec (SO_TIMESTAMPNS) as microseconds, or null. */
export function parseTimespecUs(data: Uint8Array): number | null {
  if (data.length < 16) return null;
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Number(b.readBigInt64LE(0)) * 1e6 + Number(b.readBigInt64LE(8)) / 1000;
}
