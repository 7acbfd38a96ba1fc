/**
 * One line of virtual_routes / static_routes (keepalived: vrrp/vrrp_iproute.c `alloc_route()`),
 * the ip-route(8) syntax: `[type] [to] <prefix> [src <ip>] [via|gw <ip>] [dev|oif <if>]
 * [table <t>] [metric <n>] [scope <s>] [protocol <p>] [mtu ...] ... [or <ip>] [nexthop ...]
 * [no_track] [track_group <g>]`.
 */
import type { Parser } from '../parser.js';
import { Grade } from '../diagnostics.js';
import { formatIp, parseIp, type Family } from '../address.js';

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

const RouteTypes = ['local', 'nat', 'broadcast', 'brd', 'anycast', 'multicast', 'prohibit', 'unreachable', 'blackhole', 'xresolve', 'unicast', 'throw'];
const Tables: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
const Protocols = ['unspec', 'redirect', 'kernel', 'boot', 'static', 'gated', 'ra', 'mrt', 'zebra', 'bird', 'dnrouted', 'xorp', 'ntk', 'dhcp', 'keepalived', 'babel', 'bgp', 'isis', 'ospf', 'rip', 'eigrp'];
const Scopes = ['global', 'universe', 'site', 'link', 'host', 'nowhere'];
const Attributes = ['mtu', 'hoplimit', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'realms', 'rto_min', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'ttl-propagate', 'expires', 'fastopen_no_cookie', 'encap', 'vrf', 'as'];

function byteOrName(word: string, names: readonly string[] | Readonly<Record<string, number>>, max: number): boolean {
  if (Array.isArray(names) ? names.includes(word) : Object.hasOwn(names, word)) return true;
  return /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(word) && Number(word) <= max;
}

/** find_rttables_rtntype(): a route type name or a number 0-255 (strtoul base 0). */
export function isRouteType(word: string): boolean {
  if (RouteTypes.includes(word)) return true;
  const n = /^0[xX][0-9a-fA-F]+$/.test(word) ? parseInt(word, 16) : /^0[0-7]*$/.test(word) ? parseInt(word, 8) : /^[1-9][0-9]*$/.test(word) ? Number(word) : NaN;
  return n <= 255;
}

/**
 * keepalived's parse_route(): `default`, `any` and `all` have no family of their own (undefined)
 * until the rest of the route gives one; otherwise an address with an optional prefix length.
 */
function parseRouteDestination(p: Parser, text: string): { text?: string; family?: Family } | null {
  if (text === 'default' || text === 'any' || text === 'all') return {};
  if (text === 'default6') {
    p.report(Grade.Info, "'default6' is deprecated - please replace with 'inet6 default'");
    return { text: '::/0', family: 'inet6' };
  }
  return readPrefix(p, text);
}

/**
 * `ADDRESS[/LEN]` of a route or rule: the family from the text, a bad length reported and replaced
 * by the full one, a bad address reported (null), as keepalived's parse_route() reads it.
 */
export function readPrefix(p: Parser, text: string): { text: string; family: Family } | null {
  const family: Family = text.includes(':') ? 'inet6' : 'inet';
  const full = family === 'inet6' ? 128 : 32;
  const slash = text.indexOf('/');
  let len = full;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^[0-9]+$/.test(lenText) || Number(lenText) > full) p.error(`Invalid address prefix len ${lenText} for address ${text} - using ${full}`);
    else len = Number(lenText);
  }
  const a = parseIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!a || a.family !== family) {
    p.error(`VRRP parsed invalid IP ${text}. skipping IP...`);
    return null;
  }
  return { text: `${formatIp(a)}/${len}`, family };
}

export function parseIpRouteEntry(p: Parser, words: readonly string[], kind: 'virtual' | 'static'): IpRouteEntry | null {
  // As keepalived's alloc_route(): the family is unset until a word gives one, and every later
  // word with a family (including `default`, which has none) must agree with it.
  let family: Family | undefined;
  let dest: string | undefined;
  let destFamily: Family | undefined;
  const r: Omit<IpRouteEntry, 'to' | 'family'> & { to?: string } = { no_track: false, attributes: {} };
  const sameFamily = (f: Family | undefined, what?: string): boolean => {
    if (family === undefined) family = f;
    else if (family !== f) {
      p.error(`Cannot mix IPv4 and IPv6 addresses for route${what === undefined ? '' : ` (${what})`}`);
      return false;
    }
    return true;
  };
  const address = (w: string | undefined, what: string): string | null => {
    const a = w === undefined ? null : parseIp(w);
    if (!a) {
      if (w !== undefined) p.error(`VRRP parsed invalid IP ${w}. skipping IP...`);
      p.error(`invalid route ${what} address ${w ?? ''}`);
      return null;
    }
    return sameFamily(a.family) ? formatIp(a) : null;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (): string | undefined => words[++i];
    if (w === 'inet' || w === 'inet6') {
      if (family !== undefined && family !== w) {
        p.error(`${w} specified for ${w === 'inet' ? 'IPv6' : 'IPv4'} route`);
        return null;
      }
      family = w;
      // keepalived steps over the word after the family too
      i++;
    } else if (w === 'src') {
      const a = address(next(), 'src');
      if (a === null) return null;
      r.src = a;
    } else if (w === 'via' || w === 'gw') {
      if (w === 'gw') p.error('"gw" for routes is deprecated. Please use "via"');
      let v = next();
      if (v === 'inet' || v === 'inet6') {
        if (!sameFamily(v)) return null;
        v = next();
      }
      const a = address(v, 'via');
      if (a === null) return null;
      r.via = a;
    } else if (w === 'from') {
      const v = next() ?? '';
      const pre = parseRouteDestination(p, v);
      if (!pre) {
        p.error(`invalid route from address ${v}`);
        return null;
      }
      if (pre.family !== 'inet6') {
        p.error(`route from address only supported with IPv6 (${v})`);
        return null;
      }
      if (!sameFamily(pre.family)) return null;
      r.from = pre.text!;
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
      // these three tie the route to one family
      if (w === 'realms' || w === 'pref' || w === 'expires') {
        const only: Family = w === 'realms' ? 'inet' : 'inet6';
        if (family !== undefined && family !== only) {
          p.error(w === 'realms' ? 'realms are only valid for IPv4' : `${w} is only valid for IPv6`);
          return null;
        }
        family = only;
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
    } else if (kind === 'static' && w === 'track_group') {
      const v = next();
      if (v === undefined) p.error('track_group requires a name');
      else r.track_group = v;
    } else if (w === 'no_track') {
      r.no_track = true;
    } else {
      // keepalived skips a leading `to`, but looks for the route type in the word it saw first
      // (so `to unicast 192.0.2.0/24` fails on `unicast`)
      if (w === 'to') i++;
      if (isRouteType(w)) {
        r.type = w;
        i++;
      }
      dest = words[i];
      if (dest === undefined) {
        p.error('Route must have a destination');
        return null;
      }
      const pre = parseRouteDestination(p, dest);
      if (!pre) {
        p.error(`unknown route keyword ${dest}`);
        return null;
      }
      if (!sameFamily(pre.family, dest)) return null;
      destFamily = pre.family;
      r.to = pre.text ?? '';
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
  const fam: Family = family ?? 'inet';
  // a family-less destination (`default`) takes the route's family
  if (destFamily === undefined) r.to = fam === 'inet6' ? '::/0' : '0.0.0.0/0';
  return { ...r, to: r.to, family: fam };
}
