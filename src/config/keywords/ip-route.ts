/**
 * One line of virtual_routes / static_routes (keepalived: vrrp/vrrp_iproute.c `alloc_route()`),
 * the ip-route(8) syntax: `[type] [to] <prefix> [src <ip>] [via|gw <ip>] [dev|oif <if>]
 * [table <t>] [metric <n>] [scope <s>] [protocol <p>] [mtu ...] ... [or <ip>] [nexthop ...]
 * [no_track] [track_group <g>]`.
 */
import type { Parser } from '../parser.js';
import { formatIp, parseIp, type Family } from '../address.js';
import { parseAddressWithPrefix } from './ip-address.js';

export interface IpRouteEntry {
  to: string;
  family: Family;
  type?: string;
  src?: string;
  via?: string;
  from?: string;
  dev?: string;
  table?: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  tos?: string;
  onlink?: boolean;
  /** Deprecated "or" second gateway. */
  or?: string;
  nexthop?: string[][];
  no_track: boolean;
  track_group?: string;
  /** Route attributes such as mtu, advmss, rtt, window, cwnd, realms, pref (as written). */
  attributes: Record<string, string>;
}

const RouteTypes = ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat'];
const Tables: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
const Protocols = ['unspec', 'redirect', 'kernel', 'boot', 'static', 'gated', 'ra', 'mrt', 'zebra', 'bird', 'dnrouted', 'xorp', 'ntk', 'dhcp', 'keepalived', 'babel', 'bgp', 'isis', 'ospf', 'rip', 'eigrp'];
const Scopes = ['global', 'universe', 'site', 'link', 'host', 'nowhere'];
const Attributes = ['mtu', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'realms', 'rto_min', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'ttl-propagate', 'expires', 'fastopen_no_cookie', 'encap', 'vrf', 'as'];

function byteOrName(word: string, names: readonly string[] | Readonly<Record<string, number>>, max: number): boolean {
  if (Array.isArray(names) ? names.includes(word) : Object.hasOwn(names, word)) return true;
  return /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(word) && Number(word) <= max;
}

export function parseIpRouteEntry(p: Parser, words: readonly string[], kind: 'virtual' | 'static'): IpRouteEntry | null {
  let family: Family | undefined;
  let dest: string | undefined;
  const r: Omit<IpRouteEntry, 'to' | 'family'> & { to?: string } = { no_track: false, attributes: {} };
  const sameFamily = (f: Family, what: string): boolean => {
    if (family === undefined) family = f;
    else if (family !== f) {
      p.error(`Cannot mix IPv4 and IPv6 addresses for route (${what})`);
      return false;
    }
    return true;
  };
  const address = (w: string | undefined, what: string): string | null => {
    const a = w === undefined ? null : parseIp(w);
    if (!a) {
      p.error(`invalid route ${what} address ${w ?? ''}`);
      return null;
    }
    return sameFamily(a.family, w!) ? formatIp(a) : null;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (): string | undefined => words[++i];
    if (w === 'inet' || w === 'inet6') {
      if (!sameFamily(w, w)) return null;
    } else if (w === 'src') {
      const a = address(next(), 'src');
      if (a === null) return null;
      r.src = a;
    } else if (w === 'via' || w === 'gw') {
      if (w === 'gw') p.error('"gw" for routes is deprecated. Please use "via"');
      let v = next();
      if (v === 'inet' || v === 'inet6') v = next();
      const a = address(v, 'via');
      if (a === null) return null;
      r.via = a;
    } else if (w === 'from') {
      const v = next() ?? '';
      const pre = parseAddressWithPrefix(p, v);
      if (!pre) return null;
      if (pre.address.family !== 'inet6') p.error(`route from address only supported with IPv6 (${v})`);
      r.from = `${formatIp(pre.address)}/${pre.prefix}`;
    } else if (w === 'tos' || w === 'dsfield') {
      const v = next() ?? '';
      if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) || Number(v) > 255) p.error(`TOS value ${v} is invalid`);
      else r.tos = v;
    } else if (w === 'table') {
      const v = next() ?? '';
      if (!byteOrName(v, Tables, 0xffffffff)) p.error(`Routing table ${v} not found for route`);
      else r.table = v;
    } else if (w === 'protocol' || w === 'proto') {
      const v = next() ?? '';
      if (!byteOrName(v, Protocols, 255)) p.error(`Protocol ${v} not found or invalid for route`);
      else r.protocol = v;
    } else if (w === 'scope') {
      const v = next() ?? '';
      if (!byteOrName(v, Scopes, 255)) p.error(`Scope ${v} not found or invalid for route`);
      else r.scope = v;
    } else if (w === 'metric' || w === 'priority' || w === 'preference') {
      const v = next() ?? '';
      if (!/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) p.error(`Invalid metric ${v} for route`);
      else r.metric = Number(v);
    } else if (w === 'dev' || w === 'oif') {
      const v = next() ?? '';
      if (p.interfaceMissing(v)) p.error(`WARNING - interface ${v} for VROUTE nexthop doesn't exist`);
      r.dev = v;
    } else if (w === 'onlink') {
      r.onlink = true;
    } else if (w === 'add' || w === 'prepend' || w === 'append') {
      r.attributes[w] = 'true';
    } else if (Attributes.includes(w)) {
      const v = next();
      if (v === undefined) {
        p.error(`${w} requires a value for route`);
        return null;
      }
      if (w === 'pref' && !['low', 'medium', 'high'].includes(v)) p.error(`Invalid pref ${v} for route`);
      r.attributes[w] = v;
    } else if (w === 'or') {
      p.error('"or" for routes is deprecated. Please use "nexthop"');
      const a = address(next(), 'or');
      if (a !== null) r.or = a;
    } else if (w === 'nexthop') {
      const hops: string[][] = [];
      let cur: string[] = [];
      for (i++; i < words.length; i++) {
        if (words[i] === 'nexthop') {
          hops.push(cur);
          cur = [];
        } else cur.push(words[i]!);
      }
      hops.push(cur);
      r.nexthop = hops;
    } else if (w === 'no_track') {
      r.no_track = true;
    } else if (kind === 'static' && w === 'track_group') {
      const v = next();
      if (v === undefined) p.error('track_group requires a name');
      else r.track_group = v;
    } else {
      let j = i;
      if (words[j] === 'to') j++;
      if (RouteTypes.includes(words[j] ?? '')) {
        r.type = words[j]!;
        j++;
      }
      i = j;
      dest = words[i];
      if (dest === undefined) {
        p.error('Route must have a destination');
        return null;
      }
      let pre;
      if (dest === 'default' || dest === 'any' || dest === 'all') pre = { text: '0.0.0.0/0', family: 'inet' as Family };
      else if (dest === 'default6') pre = { text: '::/0', family: 'inet6' as Family };
      else {
        const slash = dest.indexOf('/');
        const a = parseIp(slash >= 0 ? dest.slice(0, slash) : dest);
        const len = slash >= 0 ? dest.slice(slash + 1) : undefined;
        const full = a?.family === 'inet6' ? 128 : 32;
        if (!a || (len !== undefined && (!/^[0-9]+$/.test(len) || Number(len) > full))) {
          p.error(`unknown route keyword ${dest}`);
          return null;
        }
        pre = { text: `${formatIp(a)}/${len ?? full}`, family: a.family };
      }
      if (!sameFamily(pre.family, dest)) return null;
      r.to = pre.text;
    }
  }
  if (r.to === undefined) {
    p.error('Route must have a destination');
    return null;
  }
  if (!r.no_track && r.dev === undefined) {
    p.error(`Warning - cannot track route ${dest ?? r.to} with no interface specified, not tracking`);
    r.no_track = true;
  }
  if (r.track_group !== undefined && r.dev === undefined) {
    p.error('Static route cannot have track group if no oif specified');
    delete r.track_group;
  }
  return { ...r, to: r.to, family: family ?? 'inet' };
}
