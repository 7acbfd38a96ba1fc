/** The Internet checksum (RFC 1071) and the IPv4 header. Pure. */

/** One's-complement sum of 16-bit words, folded to 16 bits, not yet inverted. */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum to store: the inverted sum (0 is sent as 0). */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

/** Sum of an IPv4 pseudo-header {src, dst, 0, protocol, length} (RFC 768 layout). */
export function ipv4PseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  const pseudo = new Uint8Array(12);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = protocol;
  pseudo[10] = length >> 8;
  pseudo[11] = length & 0xff;
  return onesComplementSum(pseudo);
}

/** Sum of an IPv6 pseudo-header {src, dst, length(32), 0, next header} (RFC 8200 §8.1). */
export function ipv6PseudoHeaderSum(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  const pseudo = new Uint8Array(40);
  pseudo.set(src, 0);
  pseudo.set(dst, 16);
  new DataView(pseudo.buffer).setUint32(32, length);
  pseudo[39] = nextHeader;
  return onesComplementSum(pseudo);
}
