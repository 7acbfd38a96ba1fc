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

function garpInterval(field: 'garp_interval' | 'gna_interval') {
  return (g: GarpGroup, st: { words: readonly string[] }, p: Parser): void => {
    const us = readTimerUs(p, st.words[1], 0, 2147483647);
    if (us === null) p.error(`garp_group ${field} '${st.words[1] ?? ''}' invalid`);
    else g[field] = us / 1e6;
  };
}

/**
 * keepalived (vrrp_parser.c garp_group_*_handler): an interface belongs to one garp_group at most;
 * a later group naming it is told so (for an `interfaces` block, naming the block's second entry,
 * as keepalived does) and does not get it.
 */
function garpGroupOf(c: C, name: string): GarpGroup | undefined {
  return c.garp_group.find((g) => g.interfaces.includes(name));
}

/** keepalived's number for a garp_group: given when its `interfaces` block is read, else 0. */
const aggregationGroup = new WeakMap<GarpGroup, number>();
/** The configuration a garp_group belongs to (its handlers need the other groups). */
const garpConfig = new WeakMap<GarpGroup, C>();

function garpInterface(g: GarpGroup, p: Parser, name: string, shown: string, inBlock: boolean): void {
  const c = garpConfig.get(g)!;
  if (p.interfaceMissing(name)) {
    p.error(`WARNING - interface ${name} specified for garp_group doesn't exist`);
    return;
  }
  if (garpGroupOf(c, name) !== undefined) {
    p.error(`garp_group already specified for ${inBlock ? shown : name} - ignoring`);
    return;
  }
  g.interfaces.push(name);
}

const garpGroupKeywords: KeywordTable<GarpGroup> = {
  garp_interval: garpInterval('garp_interval'),
  gna_interval: garpInterval('gna_interval'),
  interface: (g, st, p) => {
    const name = st.words[1] ?? p.missingParameter();
    garpInterface(g, p, name, name, false);
  },
  interfaces: (g, st, p) => {
    const names = p.readValueWords(st);
    if (names.length === 0) {
      p.error('Warning - empty garp_group interfaces block');
      return;
    }
    const c = garpConfig.get(g)!;
    aggregationGroup.set(g, 1 + c.garp_group.filter((o) => o !== g && aggregationGroup.has(o)).length);
    for (const name of names) garpInterface(g, p, name, names[1] ?? '(null)', true);
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
      garpConfig.set(g, c);
      c.garp_group.push(g);
      return g;
    },
    garpGroupKeywords,
    (g, c, p) => {
      // keepalived keeps a group without interfaces; one without any interval is removed
      if (g.garp_interval === undefined && g.gna_interval === undefined) {
        p.error(`garp group ${aggregationGroup.get(g) ?? 0} does not have any delay set - removing`);
        c.garp_group.splice(c.garp_group.indexOf(g), 1);
      }
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
