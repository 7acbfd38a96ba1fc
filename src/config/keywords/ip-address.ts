/**
 * One address line of virtual_ipaddress, virtual_ipaddress_excluded and static_ipaddress
 * (keepalived: vrrp/vrrp_ipaddress.c `alloc_ipaddress()` / `parse_ipaddress()`):
 * `<ip>[/<len>] [brd <ip>|+|-] [dev <if>] [scope <s>] [label <l>] [peer <ip>[/len]] [home]
 * [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [preferred_lft <n>]
 * [track_group <g>] [use_vmac]`.
 */
import { Grade } from '../diagnostics.js';
import type { Parser } from '../parser.js';
import { formatIp, parseIp, type IpAddress } from '../address.js';
import { readUnsigned } from '../values.js';

export interface IpAddressEntry {
  /** Canonical address text. */
  address: string;
  family: 'inet' | 'inet6';
  prefix: number;
  dev?: string;
  /** Broadcast address, or '+'/'-' as ip(8) understands them. */
  brd?: string;
  scope?: string;
  label?: string;
  peer?: string;
  home?: boolean;
  nodad?: boolean;
  mngtmpaddr?: boolean;
  noprefixroute?: boolean;
  autojoin?: boolean;
  no_track?: boolean;
  preferred_lft?: number;
  track_group?: string;
  use_vmac?: boolean;
}

export const ScopeNames: Readonly<Record<string, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** A scope name or number (rtnetlink's rt_scope table). */
export function parseScope(word: string): string | null {
  if (Object.hasOwn(ScopeNames, word)) return word;
  if (/^[0-9]+$/.test(word) && Number(word) <= 255) return word;
  return null;
}

/** `ip[/len]` as keepalived reads it: a bad length is reported and replaced by the full length. */
export function parseAddressWithPrefix(p: Parser, text: string): { address: IpAddress; prefix: number } | null {
  const family = text.includes(':') ? 'inet6' : 'inet';
  const full = family === 'inet6' ? 128 : 32;
  const slash = text.indexOf('/');
  let prefix = full;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    const n = readUnsigned(p, lenText, 0, full);
    if (n === null) p.error(`Invalid address prefix len ${lenText} for address ${text} - using ${full}`);
    else prefix = n;
  }
  const address = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!address || address.family !== family) {
    p.error(`VRRP parsed invalid IP ${text}. skipping IP...`);
    return null;
  }
  return { address, prefix };
}

const flags: Readonly<Record<string, keyof IpAddressEntry>> = {
  home: 'home',
  '-nodad': 'nodad',
  mngtmpaddr: 'mngtmpaddr',
  noprefixroute: 'noprefixroute',
  autojoin: 'autojoin',
  no_track: 'no_track',
};

export function parseIpAddressEntry(
  p: Parser,
  words: readonly string[],
  kind: 'vip' | 'evip' | 'static',
  defaultDev?: string,
): IpAddressEntry | null {
  const first = words[0];
  if (first === undefined) return null;
  const parsed = parseAddressWithPrefix(p, first);
  if (!parsed) return null;
  const entry: IpAddressEntry = { address: formatIp(parsed.address), family: parsed.address.family, prefix: parsed.prefix };
  const isV6 = entry.family === 'inet6';
  let i = 1;
  const param = (): string | null => {
    const v = words[i + 1];
    if (v === undefined) {
      p.error(`No ${words[i]} parameter specified for ${first}`);
      return null;
    }
    i++;
    return v;
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'dev') {
      const dev = param();
      if (dev === null) return null;
      if (entry.dev !== undefined) {
        p.error(`Cannot specify ipaddress device more than once for ${first}`);
        continue;
      }
      if (p.interfaceMissing(dev)) p.error(`WARNING - interface ${dev} for ip address ${first} doesn't exist`);
      entry.dev = dev;
    } else if (w === 'scope') {
      const s = param();
      if (s === null) return null;
      const scope = parseScope(s);
      if (scope === null) p.error(`Invalid scope '${s}' specified for ${first} - ignoring`);
      else entry.scope = scope;
    } else if (w === 'broadcast' || w === 'brd') {
      const b = param();
      if (b === null) return null;
      if (isV6) {
        p.error(`VRRP is trying to assign a broadcast ${b} to the IPv6 address ${first} !!?? WTF... skipping VIP...`);
        return null;
      }
      if (b === '+' || b === '-') entry.brd = b;
      else {
        const a = parseIp(b);
        if (!a || a.family !== 'inet') p.error(`VRRP is trying to assign invalid broadcast ${b}. skipping VIP...`);
        else entry.brd = formatIp(a);
      }
    } else if (w === 'label') {
      const l = param();
      if (l === null) return null;
      if (l.length > 15) {
        p.error(`Address label ${l} is longer than maximum length 15 - removing address`);
        return null;
      }
      entry.label = l;
    } else if (w === 'peer') {
      const v = param();
      if (v === null) return null;
      if (entry.peer !== undefined) {
        p.error(`Peer ${v} - another peer has already been specified`);
        continue;
      }
      const slash = v.indexOf('/');
      const a = parseIp(slash >= 0 ? v.slice(0, slash) : v);
      if (!a) p.error(`Invalid peer address ${v}`);
      else if (a.family !== entry.family) p.error(`Peer address ${v} does not match address family`);
      else entry.peer = slash >= 0 ? `${formatIp(a)}${v.slice(slash)}` : formatIp(a);
    } else if (Object.hasOwn(flags, w)) {
      (entry as unknown as Record<string, unknown>)[flags[w]!] = true;
    } else if (w === 'preferred_lft') {
      const v = param();
      if (v === null) return null;
      if (v === 'forever') entry.preferred_lft = 0xffffffff;
      else {
        const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
        if (!(n <= 0xffffffff)) p.error(`preferred_lft ${v} is invalid`);
        else entry.preferred_lft = n;
      }
    } else if (kind === 'static' && w === 'track_group') {
      const v = param();
      if (v === null) return null;
      entry.track_group = v;
    } else if (kind !== 'static' && w === 'use_vmac') {
      entry.use_vmac = true;
    } else {
      p.error(`Unknown configuration entry '${w}' for ip address - ignoring`);
    }
  }
  if (entry.peer !== undefined && entry.brd !== undefined) {
    p.error('Cannot specify broadcast and peer addresses - ignoring broadcast address');
    delete entry.brd;
  }
  if (entry.dev === undefined) {
    if (kind === 'static') {
      const dev = defaultDev ?? 'eth0';
      if (p.interfaceMissing(dev)) {
        p.report(Grade.Fatal, `Static address ${first} requires either an interface or default interface must exist`);
        return null;
      }
      entry.dev = dev;
    } else if (defaultDev !== undefined) {
      entry.dev = defaultDev;
    }
  }
  if (isV6) {
    if (entry.scope !== undefined) {
      p.error(`Cannot specify scope for IPv6 addresses (${first}) - ignoring scope`);
      delete entry.scope;
    }
    if (entry.label !== undefined) {
      p.error(`Cannot specify label for IPv6 addresses (${first}) - ignoring label`);
      delete entry.label;
    }
  }
  return entry;
}
