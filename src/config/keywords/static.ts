/**
 * Top-level VRRP-pass blocks that are not instances: static_ipaddress / static_routes /
 * static_rules, track_group, garp_group, linkbeat_interfaces and interface_up_down_delays
 * (keepalived: vrrp/vrrp_parser.c `init_vrrp_keywords()`).
 */
import { block, type KeywordTable, type Parser } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { readDecimal, readTimerUs } from '../values.js';
import { parseIpAddressEntry } from './ip-address.js';
import { parseIpRouteEntry } from './ip-route.js';
import { parseIpRuleEntry } from './ip-rule.js';

export interface GarpGroup {
  /** Seconds between gratuitous ARPs on these interfaces. */
  garp_interval?: number;
  /** Seconds between unsolicited neighbour advertisements. */
  gna_interval?: number;
  interfaces: string[];
}

export interface TrackGroup {
  name: string;
  group: string[];
}

export interface LinkbeatInterface {
  name: string;
}

export interface InterfaceUpDownDelay {
  name: string;
  /** Seconds. */
  up_delay: number;
  down_delay: number;
}

type C = KeepalivedConfig;

function checkInterface(p: Parser, name: string, what: string): boolean {
  if (p.interfaceMissing(name)) {
    p.error(`${what} interface ${name} doesn't exist`);
    return false;
  }
  return true;
}

function garpInterval(field: 'garp_interval' | 'gna_interval') {
  return (g: GarpGroup, st: { words: readonly string[] }, p: Parser): void => {
    const us = readTimerUs(p, st.words[1], 0, 1_000_000);
    if (us === null) p.error(`Invalid garp_group ${field} ${st.words[1] ?? ''}`);
    else g[field] = us / 1e6;
  };
}

const garpGroupKeywords: KeywordTable<GarpGroup> = {
  garp_interval: garpInterval('garp_interval'),
  gna_interval: garpInterval('gna_interval'),
  interface: (g, st, p) => {
    const name = st.words[1];
    if (name === undefined) p.error('garp_group interface requires a name');
    else if (checkInterface(p, name, 'garp_group')) g.interfaces.push(name);
  },
  interfaces: (g, st, p) => {
    for (const name of p.readValueWords(st)) if (checkInterface(p, name, 'garp_group')) g.interfaces.push(name);
  },
};

const trackGroupKeywords: KeywordTable<TrackGroup> = {
  group: (t, st, p) => {
    if (t.group.length) p.error(`track_group ${t.name} group already specified - ignoring`);
    else t.group = p.readValueWords(st);
  },
};

export const staticRootKeywords: KeywordTable<C> = {
  track_group: block(
    (c, st, p) => {
      const name = st.words[1];
      if (name === undefined) {
        p.error('track_group must have a name - skipping');
        return null;
      }
      if (c.track_group.some((t) => t.name === name)) {
        p.error(`track_group ${name} already defined`);
        return null;
      }
      const t: TrackGroup = { name, group: [] };
      c.track_group.push(t);
      return t;
    },
    trackGroupKeywords,
  ),
  static_ipaddress: (c, st, p) => {
    p.eachValue(st, (e) => {
      const entry = parseIpAddressEntry(p, e.words, 'static', c.global_defs.default_interface);
      if (entry) c.static_ipaddress.push(entry);
    });
  },
  static_routes: (c, st, p) => {
    p.eachValue(st, (e) => {
      const entry = parseIpRouteEntry(p, e.words, 'static');
      if (entry) c.static_routes.push(entry);
    });
  },
  static_rules: (c, st, p) => {
    p.eachValue(st, (e) => {
      const entry = parseIpRuleEntry(p, e.words, 'static');
      if (entry) c.static_rules.push(entry);
    });
  },
  garp_group: block(
    (c) => {
      const g: GarpGroup = { interfaces: [] };
      c.garp_group.push(g);
      return g;
    },
    garpGroupKeywords,
    (g, _c, p) => {
      if (g.interfaces.length === 0) p.error('garp_group has no interfaces specified - ignoring');
      else if (g.garp_interval === undefined && g.gna_interval === undefined) p.error('garp group has no gratuitous ARP or NA interval specified - ignoring');
    },
  ),
  linkbeat_interfaces: (c, st, p) => {
    for (const name of p.readValueWords(st)) c.linkbeat_interfaces.push({ name });
  },
  interface_up_down_delays: (c, st, p) => {
    p.eachValue(st, (e) => {
      const [name, up, down] = e.words;
      if (name === undefined || up === undefined) {
        p.error('interface_up_down_delays requires an interface and a delay');
        return;
      }
      const upUs = readDecimal(p, up, 0, 254_000_000, 6);
      const downUs = down === undefined ? upUs : readDecimal(p, down, 0, 254_000_000, 6);
      if (upUs === null || downUs === null) return;
      c.interface_up_down_delays.push({ name, up_delay: upUs / 1e6, down_delay: downUs / 1e6 });
    });
  },
};
