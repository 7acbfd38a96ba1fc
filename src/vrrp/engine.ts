/**
 * The VRRP engine without the kernel: instance runners, sync group runners and the tracking
 * book over one event hub, built from the resolved model and the edges a host gives it. The
 * daemon (daemon.ts) gives it sockets, rtnetlink and real trackers; the LAN simulator
 * (test/helpers/lan.ts) gives it in-memory ports and a virtual clock.
 */
import type { EventHub } from '../events/hub.js';
import type { Logger } from '../log.js';
import type { TrackerReport } from '../track/types.js';
import { VrrpInstanceRunner, type InstanceEdges, type InterfaceFacts } from './instance-runner.js';
import type { ResolvedInstance, ResolvedVrrp } from './resolve.js';
import { SyncGroupRunner } from './sync-group.js';
import { TrackedStateBook } from './tracked-states.js';
import type { AdvertPort } from './transport.js';

/** What the engine needs from where it runs. */
export interface EngineHost {
  log: Logger;
  hub: EventHub;
  /** The instance's interface as found at start, or null when it is missing. */
  iface(v: ResolvedInstance): InterfaceFacts | null;
  /** The advert port of that interface and the instance's family, or null when it cannot be opened. */
  port(v: ResolvedInstance, iface: InterfaceFacts): AdvertPort | null;
  /** Edges for an instance (or a sync group, with a null interface). */
  edges(owner: string, iface: InterfaceFacts | null): InstanceEdges;
}

/** What identifies an instance across a reload: keepalived matches name, interface, VRID and family. */
export const instanceIdentity = (v: ResolvedInstance): string => `${v.name}\0${v.interface ?? ''}\0${v.vrid}\0${v.family}`;

export interface EngineReload {
  /** Instances kept with their state (their configuration applied in place). */
  kept: string[];
  /** Instances started afresh, in BACKUP. */
  added: string[];
  /** Instances stopped as on shutdown. */
  removed: string[];
  /** Resolves when the removed instances have stopped (priority 0 sent, VIPs removed, notify_stop run). */
  stopped: Promise<void>;
}

export class VrrpEngine {
  readonly runners: VrrpInstanceRunner[] = [];
  readonly groups: SyncGroupRunner[] = [];
  #book: TrackedStateBook;
  #model: ResolvedVrrp;
  #stopping: Promise<unknown> = Promise.resolve();

  constructor(
    model: ResolvedVrrp,
    private readonly host: EngineHost,
  ) {
    this.#model = model;
    this.#book = new TrackedStateBook(model.instances);
    this.#makeGroups();
    for (const v of model.instances) {
      if (!this.#supported(v)) continue;
      const runner = this.#runner(v);
      if (runner) this.runners.push(runner);
    }
    this.#attachGroups();
    this.#markSharedVrids();
  }

  get model(): ResolvedVrrp {
    return this.#model;
  }
  get book(): TrackedStateBook {
    return this.#book;
  }

  #supported(v: ResolvedInstance): boolean {
    if (v.family === 'inet') return true;
    this.host.log.error({ instance: v.name }, `(${v.name}) IPv6 instances are not supported yet - instance not started`);
    return false;
  }

  #makeGroups(): void {
    for (const g of this.groups) g.close();
    this.groups.length = 0;
    const { log, hub } = this.host;
    for (const sg of this.#model.syncGroups) this.groups.push(new SyncGroupRunner(sg, this.host.edges(sg.name, null), log, hub));
  }

  /**
   * A reload: the new model replaces the old one. Instances whose identity (name, interface,
   * VRID, family) is unchanged keep their runner, state, timers and counters, with the new
   * configuration applied in place and the new tracking verdict after it; the others stop as
   * on shutdown (a MASTER sends priority 0) and new ones start in BACKUP. `seed` records the
   * tracked objects' states in the new book before any verdict is taken (so an unchanged
   * script keeps its result and causes no FAULT).
   */
  reload(model: ResolvedVrrp, seed: (book: TrackedStateBook) => void): EngineReload {
    this.#model = model;
    this.#book = new TrackedStateBook(model.instances);
    seed(this.#book);
    this.#makeGroups();
    const previous = new Map(this.runners.map((r) => [instanceIdentity(r.config), r]));
    const next: VrrpInstanceRunner[] = [];
    const kept: VrrpInstanceRunner[] = [];
    const fresh: VrrpInstanceRunner[] = [];
    for (const v of model.instances) {
      if (!this.#supported(v)) continue;
      const key = instanceIdentity(v);
      const old = previous.get(key);
      previous.delete(key);
      if (old && !old.waitingForHost) {
        old.reconfigure(v, v.syncGroup === null ? null : this.groups[v.syncGroup]!);
        next.push(old);
        kept.push(old);
        continue;
      }
      // one waiting for its interface starts afresh, as a new one
      old?.abandon();
      const runner = this.#runner(v);
      if (runner) {
        next.push(runner);
        fresh.push(runner);
      }
    }
    const removed = [...previous.values()];
    const stopped = Promise.all(removed.map((r) => r.stop())).then(() => undefined);
    this.#stopping = Promise.all([this.#stopping, stopped]);
    this.runners.splice(0, this.runners.length, ...next);
    this.#attachGroups();
    this.#markSharedVrids();
    for (const g of this.groups) g.adopt();
    for (const r of kept) r.applyTracking(this.#book.verdict(r.config));
    if (model.fifoStatesOnReload) {
      // keepalived: groups first, then the instances whose state the reload kept
      for (const g of this.groups) g.writeStateToFifo();
      for (const r of kept) r.writeStateToFifo();
    }
    for (const r of fresh) r.start(this.#book.verdict(r.config));
    return { kept: kept.map((r) => r.name), added: fresh.map((r) => r.name), removed: removed.map((r) => r.name), stopped };
  }

  #runner(v: ResolvedInstance): VrrpInstanceRunner | null {
    const { log, hub } = this.host;
    const { garpIntervalUs } = this.#model;
    try {
      const iface = this.host.iface(v);
      const port = iface ? this.host.port(v, iface) : null;
      const sync = v.syncGroup === null ? null : this.groups[v.syncGroup]!;
      return new VrrpInstanceRunner(v, { port, iface, edges: this.host.edges(v.name, iface), log, hub, sync, garpIntervalUs });
    } catch (e) {
      log.error({ instance: v.name, error: (e as Error).message }, `(${v.name}) cannot run this instance: ${(e as Error).message}`);
      return null;
    }
  }

  /**
   * Unicast instances on one port with the same VRID and source address (keepalived accepts
   * them when their peers differ, vrrp.c check_vrid_conflicts()): each takes only its own
   * peers' adverts, as keepalived hands an advert to the instance whose peer sent it.
   */
  #markSharedVrids(): void {
    const byPort = new Map<AdvertPort, Map<string, VrrpInstanceRunner[]>>();
    for (const r of this.runners) {
      const port = r.advertPort;
      if (port === null || r.config.unicastPeers.length === 0) continue;
      const key = `${r.config.vrid}|${r.sourceAddress.join('.')}`;
      const groups = byPort.get(port) ?? new Map<string, VrrpInstanceRunner[]>();
      byPort.set(port, groups);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const shared = new Set<VrrpInstanceRunner>();
    for (const groups of byPort.values()) for (const list of groups.values()) if (list.length > 1) for (const r of list) shared.add(r);
    for (const r of this.runners) r.setSharedVrid(shared.has(r));
  }

  #attachGroups(): void {
    for (const group of this.groups) group.attach(this.runners.filter((r) => r.config.syncGroup === group.group.id));
  }

  /**
   * Start afresh the instances that were waiting for their interface or its address, where the
   * host now has what they need (the daemon calls this on link and address events).
   */
  retryWaiting(): void {
    for (let i = 0; i < this.runners.length; i++) {
      const old = this.runners[i]!;
      if (!old.waitingForHost) continue;
      const iface = this.host.iface(old.config);
      if (iface === null || (old.config.source === undefined && iface.primaryAddress === null)) continue;
      const next = this.#runner(old.config);
      if (!next) continue;
      this.host.log.info({ instance: old.name, interface: iface.name }, `(${old.name}) interface ${iface.name} is usable now - starting the instance`);
      old.abandon();
      this.runners[i] = next;
      this.#attachGroups();
      this.#markSharedVrids();
      next.start(this.#book.verdict(next.config));
    }
  }

  /** Whether some instance tracks this kind of object with this id. */
  tracks(kind: 'script' | 'file' | 'process', id: number): boolean {
    return this.#model.instances.some((v) => v.tracks.some((t) => t.kind === kind && t.id === id));
  }

  /** Start every instance with the tracking verdict known now (record the trackers' initial states first). */
  start(): void {
    for (const r of this.runners) r.start(this.#book.verdict(r.config));
  }

  /** A tracker's report: recorded, published, and applied to the instances tracking the object. */
  report(r: TrackerReport): void {
    this.host.hub.publish({ type: 'tracker', report: r });
    for (const id of this.#book.record(r)) {
      const runner = this.runners.find((x) => x.config.id === id);
      if (runner) runner.applyTracking(this.#book.verdict(runner.config));
    }
  }

  /** An interface's link changed: tracked interfaces, and the instances running on it. */
  linkChanged(ifindex: number, name: string | undefined, usable: boolean): void {
    if (name !== undefined && this.#book.tracksInterface(name)) this.report({ kind: 'interface', name, up: usable });
    for (const r of this.runners) {
      if (r.iface?.ifindex !== ifindex) continue;
      this.host.log.info({ instance: r.name, interface: r.iface.name, usable }, `(${r.name}) interface ${r.iface.name} ${usable ? 'up' : 'down'}`);
      r.linkChanged(usable);
    }
  }

  /**
   * Stop every instance: a MASTER sends priority 0 and removes its VIPs, notify_stop runs. With
   * `release` false (`-V`, --dont-release-vrrp) instances are left as they are: no priority-0
   * advert, the VIPs stay on the interfaces (keepalived skips its instance shutdown).
   */
  async stop(release = true): Promise<void> {
    if (!release) for (const r of this.runners) r.abandon();
    await Promise.all([...(release ? this.runners.map((r) => r.stop()) : []), this.#stopping]);
    for (const g of this.groups) g.close();
  }
}
