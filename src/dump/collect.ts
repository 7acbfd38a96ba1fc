/**
 * A DumpSnapshot from what the running daemon has: the parsed configuration, the VRRP daemon
 * (runners, sync groups, trackers) and the checker daemon. keepalived prints some run-time
 * facts the daemon does not keep or expose; they come through `runtime` when the caller has
 * them, else the dump shows keepalived's value for an unknown (see DumpRuntime).
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { AddressInfo, LinkInfo } from '../netlink/rtnl.js';
import { CollectContext, addressText, type DumpHostFacts } from './collect-context.js';
import { collectGlobals } from './collect-globals.js';
import { VrrpCollector, type DumpRuntime, type VrrpClock, type VrrpView } from './collect-vrrp.js';
import { CheckCollector, type CheckerView } from './collect-check.js';
import { formatIpAddress } from './text.js';
import type { DumpInstance, DumpInterface, DumpSnapshot, DumpTracking } from './snapshot.js';

export type { RunnerView, VrrpView, DumpRuntime, VrrpClock } from './collect-vrrp.js';
export type { CheckerView } from './collect-check.js';
export type { DumpHostFacts } from './collect-context.js';

export interface DumpSources {
  readonly config: KeepalivedConfig;
  /** The VrrpDaemon, or null when VRRP does not run. */
  readonly vrrp?: VrrpView | null;
  /** The CheckerDaemon, or null when the checkers do not run. */
  readonly checkers?: CheckerView | null;
  /** Users, groups, realpath and $PATH (systemHostEnvironment() in the daemon). */
  readonly host: DumpHostFacts;
  readonly clock: VrrpClock;
  readonly runtime?: DumpRuntime;
  /** The host's links and addresses (RouteNetlink links() and addresses()) for the Interfaces section. */
  readonly links?: { readonly links: readonly LinkInfo[]; readonly addresses: readonly AddressInfo[] };
  /** `-m/--umask`, which overrides the configuration's. */
  readonly umask?: number;
}

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFF_LOOPBACK = 0x8;
const AF_INET = 2;
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const ARPHRD_NONE = 65534;

/** What keepalived prints of an interface it has not tuned: no debounce, linkbeat or sysctl changes (none is acted on yet). */
const untunedInterface = {
  upDebounceUs: 0,
  downDebounceUs: 0,
  linkbeatPolling: false,
  resetArpConfig: 0,
  arpIgnore: 0,
  arpFilter: 0,
  promoteSecondaries: 0,
  resetPromoteSecondaries: 0,
} as const;

/** Which instances track each interface: their own (weight 0, unless dont_track_primary) and track_interface. */
function interfaceTracking(instances: readonly DumpInstance[]): Map<string, DumpTracking[]> {
  const out = new Map<string, DumpTracking[]>();
  const add = (name: string, t: DumpTracking): void => {
    const list = out.get(name) ?? [];
    list.push(t);
    out.set(name, list);
  };
  for (const i of instances) if (i.interface !== undefined && !i.dontTrackPrimary) add(i.interface, { instance: i.name, weight: 0, reverse: false });
  for (const i of instances) for (const t of i.trackInterfaces) add(t.name, { instance: i.name, weight: t.weight, reverse: t.reverse });
  return out;
}

const mac = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/**
 * The Interfaces section from the host's links and addresses. keepalived's own virtual
 * addresses are not listed (it never counts them as the interface's); the IPv6 address shown is
 * the link-local one when there is one. rtnetlink's link type and broadcast address are not in
 * LinkInfo: a loopback is LOOPBACK, a 6-byte address ETHERNET with ff:ff:ff:ff:ff:ff.
 */
export function interfacesFromLinks(links: readonly LinkInfo[], addresses: readonly AddressInfo[], instances: readonly DumpInstance[], vipTexts: ReadonlySet<string>): DumpInterface[] {
  const tracking = interfaceTracking(instances);
  return links.map((l) => {
    const own = addresses.filter((a) => a.ifindex === l.ifindex);
    const texts = (family: number): string[] =>
      own
        .filter((a) => (family === AF_INET ? a.family === AF_INET : a.family !== AF_INET))
        .map((a) => a.local ?? a.address)
        .filter((b): b is Uint8Array => b !== undefined)
        .map(addressText)
        .filter((t) => !vipTexts.has(t));
    const v4 = texts(AF_INET);
    const v6all = texts(10);
    // keepalived keeps an interface's link-local IPv6 address only (its other ones are not printed)
    const v6 = v6all.find((t) => t.startsWith('fe80:'));
    const loopback = (l.flags & IFF_LOOPBACK) !== 0;
    const hasMac = !loopback && l.mac !== undefined && l.mac.length > 0;
    const up = (l.flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
    return {
      name: l.name ?? '',
      index: l.ifindex,
      ...(v4[0] !== undefined ? { ipv4: v4[0] } : {}),
      ipv4Extra: v4.slice(1),
      ...(v6 !== undefined ? { ipv6: v6 } : {}),
      ipv6Extra: v6all.filter((t) => t !== v6 && t.startsWith('fe80:')),
      ...(hasMac ? { mac: mac(l.mac!), macBroadcast: l.mac!.length === 6 ? 'ff:ff:ff:ff:ff:ff' : '' } : {}),
      flags: l.flags,
      seenUp: up,
      mtu: l.mtu ?? 0,
      hwType: loopback ? ARPHRD_LOOPBACK : l.mac?.length === 6 ? ARPHRD_ETHER : ARPHRD_NONE,
      ...untunedInterface,
      tracking: tracking.get(l.name ?? '') ?? [],
    };
  });
}

/** Without the host's links: the interfaces the instances use, with what their runners know. */
function interfacesFromRunners(view: VrrpView, instances: readonly DumpInstance[]): DumpInterface[] {
  const tracking = interfaceTracking(instances);
  const seen = new Map<string, DumpInterface>();
  for (const r of view.runners) {
    const f = r.iface;
    if (!f || seen.has(f.name)) continue;
    const flags = f.up ? IFF_UP | IFF_RUNNING | 0x2 | 0x1000 : 0x2 | 0x1000;
    seen.set(f.name, {
      name: f.name,
      index: f.ifindex,
      ...(f.primaryAddress ? { ipv4: addressText(f.primaryAddress) } : {}),
      ipv4Extra: [],
      ipv6Extra: [],
      mac: mac(f.mac),
      macBroadcast: 'ff:ff:ff:ff:ff:ff',
      flags: f.noArp ? flags | 0x80 : flags,
      seenUp: f.up,
      mtu: 0,
      hwType: ARPHRD_ETHER,
      ...untunedInterface,
      tracking: tracking.get(f.name) ?? [],
    });
  }
  return [...seen.values()];
}

export function collectSnapshot(src: DumpSources): DumpSnapshot {
  const config = src.config;
  const ctx = new CollectContext(src.host, config.global_defs);
  const globals = collectGlobals(config, ctx, src.umask);
  const runtime = src.runtime ?? {};
  const vrrp = src.vrrp ? new VrrpCollector(config, src.vrrp, ctx, src.clock, runtime) : null;
  const instances = vrrp ? vrrp.view.runners.map((r) => vrrp.instance(r)) : [];
  const vipTexts = new Set(vrrp ? vrrp.view.runners.flatMap((r) => [...r.config.vips, ...r.config.excludedVips].map((a) => a.address)) : []);
  const check = new CheckCollector(config, src.checkers ?? null, ctx).collect();
  return {
    globals,
    staticAddresses: config.static_ipaddress.map((a) => formatIpAddress(a, undefined, true)),
    instances,
    sockets: vrrp ? vrrp.sockets(instances) : [],
    syncGroups: vrrp ? vrrp.syncGroups(instances) : [],
    scripts: vrrp ? vrrp.scripts() : [],
    trackFiles: vrrp ? vrrp.trackFiles() : [],
    trackProcesses: vrrp ? vrrp.trackProcesses() : [],
    interfaces: src.links
      ? interfacesFromLinks(src.links.links, src.links.addresses, instances, vipTexts)
      : src.vrrp
        ? interfacesFromRunners(src.vrrp, instances)
        : [],
    virtualServers: check.virtualServers,
    checkers: check.checkers,
  };
}

export { TransitionLog } from './transitions.js';
