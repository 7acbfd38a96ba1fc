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

export class VrrpEngine {
  readonly runners: VrrpInstanceRunner[] = [];
  readonly groups: SyncGroupRunner[] = [];
  readonly book: TrackedStateBook;

  constructor(
    readonly model: ResolvedVrrp,
    private readonly host: EngineHost,
  ) {
    this.book = new TrackedStateBook(model.instances);
    const { log, hub } = host;
    for (const sg of model.syncGroups) this.groups.push(new SyncGroupRunner(sg, host.edges(sg.name, null), log, hub));
    for (const v of model.instances) {
      if (v.family !== 'inet') {
        log.error({ instance: v.name }, `(${v.name}) IPv6 instances are not supported yet - instance not started`);
        continue;
      }
      const runner = this.#runner(v);
      if (runner) this.runners.push(runner);
    }
    this.#attachGroups();
  }

  #runner(v: ResolvedInstance): VrrpInstanceRunner | null {
    const { log, hub } = this.host;
    try {
      const iface = this.host.iface(v);
      const port = iface ? this.host.port(v, iface) : null;
      const sync = v.syncGroup === null ? null : this.groups[v.syncGroup]!;
      return new VrrpInstanceRunner(v, { port, iface, edges: this.host.edges(v.name, iface), log, hub, sync, garpIntervalUs: this.model.garpIntervalUs });
    } catch (e) {
      log.error({ instance: v.name, error: (e as Error).message }, `(${v.name}) cannot run this instance: ${(e as Error).message}`);
      return null;
    }
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
      next.start(this.book.verdict(next.config));
    }
  }

  /** Whether some instance tracks this kind of object with this id. */
  tracks(kind: 'script' | 'file' | 'process', id: number): boolean {
    return this.model.instances.some((v) => v.tracks.some((t) => t.kind === kind && t.id === id));
  }

  /** Start every instance with the tracking verdict known now (record the trackers' initial states first). */
  start(): void {
    for (const r of this.runners) r.start(this.book.verdict(r.config));
  }

  /** A tracker's report: recorded, published, and applied to the instances tracking the object. */
  report(r: TrackerReport): void {
    this.host.hub.publish({ type: 'tracker', report: r });
    for (const id of this.book.record(r)) {
      const runner = this.runners.find((x) => x.config.id === id);
      if (runner) runner.applyTracking(this.book.verdict(runner.config));
    }
  }

  /** An interface's link changed: tracked interfaces, and the instances running on it. */
  linkChanged(ifindex: number, name: string | undefined, usable: boolean): void {
    if (name !== undefined && this.book.tracksInterface(name)) this.report({ kind: 'interface', name, up: usable });
    for (const r of this.runners) {
      if (r.iface?.ifindex !== ifindex) continue;
      this.host.log.info({ instance: r.name, interface: r.iface.name, usable }, `(${r.name}) interface ${r.iface.name} ${usable ? 'up' : 'down'}`);
      r.linkChanged(usable);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
    for (const g of this.groups) g.close();
  }
}
