/** IPv4 header encode/decode (RFC 791), for raw sockets that carry the header. Pure. */
import { internetChecksum } from './checksum.js';

export interface Ipv4Header {
  tos: number;
  /** Total length of the datagram, header included. */
  totalLength: number;
  id: number;
  /** Flags and fragment offset, as on the wire. */
  fragment: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** Header length in bytes (20 without options). */
  headerLength: number;
}

export const Ipv4HeaderLength = 20;

export type Ipv4DecodeResult = { ok: true; header: Ipv4Header; payload: Uint8Array } | { ok: false; reason: string };

export function decodeIpv4Header(packet: Uint8Array): Ipv4DecodeResult {
  if (packet.length < Ipv4HeaderLength) return { ok: false, reason: `IPv4 packet of ${packet.length} bytes is shorter than a header` };
  const version = packet[0]! >> 4;
  if (version !== 4) return { ok: false, reason: `IP version ${version}, not 4` };
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (headerLength < Ipv4HeaderLength || headerLength > packet.length) return { ok: false, reason: `bad IPv4 header length ${headerLength}` };
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const totalLength = view.getUint16(2);
  if (totalLength < headerLength || totalLength > packet.length) {
    return { ok: false, reason: `IPv4 total length ${totalLength} does not fit the ${packet.length} bytes received` };
  }
  return {
    ok: true,
    header: {
      tos: packet[1]!,
      totalLength,
      id: view.getUint16(4),
      fragment: view.getUint16(6),
      ttl: packet[8]!,
      protocol: packet[9]!,
      checksum: view.getUint16(10),
      src: packet.slice(12, 16),
      dst: packet.slice(16, 20),
      headerLength,
    },
    payload: packet.subarray(headerLength, totalLength),
  };
}

/** A 20-byte header without options, its checksum computed. */
export function encodeIpv4Header(h: Omit<Ipv4Header, 'checksum' | 'headerLength'>): Uint8Array {
  const out = new Uint8Array(Ipv4HeaderLength);
  const view = new DataView(out.buffer);
  out[0] = 0x45;
  out[1] = h.tos;
  view.setUint16(2, h.totalLength);
  view.setUint16(4, h.id);
  view.setUint16(6, h.fragment);
  out[8] = h.ttl;
  out[9] = h.protocol;
  out.set(h.src, 12);
  out.set(h.dst, 16);
  view.setUint16(10, internetChecksum(out));
  return out;
}
