/** Value readers shared by virtual_server and real_server (keepalived: check/check_parser.c). */
import type { Parser } from '../parser.js';
import { readTimerUs, readUnsigned } from '../values.js';
import { formatIp, parseIp, type Family } from '../address.js';

export type LvsMethod = 'NAT' | 'DR' | 'TUN';

export interface LvsForwarding {
  lvs_method?: LvsMethod;
  /** TUN only. */
  tunnel_type?: 'ipip' | 'gue' | 'gre';
  tunnel_port?: number;
  tunnel_checksum?: 'nocsum' | 'csum' | 'remcsum';
}

/** `NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`. */
export function readForwarding(p: Parser, words: readonly string[], what: string): LvsForwarding | null {
  const method = words[1];
  if (method !== 'NAT' && method !== 'DR' && method !== 'TUN') {
    p.error(`PARSER : unknown [${method ?? ''}] routing method for ${what} server.`);
    return null;
  }
  const f: LvsForwarding = { lvs_method: method };
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    if (method === 'TUN' && w === 'type') {
      const t = words[++i];
      if (t === undefined) {
        p.error(`Missing tunnel type for ${what} server.`);
        return null;
      }
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') {
        p.error(`Unknown tunnel type ${t} for ${what} server.`);
        return null;
      }
      f.tunnel_type = t;
    } else if (method === 'TUN' && w === 'port') {
      const v = words[++i];
      if (v === undefined) {
        p.error(`Missing port for ${what} server gue tunnel.`);
        return null;
      }
      const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
      if (!(n >= 1 && n <= 65535)) {
        p.error(`Invalid gue tunnel port ${v} for ${what} server.`);
        return null;
      }
      f.tunnel_port = n;
    } else if (method === 'TUN' && (w === 'nocsum' || w === 'csum' || w === 'remcsum')) {
      f.tunnel_checksum = w;
    } else {
      p.error(`Invalid tunnel option ${w} for ${what} server.`);
      return null;
    }
  }
  if ((f.tunnel_type === 'gue') !== (f.tunnel_port !== undefined)) {
    p.error('gue tunnels require port, otherwise cannot have port.');
    return null;
  }
  if (method === 'TUN') f.tunnel_type ??= 'ipip';
  if (f.tunnel_type === 'ipip' && f.tunnel_checksum !== undefined && f.tunnel_checksum !== 'nocsum') {
    p.error('ipip tunnels do not support checksum option.');
    return null;
  }
  if (f.tunnel_type === 'gre' && f.tunnel_checksum === 'remcsum') {
    p.error('gre tunnels do not support remote checksum option.');
    return null;
  }
  return f;
}

/**
 * Seconds with keepalived's `<what> '<v>' invalid - ignoring` message (`quoted` false: the
 * connect_timeout form, `<what> <v> invalid - ignoring`).
 */
export function readSeconds(p: Parser, word: string | undefined, what: string, minSeconds = 0, maxSeconds?: number, quoted = true): number | null {
  const us = maxSeconds === undefined ? readTimerUs(p, word, Math.round(minSeconds * 1e6)) : readTimerUs(p, word, Math.round(minSeconds * 1e6), Math.round(maxSeconds * 1e6));
  if (us === null) {
    p.error(quoted ? `${what} '${word ?? ''}' invalid - ignoring` : `${what} ${word ?? ''} invalid - ignoring`);
    return null;
  }
  return us / 1e6;
}

/** keepalived reads connect_timeout in microseconds into an unsigned int. */
export const ConnectTimeoutMaxSeconds = 4294.967295;

export function readRetry(p: Parser, word: string | undefined): number | null {
  const n = readUnsigned(p, word, 1, 4294967295);
  if (n === null) p.error(`retry value invalid - ${word ?? ''}`);
  return n;
}

/** `IP PORT` of a real/sorry server; the port may be omitted (0). */
export function readServerAddress(p: Parser, ip: string | undefined, port: string | undefined, what: string, message?: string): { ip: string; port: number } | null {
  // inet_stosockaddr() reads the port first, with the shared reader's own line when it is bad
  // (a port of 0 passes without one)
  const n = port === undefined || /^0+$/.test(port) ? 0 : (readUnsigned(p, port, 1, 65535) ?? NaN);
  const a = ip === undefined ? null : parseIp(ip);
  if (!a || !(n >= 0 && n <= 65535)) {
    p.error(message ?? `Invalid ${what} ip address/port ${ip ?? ''}/${port ?? ''} - skipping`);
    return null;
  }
  return { ip: formatIp(a), port: n };
}

/**
 * The address family keepalived settles on for a virtual server while reading it (its `af`):
 * from the service address, `ip_family`, `persistence_granularity`, and the first real or sorry
 * server that is not tunnelled. Absent while unknown.
 */
const serverFamilies = new WeakMap<object, Family>();

export function familyOfServer(vs: object): Family | undefined {
  return serverFamilies.get(vs);
}

export function setFamilyOfServer(vs: object, family: Family): void {
  serverFamilies.set(vs, family);
}

export function familyOfAddress(ip: string): Family {
  return ip.includes(':') ? 'inet6' : 'inet';
}
