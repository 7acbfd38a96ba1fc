/**
 * One VRRP instance at run time: joins the pure state machine to its edges (the advert port of
 * its interface, gratuitous ARP, rtnetlink, notify) and publishes its state changes to the
 * event hub. Owns the instance's timer, counters and tracking verdict. Every timer and deferral
 * goes through the edges, so a LAN of runners can run in virtual time (test/helpers/lan.ts).
 */
import type { IpAddressEntry } from '../config/keywords/ip-address.js';
import { ScopeNames } from '../config/keywords/ip-address.js';
import { parseIp } from '../config/address.js';
import type { EventHub } from '../events/hub.js';
import type { Logger } from '../log.js';
import { buildGratuitousArp } from '../net/arp.js';
import { AF_INET, AF_INET6, IFA_F_NODAD, type AddressRequest } from '../netlink/rtnl.js';
import { notification, priorityFifoLine, type NotifyState } from '../notify/vrrp-notify.js';
import { AuthType, passwordAuthData, VrrpTtl, type VrrpAdvert } from './packet.js';
import { filterAdvert, type DropReason, type Expectations } from './receive-filter.js';
import type { ResolvedInstance } from './resolve.js';
import { VrrpStateMachine, type SyncEvent, type SyncGate, type VrrpAction, type VrrpEvent, type VrrpState } from './state-machine.js';
import type { TrackingVerdict } from './tracking.js';
import type { AdvertPort, AdvertStream, PreparedAdvert, ReceivedAdvert } from './transport.js';

export interface InterfaceFacts {
  name: string;
  ifindex: number;
  mac: Uint8Array;
  up: boolean;
  noArp: boolean;
  /** First primary address of the instance's family that is not one of our VIPs. */
  primaryAddress: Uint8Array | null;
}

/** What the runner needs from the outside; the daemon wires the real adapters. */
export interface InstanceEdges {
  sendFrame(frame: Uint8Array): void;
  addAddress(a: AddressRequest, what: string): Promise<unknown>;
  deleteAddress(a: AddressRequest, what: string): Promise<unknown>;
  runScript(what: string, args: string[], spec: { user?: string; group?: string }, timeoutMs: number): Promise<unknown>;
  writeFifo(line: string): void;
  interfaceIndex(name: string): number | null;
  nowUs(): number;
  /** A one-shot timer on the nowUs() clock. */
  createTimer(onExpire: () => void): InstanceTimer;
  /** Run `fn` once the events being handled are done (setImmediate in the daemon). */
  defer(fn: () => void): void;
  /** Resolve after `us` microseconds (gratuitous ARP spacing). */
  wait(us: number): Promise<void>;
}

export interface InstanceTimer {
  /** `precise`: the deadline is a takeover's (BACKUP's Master_Down timer), worth waking early for. */
  arm(atUs: number, precise?: boolean): void;
  disarm(): void;
  close(): void;
}

/** The sync group a runner belongs to, as the runner sees it. */
export interface SyncMembership extends SyncGate {
  /** The group's state now (notifications of a member already in it are not repeated). */
  readonly state: VrrpState;
  readonly name: string;
}

/** How long notify scripts may run before they are killed (keepalived lets STOP scripts run 1 s). */
export const NotifyTimeoutMs = 30_000;
export const StopNotifyTimeoutMs = 1_000;

export interface RunnerContext {
  /** The port of the instance's interface and family, or null when the interface is missing. */
  port: AdvertPort | null;
  iface: InterfaceFacts | null;
  edges: InstanceEdges;
  log: Logger;
  hub: EventHub;
  sync?: SyncMembership | null;
  /** µs between gratuitous ARPs (`vrrp_garp_interval`). */
  garpIntervalUs: number;
}

function bytesOf(text: string): Uint8Array {
  return new Uint8Array(parseIp(text)!.bytes);
}

/** The broadcast address of `address/prefix` (for `brd +`). */
function broadcastOf(address: Uint8Array, prefix: number): Uint8Array {
  const out = address.slice();
  for (let bit = prefix; bit < 32; bit++) out[bit >> 3]! |= 0x80 >> (bit & 7);
  return out;
}

/** Two configurations of an instance alike in everything but their ids (bytes compared as bytes). */
function sameSettings(a: ResolvedInstance, b: ResolvedInstance): boolean {
  const text = (v: ResolvedInstance): string => JSON.stringify({ ...v, id: 0, syncGroup: v.syncGroup === null }, (_k, x: unknown) => (x instanceof Uint8Array ? [...x] : x));
  return text(a) === text(b);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const zeroAddress = (family: 'inet' | 'inet6'): Uint8Array => new Uint8Array(family === 'inet' ? 4 : 16);

export class VrrpInstanceRunner {
  readonly machine: VrrpStateMachine;
  readonly drops = new Map<DropReason | 'address-mismatch', number>();
  readonly received = { adverts: 0, priorityZero: 0 };
  /** The last router heard advertising for this VRID (keepalived's master_saddr and master_priority). */
  lastAdvert: { readonly from: Uint8Array; readonly priority: number } | null = null;
  readonly sent = { adverts: 0, gratuitous: 0, priorityZero: 0 };
  readonly transitions = { becomeMaster: 0, releaseMaster: 0 };
  #timer: InstanceTimer | null = null;
  #expect!: Expectations;
  #advertTemplate!: VrrpAdvert;
  #destinations: Uint8Array[] = [];
  #ttl = VrrpTtl;
  #source: Uint8Array;
  #mismatchWarned = false;
  #pending: Promise<unknown> = Promise.resolve();
  #prepared = new Map<number, PreparedAdvert[]>();
  #garpFrames: Uint8Array[] = [];
  #deferredStates = 0;
  #unsubscribe: (() => void) | null = null;
  #sharedVrid = false;
  #joined = false;
  #notifiesSent = false;
  #trackingFaults = new Set<string>();
  #trackingPending = new Set<string>();
  #lastVerdict: TrackingVerdict | null = null;
  #ownFaultPublished = false;
  readonly #port: AdvertPort | null;
  /** The MASTER's advert stream, opened at its first advert (null: the port has none). */
  #stream: AdvertStream | null = null;
  #keptUpClosed = 0;
  readonly #edges: InstanceEdges;
  readonly #log: Logger;
  readonly #hub: EventHub;
  #sync: SyncMembership | null;
  #config: ResolvedInstance;

  constructor(
    config: ResolvedInstance,
    private readonly ctx: RunnerContext,
  ) {
    this.#config = config;
    this.#port = ctx.port;
    this.#edges = ctx.edges;
    this.#log = ctx.log;
    this.#hub = ctx.hub;
    this.#sync = ctx.sync ?? null;
    this.#source = config.source ?? ctx.iface?.primaryAddress ?? zeroAddress(config.family);
    this.machine = new VrrpStateMachine({ ...config.timing, primaryAddress: this.#source }, this.#sync);
    this.#derive(config);
  }

  get config(): ResolvedInstance {
    return this.#config;
  }

  /** What the configuration decides of the packets: adverts, receive checks, gratuitous ARPs. */
  #derive(c: ResolvedInstance): void {
    const unicast = c.unicastPeers.length > 0;
    this.#destinations = unicast ? c.unicastPeers.map((p) => p.address) : [c.group];
    this.#ttl = unicast ? (c.unicastTtl ?? VrrpTtl) : VrrpTtl;
    const version = c.timing.version;
    const authType = c.auth.type === 'pass' ? AuthType.Password : AuthType.None;
    const authData = version === 2 ? (c.auth.type === 'pass' ? passwordAuthData(c.auth.password) : new Uint8Array(8)) : new Uint8Array(0);
    const vips = c.vips.filter((a) => a.family === c.family).map((a) => bytesOf(a.address));
    this.#advertTemplate = {
      version,
      vrid: c.vrid,
      priority: c.timing.priority,
      intervalCs: Math.round(c.timing.advertIntervalUs / 10_000),
      addresses: vips,
      authType,
      authData,
    };
    this.#expect = {
      version,
      intervalCs: this.#advertTemplate.intervalCs,
      authType,
      authData,
      group: unicast ? null : c.group,
      ownAddress: this.#source,
      ifindex: this.ctx.iface?.ifindex ?? -1,
      addresses: vips,
      unicastPeers: [...c.unicastPeers],
      checkUnicastSource: c.checkUnicastSource,
      sharedVrid: this.#sharedVrid,
    };
    this.#prepared.clear();
    if (this.#port) {
      // build what a takeover sends now, so that it goes out without delay
      this.#packetsFor(c.timing.priority);
      this.#packetsFor(0);
    }
    const iface = this.ctx.iface;
    this.#garpFrames = iface && c.family === 'inet' ? this.#garpFramesOf([...c.vips, ...c.excludedVips]) : [];
  }

  #garpFramesOf(entries: readonly IpAddressEntry[]): Uint8Array[] {
    const iface = this.ctx.iface!;
    return entries.filter((a) => a.family === 'inet' && (a.dev === undefined || a.dev === iface.name)).map((a) => buildGratuitousArp(iface.mac, bytesOf(a.address)));
  }

  /**
   * A reload kept this instance (same name, interface, VRID and family) with a new
   * configuration: its state, timers and counters stay. What changed takes effect in place: the
   * adverts and receive checks, the multicast group, the sync group, the timing; a MASTER adds
   * the VIPs that are new (gratuitous ARPs for those only) and removes those that went. The
   * engine applies the new tracking verdict next.
   */
  reconfigure(next: ResolvedInstance, sync: SyncMembership | null): void {
    const before = this.#config;
    const now = this.#edges.nowUs();
    this.#config = next;
    this.#sync = sync;
    // the common reload: nothing of this instance changed (its id aside): its packets are not
    // rebuilt, which keeps a reload of 100 instances from holding their adverts back
    const unchanged = sameSettings(before, next);
    if (!unchanged) this.#rebuild(before, next);
    // a sync group fault of a group the instance is no longer in
    const stale = this.machine.faultReasons.filter((r) => r.startsWith('sync group ') && (sync === null || r !== `sync group ${sync.name}`));
    for (const reason of stale) this.#apply(this.machine.handle({ type: 'fault-cleared', reason }, now));
    if (!unchanged) {
      const ah = 'IPSEC-AH authentication is not supported yet';
      if (next.auth.type === 'ah' && before.auth.type !== 'ah') this.#apply(this.machine.handle({ type: 'fault', reason: ah }, now));
      if (next.auth.type !== 'ah' && before.auth.type === 'ah') this.#apply(this.machine.handle({ type: 'fault-cleared', reason: ah }, now));
    }
    this.#apply(this.machine.reconfigure({ ...next.timing, primaryAddress: this.#source }, sync, now));
    if (!unchanged && this.machine.state === 'MASTER') this.#changeVips(before, next);
  }

  /** Packets, receive checks and multicast membership for a changed configuration. */
  #rebuild(before: ResolvedInstance, next: ResolvedInstance): void {
    if (next.source !== undefined && !sameBytes(next.source, this.#source)) this.#source = next.source;
    else if (next.source === undefined && before.source !== undefined) this.#source = this.ctx.iface?.primaryAddress ?? zeroAddress(next.family);
    const oldGroup = this.#expect.group;
    this.#derive(next);
    const newGroup = this.#expect.group;
    if (this.#joined && oldGroup !== null && (newGroup === null || !sameBytes(oldGroup, newGroup))) {
      this.#port?.leave(oldGroup);
      this.#joined = false;
    }
    if (!this.#joined && newGroup !== null && this.#port) {
      try {
        this.#port.join(newGroup);
        this.#joined = true;
      } catch (e) {
        this.#log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot join multicast group`);
      }
    }
  }

  /** `fifo_write_vrrp_states_on_reload`: the state line again, for a FIFO reader that restarted with the reload. */
  writeStateToFifo(): void {
    const state = this.machine.state;
    if (state === 'MASTER' || state === 'BACKUP' || state === 'FAULT') this.#edges.writeFifo(notification('INSTANCE', this.name, this.config.notify, state, this.machine.effectivePriority).fifoLine);
  }

  /** A MASTER's VIPs after a reload: only the entries that changed are removed or added. */
  #changeVips(before: ResolvedInstance, next: ResolvedInstance): void {
    const keyOf = (a: IpAddressEntry): string => JSON.stringify(a, Object.keys(a).sort());
    const had = new Map([...before.vips, ...before.excludedVips].map((a) => [keyOf(a), a]));
    const has = new Map([...next.vips, ...next.excludedVips].map((a) => [keyOf(a), a]));
    const gone = [...had].filter(([k]) => !has.has(k)).map(([, a]) => a);
    const added = [...has].filter(([k]) => !had.has(k)).map(([, a]) => a);
    if (gone.length > 0) this.#queue(() => this.#changeAddresses(false, gone));
    if (added.length === 0) return;
    this.#queue(() => this.#changeAddresses(true, added));
    const frames = this.ctx.iface && next.family === 'inet' ? this.#garpFramesOf(added) : [];
    if (frames.length > 0) this.#queue(() => this.#sendGratuitous(next.timing.garpMasterRepeat, frames));
  }

  get name(): string {
    return this.config.name;
  }
  /** The advert port it receives on (null: none). */
  get advertPort(): AdvertPort | null {
    return this.#port;
  }
  /** The source address of its adverts (zeros while the interface has none). */
  get sourceAddress(): Uint8Array {
    return this.#source;
  }
  /**
   * Other unicast instances on the same port use this VRID and source address (the engine
   * decides): adverts are then taken only from this instance's own peers.
   */
  setSharedVrid(shared: boolean): void {
    this.#sharedVrid = shared;
    this.#expect.sharedVrid = shared;
  }
  get state(): VrrpState {
    return this.machine.state;
  }
  get iface(): InterfaceFacts | null {
    return this.ctx.iface;
  }
  /**
   * Waiting for the host: its interface was missing or had no address at start. Such a runner
   * is replaced by a new one when the interface or address appears (engine.rebuild).
   */
  get waitingForHost(): boolean {
    return this.ctx.iface === null || this.#source.every((b) => b === 0);
  }

  /** Let go of the port, the group and the timer without a word: a new runner takes over. */
  abandon(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#joined && this.#expect.group) this.#port?.leave(this.#expect.group);
    this.#joined = false;
    this.#timer?.close();
    this.#timer = null;
    this.#keptUpClosed += this.#stream?.keptUp ?? 0;
    this.#stream?.close();
    this.#stream = null;
  }

  /** The longest time between two of its adverts out as MASTER since the last call, µs (0 when the port cannot tell). */
  takeLongestAdvertGapUs(): number {
    return this.#stream?.takeLongestGapUs() ?? 0;
  }

  /** Adverts the port sent for this instance because this event loop was late (advert-keeper.ts). */
  get advertsKeptUp(): number {
    return this.#keptUpClosed + (this.#stream?.keptUp ?? 0);
  }

  /** The tracking verdict last applied (effective priority, faults), or null before start. */
  get tracking(): TrackingVerdict | null {
    return this.#lastVerdict;
  }

  #prefix(): string {
    return `(${this.config.name})`;
  }

  /**
   * Start the instance: FAULT while it cannot run (no interface, interface down, no source
   * address, a tracked object down), with a log line naming why; the tracking verdict known at
   * start sets the first priority, as keepalived's initialise_tracking_priorities().
   */
  start(initial: TrackingVerdict | null = null): void {
    const now = this.#edges.nowUs();
    const iface = this.ctx.iface;
    const fault = (reason: string): void => {
      this.#log.info({ instance: this.name, reason }, `${this.#prefix()} entering FAULT state (${reason})`);
      this.#apply(this.machine.handle({ type: 'fault', reason }, now));
    };
    if (iface === null) fault(this.config.interface ? `interface ${this.config.interface} not found` : 'no interface configured');
    else if (!iface.up) fault(`interface ${iface.name} is down`);
    else if (this.#source.every((b) => b === 0)) fault(`no IPv${this.config.family === 'inet' ? 4 : 6} address for interface`);
    else if (this.config.auth.type === 'ah') fault('IPSEC-AH authentication is not supported yet');
    else if (this.#port === null) fault('no advert socket on the interface');
    if (initial) this.applyTracking(initial, now);
    if (this.#port) {
      this.#unsubscribe = this.#port.subscribe(this.config.vrid, (rx) => this.onAdvert(rx));
      if (this.#expect.group !== null) {
        try {
          this.#port.join(this.#expect.group);
          this.#joined = true;
        } catch (e) {
          fault(`cannot join multicast group: ${(e as Error).message}`);
        }
      }
    }
    this.#apply(this.machine.handle({ type: 'startup' }, now));
  }

  /**
   * A new tracking verdict (keepalived: down_instance / try_up_instance /
   * vrrp_set_effective_priority): faults that began or ended, and the effective priority.
   */
  applyTracking(v: TrackingVerdict, now = this.#edges.nowUs()): void {
    this.#lastVerdict = v;
    const events: VrrpEvent[] = [];
    const faults = new Set(v.faults);
    const pending = new Set(v.pending);
    for (const f of faults) if (!this.#trackingFaults.has(f)) events.push({ type: 'fault', reason: f });
    for (const p of pending) if (!this.#trackingPending.has(p)) events.push({ type: 'fault', reason: `${p} (no result yet)`, quiet: true });
    events.push({ type: 'priority', effective: v.effective });
    for (const p of this.#trackingPending) if (!pending.has(p)) events.push({ type: 'fault-cleared', reason: `${p} (no result yet)` });
    for (const f of this.#trackingFaults) if (!faults.has(f)) events.push({ type: 'fault-cleared', reason: f });
    this.#trackingFaults = faults;
    this.#trackingPending = pending;
    for (const e of events) this.#apply(this.machine.handle(e, now));
  }

  /** A fault of the instance's sync group (another member is in FAULT) began or ended. */
  groupFault(faulted: boolean, groupName: string): void {
    const reason = `sync group ${groupName}`;
    this.#apply(this.machine.handle(faulted ? { type: 'fault', reason } : { type: 'fault-cleared', reason }, this.#edges.nowUs()));
  }

  /** A sync group's decision: every member to MASTER, or out of MASTER. */
  sync(event: SyncEvent): void {
    this.#apply(this.machine.handle(event, this.#edges.nowUs()));
  }

  /** Whether the instance is in FAULT for a reason of its own (not its sync group's). */
  get ownFault(): boolean {
    return this.machine.faultReasons.some((r) => !r.startsWith('sync group '));
  }

  /**
   * The instance's interface went down or came back (keepalived: FAULT while it is down, unless
   * `dont_track_primary`).
   */
  linkChanged(usable: boolean): void {
    const iface = this.ctx.iface;
    if (this.config.dontTrackPrimary || iface === null) return;
    const now = this.#edges.nowUs();
    const reason = `interface ${iface.name} is down`;
    this.#apply(this.machine.handle(usable ? { type: 'fault-cleared', reason } : { type: 'fault', reason }, now));
  }

  /** An advert for this instance's VRID from its port. */
  onAdvert(rx: ReceivedAdvert): void {
    const r = filterAdvert(rx, this.#expect);
    if (!r.ok) {
      this.drops.set(r.reason, (this.drops.get(r.reason) ?? 0) + 1);
      if (r.reason !== 'own-packet') this.#log.debug({ instance: this.name, reason: r.reason, detail: r.detail }, 'advert dropped');
      return;
    }
    this.received.adverts++;
    if (r.advert.priority === 0) this.received.priorityZero++;
    this.lastAdvert = { from: r.src, priority: r.advert.priority };
    if (r.addressMismatch) {
      this.drops.set('address-mismatch', (this.drops.get('address-mismatch') ?? 0) + 1);
      if (!this.#mismatchWarned) {
        this.#mismatchWarned = true;
        this.#log.warn({ instance: this.name }, `${this.#prefix()} advert addresses differ from our virtual_ipaddress list`);
      }
    }
    // the kernel's receive time, when it is sane (never in the future, at most 100 ms old)
    const now = this.#edges.nowUs();
    const at = rx.receivedAtUs !== null && rx.receivedAtUs <= now && now - rx.receivedAtUs < 100_000 ? rx.receivedAtUs : now;
    this.#apply(this.machine.handle({ type: 'advert', from: r.src, priority: r.advert.priority, intervalUs: r.advert.intervalCs * 10_000 }, at));
  }

  /** Graceful stop: priority-0 advert when master, addresses removed, notify_stop; resolves when done. */
  async stop(): Promise<void> {
    while (this.#deferredStates > 0) await new Promise<void>((r) => this.#edges.defer(r));
    this.#apply(this.machine.handle({ type: 'shutdown' }, this.#edges.nowUs()));
    await this.#pending;
    this.abandon();
  }

  #apply(actions: VrrpAction[]): void {
    // only a MASTER's adverts are kept up while the loop is late
    if (this.machine.state !== 'MASTER') this.#stream?.pause();
    for (const a of actions) {
      switch (a.type) {
        case 'send-advert':
          this.#sendAdvert(a.priority);
          break;
        case 'add-addresses':
          this.#queue(() => this.#changeAddresses(true));
          break;
        case 'remove-addresses':
          this.#queue(() => this.#changeAddresses(false));
          break;
        case 'send-gratuitous':
          this.#queue(() => this.#sendGratuitous(a.repeat));
          break;
        case 'state':
          this.#stateAction(a);
          break;
        case 'priority':
          this.#hub.publish({ type: 'vrrp-priority', instance: this.config.id, name: this.name, from: a.from, to: a.to });
          if (this.config.notifyPriorityChanges) this.#edges.writeFifo(priorityFifoLine(this.name, this.machine.state === 'MASTER', a.to));
          break;
        case 'want-master':
          this.#log.debug({ instance: this.name }, `${this.#prefix()} waiting for its sync group to go MASTER`);
          break;
        case 'log':
          this.#log[a.level]({ instance: this.name }, `${this.#prefix()} ${a.message}`);
          break;
      }
    }
    this.#arm();
    const ownFault = this.ownFault;
    if (ownFault !== this.#ownFaultPublished) {
      this.#ownFaultPublished = ownFault;
      this.#hub.publish({ type: 'vrrp-fault', instance: this.config.id, name: this.name, faulted: ownFault });
    }
  }

  #stateAction(a: Extract<VrrpAction, { type: 'state' }>): void {
    if (a.to === 'MASTER') this.transitions.becomeMaster++;
    if (a.from === 'MASTER') this.transitions.releaseMaster++;
    // keepalived sends no notifies for a member already in its group's state; decided now,
    // before the group reacts to this change
    const suppress = a.quiet === true || (this.#notifiesSent && this.#sync !== null && a.to === this.#sync.state && a.from !== a.to);
    // A takeover's log line, scripts and FIFO line wait until the queued address adds and the
    // first gratuitous ARPs have gone out; later changes queue behind a deferred one so that
    // scripts always see states in order.
    if (a.to === 'MASTER' || this.#deferredStates > 0) {
      this.#deferredStates++;
      this.#edges.defer(() => {
        this.#deferredStates--;
        this.#stateChanged(a.from, a.to, a.priority, a.reason, a.quiet === true, suppress);
      });
    } else this.#stateChanged(a.from, a.to, a.priority, a.reason, a.quiet === true, suppress);
    if (a.from !== a.to) this.#hub.publish({ type: 'vrrp-state', instance: this.config.id, name: this.name, from: a.from, to: a.to, priority: a.priority, reason: a.reason });
  }

  /** Address changes and ARP run in order, one after the other, never blocking adverts. */
  #queue(task: () => Promise<void>): void {
    this.#pending = this.#pending.then(task).catch((e: Error) => this.#log.error({ instance: this.name, error: e.message }, 'instance task failed'));
  }

  #arm(): void {
    const at = this.machine.nextDeadline();
    if (at === null) {
      this.#timer?.disarm();
      return;
    }
    this.#timer ??= this.#edges.createTimer(() => this.#apply(this.machine.handle({ type: 'timer' }, this.#edges.nowUs())));
    this.#timer.arm(at, this.machine.state === 'BACKUP');
  }

  /** The adverts for one priority, one per destination, built once. */
  #packetsFor(priority: number): PreparedAdvert[] {
    let packets = this.#prepared.get(priority);
    if (!packets) {
      const port = this.#port!;
      const advert = { ...this.#advertTemplate, priority };
      packets = this.#destinations.map((dst) => port.prepare(advert, { src: this.#source, dst, ttl: this.#ttl }, { checksumAsV2: this.config.checksumAsV2 }));
      if (this.#prepared.size > 8) this.#prepared.clear();
      this.#prepared.set(priority, packets);
    }
    return packets;
  }

  #sendAdvert(priority: number): void {
    if (!this.#port) return;
    const packets = this.#packetsFor(priority);
    // a MASTER's adverts go through its stream, which the port keeps up if this loop falls
    // behind (advert-keeper.ts); a priority-0 advert is sent once, the stream paused first
    const steady = priority > 0 && this.machine.state === 'MASTER';
    if (steady) this.#stream ??= this.#port.openStream?.() ?? null;
    else this.#stream?.pause();
    if (steady && this.#stream) {
      try {
        this.#stream.send(packets, this.machine.config.advertIntervalUs);
        this.sent.adverts += packets.length;
      } catch (e) {
        this.#log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot send advert`);
      }
      return;
    }
    for (const p of packets) {
      try {
        this.#port.send(p);
        this.sent.adverts++;
        if (priority === 0) this.sent.priorityZero++;
      } catch (e) {
        this.#log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot send advert`);
      }
    }
  }

  #addressRequest(a: IpAddressEntry): AddressRequest | null {
    const dev = a.dev ?? this.config.interface;
    const ifindex = dev === undefined ? null : this.#edges.interfaceIndex(dev);
    if (ifindex === null) return null;
    const local = bytesOf(a.address);
    const req: AddressRequest = {
      family: a.family === 'inet' ? AF_INET : AF_INET6,
      prefix: a.prefix,
      scope: a.scope === undefined ? 0 : (ScopeNames[a.scope] ?? Number(a.scope)),
      ifindex,
      local,
    };
    if (a.family === 'inet' && a.brd !== undefined && a.brd !== '-') req.broadcast = a.brd === '+' ? broadcastOf(local, a.prefix) : bytesOf(a.brd);
    if (a.label !== undefined) req.label = a.label;
    if (a.peer !== undefined) req.peer = bytesOf(a.peer);
    if (a.family === 'inet6' && !(a.nodad === false)) req.flags = IFA_F_NODAD;
    return req;
  }

  /**
   * Add or remove the VIPs. The requests all go out at once; rtnetlink applies each while it is
   * sent, so an add does not wait for the acknowledgements before the gratuitous ARPs that
   * follow (failures are logged when they arrive). Removals are awaited: a stop waits for them.
   */
  async #changeAddresses(add: boolean, entries: readonly IpAddressEntry[] = [...this.config.vips, ...this.config.excludedVips]): Promise<void> {
    const requests = entries.map(async (a) => {
      const dev = a.dev ?? this.config.interface;
      if (dev === undefined) return; // an instance without an interface is in FAULT: nothing to do
      const req = this.#addressRequest(a);
      const what = `${add ? 'add' : 'remove'} ${a.address}/${a.prefix} dev ${dev}`;
      if (req === null) {
        if (add) this.#log.error({ instance: this.name }, `${this.#prefix()} cannot ${what}: no such interface`);
        return;
      }
      try {
        if (add) await this.#edges.addAddress(req, what);
        else await this.#edges.deleteAddress(req, what);
      } catch (e) {
        const code = (e as { code?: string }).code;
        // removing an address that is not there is the normal case at start
        if (!add && (code === 'EADDRNOTAVAIL' || code === 'ENOENT' || code === 'ESRCH' || code === 'ENODEV')) return;
        this.#log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot ${what}`);
      }
    });
    if (!add) await Promise.all(requests);
  }

  async #sendGratuitous(repeat: number, frames: readonly Uint8Array[] = this.#garpFrames): Promise<void> {
    const iface = this.ctx.iface;
    if (!iface || iface.noArp) return;
    for (let round = 0; round < repeat; round++) {
      for (const frame of frames) {
        if (this.machine.state !== 'MASTER') return;
        try {
          this.#edges.sendFrame(frame);
          this.sent.gratuitous++;
        } catch (e) {
          this.#log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot send gratuitous ARP`);
        }
        if (this.ctx.garpIntervalUs > 0) await this.#edges.wait(this.ctx.garpIntervalUs);
      }
    }
  }

  #stateChanged(from: VrrpState, to: VrrpState, priority: number, reason: string, quiet: boolean, suppress: boolean): void {
    if (quiet) {
      this.#log.debug({ instance: this.name, from, to, reason }, `${this.#prefix()} waiting in FAULT for tracked scripts' first results`);
      return;
    }
    if (from !== to) this.#log.info({ instance: this.name, from, to, priority, reason }, `${this.#prefix()} Entering ${to} STATE${reason === 'init' ? ' (init)' : ''}`);
    if (to === 'INIT' || suppress) return;
    this.#notifiesSent = true;
    const n = notification('INSTANCE', this.name, this.config.notify, to as NotifyState, priority);
    const timeout = to === 'STOP' ? StopNotifyTimeoutMs : NotifyTimeoutMs;
    const runs = n.scripts.map((s) => this.#edges.runScript(s.keyword, s.args, s.spec, timeout));
    this.#edges.writeFifo(n.fifoLine);
    // STOP scripts are waited for (up to their limit) before the process exits
    if (to === 'STOP') this.#pending = this.#pending.then(() => Promise.all(runs));
  }
}
