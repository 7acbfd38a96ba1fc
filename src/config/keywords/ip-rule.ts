/**
 * One line of virtual_rules / static_rules (keepalived: vrrp/vrrp_iprule.c `alloc_rule()`), the
 * ip-rule(8) syntax: `[from <prefix>] [to <prefix>] [table|lookup <t>] [preference <n>]
 * [fwmark <m>[/<mask>]] [tos <t>] [dev|iif <if>] [oif <if>] [uidrange a-b] [goto <n>] ...`.
 */
import type { Parser } from '../parser.js';
import { formatIp, parseIp, type Family } from '../address.js';
import { isRouteType, readPrefix } from './ip-route.js';

export interface IpRuleEntry {
  family: Family;
  from?: string;
  to?: string;
  table?: string;
  preference: number;
  /** True when keepalived chose the preference because none was given. */
  preference_defaulted?: boolean;
  fwmark?: string;
  tos?: string;
  iif?: string;
  oif?: string;
  realms?: string;
  suppress_prefixlength?: number;
  suppress_ifgroup?: string;
  tunnel_id?: string;
  uidrange?: string;
  l3mdev?: boolean;
  protocol?: string;
  ipproto?: string;
  sport?: string;
  dport?: string;
  /** table (lookup), goto, nop, blackhole, prohibit, unreachable or l3mdev. */
  action: string;
  goto?: number;
  no_track: boolean;
  track_group?: string;
}

/** keepalived numbers rules without a preference downwards from 16384, per family, per load. */
const nextPreference = new WeakMap<Parser, Record<Family, number>>();

const Actions = ['blackhole', 'prohibit', 'unreachable', 'nop'];
const Tables: Readonly<Record<string, number>> = { default: 253, main: 254, local: 255 };

export function parseIpRuleEntry(p: Parser, words: readonly string[], kind: 'virtual' | 'static'): IpRuleEntry | null {
  let family: Family | undefined;
  const r: Partial<IpRuleEntry> & { no_track: boolean } = { no_track: false };
  // As keepalived's alloc_rule(): `all`/`any`/`default` have no family, and must still agree
  // with a family set before them (so `to 2001:db8::/32 from all` is refused, the other order not).
  let familySet = false;
  const mixed = (f: Family | undefined): boolean => {
    if (!familySet) {
      family = f;
      familySet = f !== undefined;
    } else if (family !== f) {
      p.error('rule specification has mixed IPv4 and IPv6');
      return true;
    }
    return false;
  };
  const prefix = (w: string | undefined, what: string): string | null => {
    const text = w ?? '';
    if (text === 'all' || text === 'any' || text === 'default') return mixed(undefined) ? null : 'all';
    const read = readPrefix(p, text);
    if (!read) {
      p.error(`Invalid rule ${what} address ${text}`);
      return null;
    }
    if (mixed(read.family)) return null;
    return read.text;
  };
  const setAction = (action: string): boolean => {
    if (r.action !== undefined) {
      p.error('Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule');
      return false;
    }
    r.action = action;
    return true;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (): string => words[++i] ?? '';
    if (w === 'inet' || w === 'inet6') {
      if (familySet && family !== w) {
        p.error(`${w} specified for ${w === 'inet' ? 'IPv6' : 'IPv4'} rule`);
        return null;
      }
      family = w;
      familySet = true;
      // keepalived steps over the word after the family too
      i++;
    } else if (w === 'from' || w === 'to') {
      const v = prefix(next(), w);
      if (v === null) return null;
      r[w] = v;
    } else if (w === 'table' || w === 'lookup') {
      const v = next();
      if (!(Object.hasOwn(Tables, v) || /^[0-9]+$/.test(v))) {
        p.error(`Routing table ${v} not found for rule`);
        return null;
      }
      if (v === '0') {
        p.error('Table 0 is not valid');
        return null;
      }
      if (!setAction('table')) return null;
      r.table = v;
    } else if (w === 'preference' || w === 'order' || w === 'priority') {
      const v = next();
      if (!/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) {
        p.error(`Invalid rule preference ${v} specified`);
        return null;
      }
      r.preference = Number(v);
    } else if (w === 'tos' || w === 'dsfield') {
      const v = next();
      if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v) || Number(v) > 255) {
        p.error(`TOS value ${v} is invalid`);
        return null;
      }
      r.tos = v;
    } else if (w === 'fwmark') {
      const v = next();
      if (!/^(0x[0-9a-fA-F]+|[0-9]+)(\/(0x[0-9a-fA-F]+|[0-9]+))?$/.test(v)) {
        p.error(`Invalid rule fwmark ${v} specified`);
        return null;
      }
      r.fwmark = v;
    } else if (w === 'realms') {
      r.realms = next();
      if (familySet && family !== 'inet') {
        p.error('realms is only valid for IPv4');
        return null;
      }
      family = 'inet';
      familySet = true;
    } else if (w === 'suppress_prefixlength' || w === 'sup_pl') {
      const v = next();
      if (!/^[0-9]+$/.test(v) || Number(v) > 128) {
        p.error(`Invalid suppress_prefixlength ${v} specified`);
        return null;
      }
      r.suppress_prefixlength = Number(v);
    } else if (w === 'suppress_ifgroup' || w === 'sup_group') {
      r.suppress_ifgroup = next();
    } else if (w === 'dev' || w === 'iif' || w === 'oif') {
      const v = next();
      if (p.interfaceMissing(v)) p.error(`WARNING - interface ${v} for rule doesn't exist`);
      if (w === 'oif') r.oif = v;
      else r.iif = v;
    } else if (w === 'tunnel-id') {
      r.tunnel_id = next();
    } else if (w === 'uidrange') {
      const v = next();
      if (!/^[0-9]+-[0-9]+$/.test(v)) {
        p.error(`Invalid uidrange ${v} specified`);
        return null;
      }
      r.uidrange = v;
    } else if (w === 'l3mdev') {
      if (!setAction('l3mdev')) return null;
      r.l3mdev = true;
    } else if (w === 'protocol') {
      r.protocol = next();
    } else if (w === 'ipproto') {
      r.ipproto = next();
    } else if (w === 'sport' || w === 'dport') {
      const v = next();
      if (!/^[0-9]+(-[0-9]+)?$/.test(v)) {
        p.error(`invalid ${w} range ${v}`);
        return null;
      }
      r[w] = v;
    } else if (w === 'no_track') {
      r.no_track = true;
    } else if (kind === 'static' && w === 'track_group') {
      r.track_group = next();
    } else {
      const action = w === 'type' ? next() : w;
      if (action === 'goto') {
        const v = next();
        if (!/^[0-9]+$/.test(v)) {
          p.error(`Invalid target ${v} specified`);
          return null;
        }
        if (!setAction('goto')) return null;
        r.goto = Number(v);
      } else if (Actions.includes(action)) {
        if (!setAction(action)) return null;
      } else if (isRouteType(action)) {
        // a route type (name or number) that is not one of the rule actions
        p.error(`Invalid rule action ${action}`);
        return null;
      } else {
        p.error(`Unknown rule option ${action}`);
        return null;
      }
    }
  }
  if (r.action === 'goto') {
    if (r.preference === undefined) {
      p.error(`Invalid rule - goto target ${r.goto} specified without preference`);
      return null;
    }
    if (r.preference >= r.goto!) {
      p.error(`Invalid rule - preference ${r.preference} >= goto target ${r.goto}`);
      return null;
    }
  }
  if (r.action === undefined) {
    p.error('No action specified for rule - ignoring');
    return null;
  }
  if (r.track_group !== undefined && r.iif === undefined) {
    p.error('Static rule cannot have track_group if dev/iif not specified');
    delete r.track_group;
  }
  const fam: Family = family ?? 'inet';
  if (r.preference === undefined) {
    const counters = nextPreference.get(p) ?? { inet: 16384, inet6: 16384 };
    nextPreference.set(p, counters);
    r.preference = counters[fam]--;
    r.preference_defaulted = true;
    p.error(`Rule has no preference specified - setting to ${r.preference}. This is probably not what you want.`);
  }
  return { ...r, family: fam, preference: r.preference, action: r.action };
}
