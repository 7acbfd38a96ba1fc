/**
 * IPv4/IPv6 address text: parsing as inet_pton(3) does, prefixes, and canonical forms. Pure.
 */

export type Family = 'inet' | 'inet6';

export interface IpAddress {
  readonly family: Family;
  /** 4 or 16 bytes, network order. */
  readonly bytes: readonly number[];
}

export function parseIPv4(text: string): IpAddress | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    // inet_pton rejects empty parts, leading zeros and values over 255.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const v = Number(part);
    if (v > 255) return null;
    bytes.push(v);
  }
  return { family: 'inet', bytes };
}

export function parseIPv6(text: string): IpAddress | null {
  if (text.length === 0 || text.length > 45) return null;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tailV4 = [...v4.bytes];
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const groups = s.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!left || !right) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== 8) return null;
    groups = left;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tailV4.length) bytes.splice(12, 4, ...tailV4);
  return { family: 'inet6', bytes };
}

/** `192.0.2.1/24` -> `192.0.2.1`: where keepalived reads an address and ignores a prefix length. */
export function withoutPrefixLength(text: string): string {
  const slash = text.indexOf('/');
  return slash < 0 ? text : text.slice(0, slash);
}

export function parseIp(text: string): IpAddress | null {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

export function formatIp(a: IpAddress): string {
  if (a.family === 'inet') return a.bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((a.bytes[i]! << 8) | a.bytes[i + 1]!);
  // RFC 5952: compress the longest run of two or more zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface IpPrefix {
  readonly address: IpAddress;
  /** Prefix length; absent when the text had no `/len`. */
  readonly prefixLength?: number;
}

/** `addr` or `addr/len`; null if malformed or the length is out of range for the family. */
export function parsePrefix(text: string): IpPrefix | null {
  const slash = text.indexOf('/');
  const address = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!address) return null;
  if (slash < 0) return { address };
  const lenText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return null;
  const prefixLength = Number(lenText);
  if (prefixLength > maxPrefix(address.family)) return null;
  return { address, prefixLength };
}

export function maxPrefix(family: Family): number {
  return family === 'inet' ? 32 : 128;
}

export function isMulticast(a: IpAddress): boolean {
  return a.family === 'inet' ? (a.bytes[0]! & 0xf0) === 0xe0 : a.bytes[0] === 0xff;
}

export function isLinkLocal(a: IpAddress): boolean {
  return a.family === 'inet6' ? a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80 : a.bytes[0] === 169 && a.bytes[1] === 254;
}

export function compareIp(a: IpAddress, b: IpAddress): number {
  for (let i = 0; i < Math.min(a.bytes.length, b.bytes.length); i++) {
    const d = a.bytes[i]! - b.bytes[i]!;
    if (d !== 0) return d;
  }
  return a.bytes.length - b.bytes.length;
}
