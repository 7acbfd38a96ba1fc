/**
 * An in-memory LAN of VRRP routers in virtual time: each router is the real VRRP engine
 * (src/vrrp/engine.ts: runners, sync groups, tracking book, event hub) over in-memory advert
 * ports, with a virtual clock for every timer and deferral. Links can lose packets (seeded),
 * be partitioned, or go down; tracked objects are reported as the trackers would.
 */
import { parseText } from './config.js';
import { ConfigTestExit, configTestExitCode } from '../../src/config/diagnostics.js';
import { silentLogger } from '../../src/log.js';
import { EventHub, type HubEvent } from '../../src/events/hub.js';
import type { Clock } from '../../src/clock.js';
import { resolveVrrp } from '../../src/vrrp/resolve.js';
import { VrrpEngine, type EngineReload } from '../../src/vrrp/engine.js';
import type { InstanceEdges, InstanceTimer, InterfaceFacts } from '../../src/vrrp/instance-runner.js';
import { decodeVrrp, encodeVrrp, type EncodeOptions, type VrrpAdvert } from '../../src/vrrp/packet.js';
import { GroupMemberships, VridDemux, type AdvertPort, type PreparedAdvert, type ReceivedAdvert } from '../../src/vrrp/transport.js';
import type { TrackerReport } from '../../src/track/types.js';
import type { AddressRequest } from '../../src/netlink/rtnl.js';

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** A clock that moves only when told; timers fire in time order, deferred work right after. */
export class VirtualClock implements Clock {
  now = 1_000_000;
  #seq = 0;
  #timers: VirtualTimer[] = [];
  #deferred: (() => void)[] = [];

  nowUs(): number {
    return this.now;
  }

  at(atUs: number, fn: () => void): () => void {
    const t = { at: Math.max(atUs, this.now), seq: this.#seq++, fn, live: true };
    this.#timers.push(t);
    return () => void (t.live = false);
  }

  createTimer(onExpire: () => void): InstanceTimer {
    let cancel: (() => void) | null = null;
    return {
      arm: (at) => {
        cancel?.();
        cancel = this.at(at, onExpire);
      },
      disarm: () => {
        cancel?.();
        cancel = null;
      },
      close: () => {
        cancel?.();
        cancel = null;
      },
    };
  }

  defer(fn: () => void): void {
    this.#deferred.push(fn);
  }

  wait(us: number): Promise<void> {
    return new Promise((r) => this.at(this.now + us, r));
  }

  async #settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      while (this.#deferred.length > 0) this.#deferred.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Run every timer due up to `to` (absolute µs), in order. */
  async runUntil(to: number): Promise<void> {
    await this.#settle();
    for (;;) {
      let next: VirtualTimer | undefined;
      for (const t of this.#timers) if (t.live && t.at <= to && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      next.live = false;
      this.now = next.at;
      next.fn();
      await this.#settle();
      if (this.#timers.length > 4096) this.#timers = this.#timers.filter((t) => t.live);
    }
    this.now = Math.max(this.now, to);
    await this.#settle();
  }

  run(forUs: number): Promise<void> {
    return this.runUntil(this.now + forUs);
  }
}

/** A deterministic random source (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface MemoryPrepared extends PreparedAdvert {
  readonly src: Uint8Array;
  readonly ttl: number;
}

const key = (a: Uint8Array): string => a.join('.');

class MemoryPort implements AdvertPort {
  readonly family = 'inet';
  readonly #demux = new VridDemux();
  readonly groups: GroupMemberships;
  readonly joined = new Set<string>();

  constructor(
    readonly lan: Lan,
    readonly router: LanRouter,
    readonly segment: string,
    readonly ifname: string,
    readonly ifindex: number,
  ) {
    this.groups = new GroupMemberships((g, join) => (join ? this.joined.add(key(g)) : this.joined.delete(key(g))));
  }
  get dropped(): { unknownVrid: number; malformed: number } {
    return this.#demux.dropped;
  }
  prepare(advert: VrrpAdvert, addr: { src: Uint8Array; dst: Uint8Array; ttl: number }, opts?: EncodeOptions): MemoryPrepared {
    return { bytes: encodeVrrp(advert, addr, opts), dst: addr.dst, src: addr.src, ttl: addr.ttl };
  }
  send(p: PreparedAdvert): void {
    const m = p as MemoryPrepared;
    if (!this.router.linkUp(this.ifname)) throw new Error(`${this.ifname} is down`);
    this.lan.transmit(this, { src: m.src, dst: m.dst, ttl: m.ttl, payload: m.bytes.slice() });
  }
  join(group: Uint8Array): void {
    this.groups.join(group);
  }
  leave(group: Uint8Array): void {
    this.groups.leave(group);
  }
  subscribe(vrid: number, fn: (rx: ReceivedAdvert) => void): () => void {
    return this.#demux.subscribe(vrid, fn);
  }
  deliver(rx: ReceivedAdvert): void {
    this.#demux.deliver(rx);
  }
  close(): void {}
}

export interface Sent {
  at: number;
  router: string;
  segment: string;
  vrid: number;
  priority: number;
}

/** The segments, the routers on them, and the faults between them. */
export class Lan {
  readonly clock = new VirtualClock();
  readonly routers: LanRouter[] = [];
  readonly sent: Sent[] = [];
  /** Probability that a packet is lost on its way to each receiver. */
  loss = 0;
  latencyUs = 200;
  readonly random: () => number;
  readonly #partitioned = new Set<string>();

  constructor(seed = 1) {
    this.random = seeded(seed);
  }

  router(name: string, interfaces: Record<string, { segment: string; address: string }>, config: string): LanRouter {
    const r = new LanRouter(this, name, interfaces, config);
    this.routers.push(r);
    return r;
  }

  /** Routers that cannot hear each other (both ways). */
  partition(a: LanRouter, b: LanRouter): void {
    this.#partitioned.add(`${a.name}|${b.name}`).add(`${b.name}|${a.name}`);
  }
  heal(): void {
    this.#partitioned.clear();
  }

  transmit(from: MemoryPort, pkt: { src: Uint8Array; dst: Uint8Array; ttl: number; payload: Uint8Array }): void {
    const d = decodeVrrp(pkt.payload, pkt);
    if (d.ok) this.sent.push({ at: this.clock.now, router: from.router.name, segment: from.segment, vrid: d.advert.vrid, priority: d.advert.priority });
    const multicast = pkt.dst[0]! >= 224 && pkt.dst[0]! < 240;
    for (const r of this.routers) {
      if (r === from.router || this.#partitioned.has(`${from.router.name}|${r.name}`)) continue;
      for (const port of r.ports) {
        if (port.segment !== from.segment || !r.linkUp(port.ifname)) continue;
        if (multicast ? !port.joined.has(key(pkt.dst)) : !r.owns(pkt.dst)) continue;
        if (this.loss > 0 && this.random() < this.loss) continue;
        this.clock.at(this.clock.now + this.latencyUs, () => {
          if (r.running && r.linkUp(port.ifname)) port.deliver({ ...pkt, ifindex: port.ifindex, receivedAtUs: null });
        });
      }
    }
  }

  run(forUs: number): Promise<void> {
    return this.clock.run(forUs);
  }

  /** The routers holding `vip` now. */
  holders(vip: string): string[] {
    return this.routers.filter((r) => r.running && r.vips.has(vip)).map((r) => r.name);
  }
}

/** One router: the VRRP engine of a configuration, on the LAN. */
export class LanRouter {
  readonly engine: VrrpEngine;
  readonly hub = new EventHub((e) => {
    throw e;
  });
  readonly ports: MemoryPort[] = [];
  readonly vips = new Set<string>();
  readonly fifo: string[] = [];
  readonly scripts: string[][] = [];
  readonly events: HubEvent[] = [];
  /** Every address added or removed, in order (`add 192.0.2.100`, `del ...`). */
  readonly addressOps: string[] = [];
  /** Gratuitous ARP frames sent. */
  garps = 0;
  running = false;
  readonly #links = new Map<string, boolean>();
  readonly #addresses: Set<string>;

  constructor(
    readonly lan: Lan,
    readonly name: string,
    readonly interfaces: Record<string, { segment: string; address: string }>,
    config: string,
  ) {
    const parsed = usable(name, config);
    this.#addresses = new Set(Object.values(interfaces).map((i) => i.address));
    const names = Object.keys(interfaces);
    names.forEach((n, i) => {
      this.#links.set(n, true);
      this.ports.push(new MemoryPort(lan, this, interfaces[n]!.segment, n, i + 2));
    });
    this.hub.subscribe((e) => this.events.push(e));
    const clock = lan.clock;
    const edges = (): InstanceEdges => ({
      sendFrame: () => void this.garps++,
      addAddress: async (a: AddressRequest) => {
        this.addressOps.push(`add ${a.local.join('.')}`);
        this.vips.add(a.local.join('.'));
      },
      deleteAddress: async (a: AddressRequest) => {
        this.addressOps.push(`del ${a.local.join('.')}`);
        if (!this.vips.delete(a.local.join('.'))) throw Object.assign(new Error('not there'), { code: 'EADDRNOTAVAIL' });
      },
      runScript: async (_what, args) => void this.scripts.push(args),
      writeFifo: (line) => void this.fifo.push(line),
      interfaceIndex: (n) => (this.#links.has(n) ? names.indexOf(n) + 2 : null),
      nowUs: () => clock.now,
      createTimer: (fn) => clock.createTimer(fn),
      defer: (fn) => clock.defer(fn),
      wait: (us) => clock.wait(us),
    });
    this.engine = new VrrpEngine(resolveVrrp(parsed.config), {
      log: silentLogger(),
      hub: this.hub,
      iface: (v): InterfaceFacts | null => {
        const i = v.interface === undefined ? undefined : interfaces[v.interface];
        if (!i) return null;
        return {
          name: v.interface!,
          ifindex: names.indexOf(v.interface!) + 2,
          mac: Uint8Array.of(2, 0, 0, 0, this.lan.routers.length, names.indexOf(v.interface!)),
          up: this.#links.get(v.interface!) ?? false,
          noArp: false,
          primaryAddress: Uint8Array.from(i.address.split('.').map(Number)),
        };
      },
      port: (v) => this.ports.find((p) => p.ifname === v.interface) ?? null,
      edges,
    });
    for (const n of names) if (this.engine.book.tracksInterface(n)) this.engine.book.record({ kind: 'interface', name: n, up: true });
  }

  owns(address: Uint8Array): boolean {
    return this.#addresses.has(key(address));
  }

  linkUp(ifname: string): boolean {
    return this.#links.get(ifname) ?? false;
  }

  /** Record trackers' initial states (before start), as the daemon does. */
  initial(r: TrackerReport): this {
    this.engine.book.record(r);
    return this;
  }

  start(): this {
    this.running = true;
    this.engine.start();
    return this;
  }

  report(r: TrackerReport): void {
    this.engine.report(r);
  }

  /**
   * A reload with a new configuration, as the daemon does it: the interfaces' states and
   * `carry` (the tracked objects' states the trackers keep) are recorded before any verdict.
   */
  reload(config: string, carry: TrackerReport[] = []): EngineReload {
    const parsed = usable(this.name, config);
    return this.engine.reload(resolveVrrp(parsed.config), (book) => {
      for (const n of names(this.interfaces)) if (book.tracksInterface(n)) book.record({ kind: 'interface', name: n, up: this.linkUp(n) });
      for (const r of carry) book.record(r);
    });
  }

  setLink(ifname: string, up: boolean): void {
    this.#links.set(ifname, up);
    this.engine.linkChanged(names(this.interfaces).indexOf(ifname) + 2, ifname, up);
  }

  /** A crash: nothing more is sent or received, addresses stay (as after kill -9). */
  crash(): void {
    this.running = false;
    for (const r of this.engine.runners) r.machine.handle({ type: 'shutdown' }, this.lan.clock.now);
    for (const p of this.ports) for (const g of [...p.joined]) p.joined.delete(g);
  }

  async stop(): Promise<void> {
    const done = this.engine.stop();
    await this.lan.clock.run(0);
    await done;
    this.running = false;
  }

  state(instance: string): string {
    return this.engine.runners.find((r) => r.name === instance)!.state;
  }

  priority(instance: string): number {
    return this.engine.runners.find((r) => r.name === instance)!.machine.effectivePriority;
  }
}

const names = (i: Record<string, unknown>): string[] => Object.keys(i);

const hostPrograms = { '/bin/true': { content: '#!/bin/sh\n', mode: 0o755 }, '/bin/false': { content: '#!/bin/sh\nexit 1\n', mode: 0o755 } };

/** A parsed configuration a router can run: only what keepalived would refuse to run with stops it (warnings are the point of some tests). */
function usable(router: string, config: string): ReturnType<typeof parseText> {
  // the host has the programs the tests' vrrp_scripts name (keepalived disables a missing one)
  const parsed = parseText(config, { files: hostPrograms });
  const verdict = configTestExitCode(parsed.diagnostics);
  if (parsed.abortedIn !== undefined || verdict === ConfigTestExit.CannotRun) throw new Error(`${router}: ${parsed.diagnostics.map((d) => d.message).join('; ')}`);
  return parsed;
}
