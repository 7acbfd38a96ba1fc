/**
 * The VRRP side of the agent: resolves the configuration into the runtime model, reads the
 * interfaces over rtnetlink, opens one advert port per interface and family and one
 * gratuitous-ARP channel per interface, runs the trackers (vrrp_script, track_file,
 * vrrp_track_process, interfaces), an instance runner per vrrp_instance and a runner per sync
 * group, all publishing to one event hub, and stops them gracefully.
 *
 * One instance never takes the others down: whatever keeps it from running (a missing
 * interface, no address, a socket that cannot be opened) puts it in FAULT with a log line
 * naming why, and the others run. IPv4 instances only for now.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { Logger } from '../log.js';
import { IFA_F_SECONDARY, IFF_NOARP, AF_INET, AF_INET6, type LinkInfo, type AddressInfo } from '../netlink/rtnl.js';
import { RouteNetlink } from '../netlink/route.js';
import { AddressMonitor, LinkMonitor, linkUsable } from '../netlink/link-monitor.js';
import { NotifyFifo } from '../notify/fifo.js';
import { ScriptRunner, type ScriptIdentity, type ScriptOutcome } from '../notify/script-runner.js';
import { EventHub } from '../events/hub.js';
import { systemClock, type Clock } from '../clock.js';
import { ScriptTracker, type ScriptCarry } from '../track/script-tracker.js';
import { FileTracker } from '../track/file-tracker.js';
import { ProcessMonitor } from '../track/process-monitor.js';
import type { TrackerReport } from '../track/types.js';
import { PacketChannel } from './garp-channel.js';
import { Ipv4AdvertPort } from './ipv4-port.js';
import type { InstanceEdges, InterfaceFacts, VrrpInstanceRunner } from './instance-runner.js';
import { resolveVrrp, type ResolvedInstance, type ResolvedVrrp } from './resolve.js';
import type { SyncGroupRunner } from './sync-group.js';
import { VrrpEngine, type EngineReload } from './engine.js';
import type { TrackedStateBook } from './tracked-states.js';
import type { AdvertPort } from './transport.js';
import { readFileSync } from 'node:fs';
import { monotonicUs, PreciseTimer } from '../native/timer.js';

export interface VrrpDaemonOptions {
  log: Logger;
  /** The event hub to publish to (the daemon makes its own otherwise). */
  hub?: EventHub;
}

export interface InstanceStatus {
  name: string;
  state: string;
  priority: number;
  base_priority: number;
  interface?: string;
  virtual_router_id: number;
  sync_group?: string;
  faults: string[];
  sent: { adverts: number; gratuitous: number; priorityZero: number };
  received: { adverts: number };
  become_master: number;
  release_master: number;
  dropped: Record<string, number>;
}

/** uid/gid of a user from /etc/passwd (and a group from /etc/group), or null. */
export function lookupIdentity(user: string, group?: string): ScriptIdentity | null {
  try {
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
    const u = passwd.find((f) => f[0] === user);
    if (!u) return null;
    let gid = Number(u[3]);
    if (group !== undefined) {
      const g = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === group);
      if (!g) return null;
      gid = Number(g[2]);
    }
    return { uid: Number(u[2]), gid };
  } catch {
    return null;
  }
}

const clock: Clock = systemClock;

export class VrrpDaemon {
  readonly hub: EventHub;
  #config: KeepalivedConfig;
  #model: ResolvedVrrp;
  #engine: VrrpEngine | null = null;
  readonly #ports = new Map<string, AdvertPort>();
  readonly #packetChannels = new Map<string, PacketChannel>();
  readonly #fifos = new Map<string, NotifyFifo>();
  readonly #scripts: ScriptRunner;
  #scriptTracker: ScriptTracker | null = null;
  #fileTracker: FileTracker | null = null;
  #processMonitor: ProcessMonitor | null = null;
  #rtnl: RouteNetlink | null = null;
  #linkMonitor: LinkMonitor | null = null;
  #addressMonitor: AddressMonitor | null = null;
  #addresses: AddressInfo[] = [];
  #rereading = false;
  #stopped = false;
  #links: LinkInfo[] = [];
  #linkUsable = new Map<number, boolean>();
  #defaultUser: { user: string; group?: string } | undefined;

  constructor(
    config: KeepalivedConfig,
    private readonly opts: VrrpDaemonOptions,
  ) {
    this.#scripts = new ScriptRunner(opts.log);
    this.hub = opts.hub ?? new EventHub((e) => opts.log.error({ error: (e as Error).message }, 'event subscriber failed'));
    this.#config = config;
    this.#model = resolveVrrp(config);
  }

  /** The configuration running now (the last one loaded by start or reload). */
  get config(): KeepalivedConfig {
    return this.#config;
  }
  get model(): ResolvedVrrp {
    return this.#model;
  }

  get runners(): readonly VrrpInstanceRunner[] {
    return this.#engine?.runners ?? [];
  }

  get groups(): readonly SyncGroupRunner[] {
    return this.#engine?.groups ?? [];
  }

  /** Ports' drop counts: adverts for no instance of ours, and packets that cannot be adverts. */
  get unknownVrid(): number {
    let n = 0;
    for (const p of this.#ports.values()) n += p.dropped.unknownVrid;
    return n;
  }
  get malformedPackets(): number {
    let n = 0;
    for (const p of this.#ports.values()) n += p.dropped.malformed;
    return n;
  }

  async start(): Promise<void> {
    const { log } = this.opts;
    const rtnl = (this.#rtnl = new RouteNetlink());
    this.#links = await rtnl.links();
    this.#addresses = await rtnl.addresses(AF_INET);
    this.#openFifos();
    this.#defaultUser = this.#scriptUser();

    const engine = (this.#engine = new VrrpEngine(this.model, {
      log,
      hub: this.hub,
      iface: (v) => this.#interfaceFacts(v, this.#addresses),
      port: (v, facts) => this.#port(facts, v),
      edges: (owner, iface) => this.#edges(owner, iface, rtnl),
    }));
    for (const l of this.#links) this.#linkUsable.set(l.ifindex, linkUsable(l.flags));
    this.#recordInterfaces(engine.book);
    this.#startTrackers(engine);
    this.hub.registerCounters('vrrp_instance', () =>
      this.status().map((st) => ({ name: st.name, sent: st.sent, received: st.received, become_master: st.become_master, release_master: st.release_master, dropped: st.dropped })),
    );
    this.hub.registerCounters('unknown_vrid', () => this.unknownVrid);
    this.hub.registerCounters('malformed_packets', () => this.malformedPackets);
    this.#linkMonitor = new LinkMonitor(
      (e) => this.#linkEvent(e.link, e.usable, e.deleted),
      () => {
        log.warn('link events were lost - re-reading the interfaces');
        void rtnl.links().then((links) => links.forEach((l) => this.#linkEvent(l, linkUsable(l.flags), false)), () => undefined);
      },
    );
    // instances waiting for their interface or an address start when the host has them
    this.#addressMonitor = new AddressMonitor(() => this.#hostChanged());
    engine.start();
    this.#scriptTracker?.start();
  }

  /**
   * A reload (SIGHUP) with a configuration already read and checked: the engine keeps the
   * instances whose identity is unchanged (state, timers, counters) and applies the rest in
   * place; trackers are rebuilt for the new file, unchanged scripts carrying their results and
   * schedules; FIFOs are reopened where their paths changed. Never blocks on the kernel longer
   * than one address dump.
   */
  async reload(config: KeepalivedConfig): Promise<EngineReload | null> {
    const engine = this.#engine;
    if (!engine) return null;
    const model = resolveVrrp(config);
    // new instances read their interface's addresses now
    this.#addresses = await this.#rtnl!.addresses(AF_INET);
    if (this.#stopped) return null;
    this.#config = config;
    this.#model = model;
    this.#openFifos();
    this.#defaultUser = this.#scriptUser();
    const carry = this.#scriptTracker?.handOver();
    this.#stopTrackers();
    const result = engine.reload(model, (book) => {
      this.#recordInterfaces(book);
      this.#startTrackers(engine, carry);
    });
    this.#scriptTracker?.start();
    return result;
  }

  /** keepalived's default script user: `script_user`, else `keepalived_script` when it exists. */
  #scriptUser(): { user: string; group?: string } | undefined {
    return this.#config.global_defs.script_user ?? (lookupIdentity('keepalived_script') ? { user: 'keepalived_script' } : undefined);
  }

  /** Open the model's notify FIFOs; those no longer configured are closed, those kept stay open. */
  #openFifos(): void {
    const wanted = new Set(this.#model.fifos);
    for (const [path, f] of this.#fifos) {
      if (wanted.has(path)) continue;
      f.close();
      this.#fifos.delete(path);
    }
    for (const path of wanted) {
      if (this.#fifos.has(path)) continue;
      try {
        this.#fifos.set(path, new NotifyFifo(path, this.opts.log));
      } catch (e) {
        this.opts.log.error({ fifo: path, error: (e as Error).message }, 'cannot open notify fifo');
      }
    }
  }

  #recordInterfaces(book: TrackedStateBook): void {
    for (const l of this.#links) if (l.name !== undefined && book.tracksInterface(l.name)) book.record({ kind: 'interface', name: l.name, up: linkUsable(l.flags) });
  }

  #stopTrackers(): void {
    this.#scriptTracker?.stop();
    this.#fileTracker?.stop();
    this.#processMonitor?.close();
    this.#scriptTracker = null;
    this.#fileTracker = null;
    this.#processMonitor = null;
  }

  /** Links or addresses changed: re-read the addresses if some instance waits for the host. */
  #hostChanged(): void {
    const engine = this.#engine;
    if (!engine || this.#rereading || !engine.runners.some((r) => r.waitingForHost)) return;
    this.#rereading = true;
    void this.#rtnl!.addresses(AF_INET)
      .then((a) => {
        this.#addresses = a;
        engine.retryWaiting();
      })
      .catch((e: Error) => this.opts.log.error({ error: e.message }, 'cannot re-read the addresses'))
      .finally(() => (this.#rereading = false));
  }

  #edges(owner: string, iface: InterfaceFacts | null, rtnl: RouteNetlink): InstanceEdges {
    return {
      sendFrame: (f) => (iface ? this.#packetChannel(iface).send(f) : undefined),
      addAddress: (a, what) => rtnl.addAddress(a, what),
      deleteAddress: (a, what) => rtnl.deleteAddress(a, what),
      runScript: (what, args, spec, timeoutMs) => this.#runScript(`${owner} ${what}`, args, spec, timeoutMs),
      writeFifo: (line) => this.#fifos.forEach((f) => f.write(line)),
      interfaceIndex: (name) => this.#links.find((l) => l.name === name)?.ifindex ?? null,
      nowUs: monotonicUs,
      createTimer: (onExpire) => new PreciseTimer(onExpire),
      defer: (fn) => setImmediate(fn),
      wait: (us) => new Promise((r) => setTimeout(r, us / 1000)),
    };
  }

  #interfaceFacts(v: ResolvedInstance, addresses: AddressInfo[]): InterfaceFacts | null {
    const link = v.interface === undefined ? undefined : this.#links.find((l) => l.name === v.interface);
    if (!link) return null;
    const vips = new Set(v.vips.map((a) => a.address));
    const primary = addresses.find((a) => a.ifindex === link.ifindex && !(a.flags & IFA_F_SECONDARY) && a.local && !vips.has([...a.local].join('.')));
    return {
      name: link.name!,
      ifindex: link.ifindex,
      mac: link.mac ?? new Uint8Array(6),
      up: linkUsable(link.flags),
      noArp: (link.flags & IFF_NOARP) !== 0,
      primaryAddress: primary?.local ?? null,
    };
  }

  #runScript(what: string, args: readonly string[], spec: { user?: string; group?: string; insecure?: boolean }, timeoutMs: number): Promise<ScriptOutcome> {
    if (spec.insecure) {
      this.opts.log.warn({ script: what }, `${what}: not run, its permissions are unsafe (enable_script_security)`);
      return Promise.resolve({ code: null, signal: null, timedOut: false, error: 'insecure' });
    }
    const who = spec.user !== undefined ? { user: spec.user, ...(spec.group !== undefined ? { group: spec.group } : {}) } : this.#defaultUser;
    const identity = who ? lookupIdentity(who.user, who.group) : null;
    return this.#scripts.run({ what, args: [...args], identity, timeoutMs });
  }

  /** Trackers for the objects some instance tracks, their initial states recorded before the instances start. */
  #startTrackers(engine: VrrpEngine, carry?: ReadonlyMap<string, ScriptCarry>): void {
    const { log } = this.opts;
    const model = engine.model;
    const onReport = (r: TrackerReport): void => engine.report(r);
    const tracked = model.scripts.filter((s) => engine.tracks('script', s.id));
    for (const s of tracked.filter((x) => x.insecure)) {
      log.warn({ script: s.name }, `Disabling track script ${s.name} due to insecure`);
      engine.book.record({ kind: 'script', id: s.id, status: 'disabled' });
    }
    const scripts = tracked.filter((s) => !s.insecure);
    if (scripts.length > 0) {
      const tracker = (this.#scriptTracker = new ScriptTracker(scripts, {
        clock,
        log,
        run: (s, timeoutMs) => this.#runScript(`vrrp_script ${s.name}`, s.args, s.user ?? {}, timeoutMs),
        onReport,
        ...(carry ? { carry } : {}),
      }));
      for (const s of scripts) engine.book.record({ kind: 'script', id: s.id, status: tracker.initial(s.id) });
    }
    const files = model.files.filter((f) => engine.tracks('file', f.id));
    if (files.length > 0) {
      const tracker = (this.#fileTracker = new FileTracker(files, { log, onReport }));
      tracker.start();
      for (const f of files) engine.book.record({ kind: 'file', id: f.id, value: tracker.value(f.id) });
    }
    const processes = model.processes.filter((p) => engine.tracks('process', p.id));
    if (processes.length > 0) {
      const monitor = (this.#processMonitor = ProcessMonitor.start(processes, { clock, log, onChange: (id, up) => onReport({ kind: 'process', id, up }) }));
      for (const p of processes) engine.book.record({ kind: 'process', id: p.id, up: monitor.initial(p.id) });
    }
  }

  #linkEvent(link: LinkInfo, usable: boolean, deleted: boolean): void {
    const known = this.#links.findIndex((l) => l.ifindex === link.ifindex);
    const name = link.name ?? this.#links[known]?.name;
    if (deleted) {
      if (known >= 0) this.#links.splice(known, 1);
    } else if (known >= 0) this.#links[known] = { ...this.#links[known]!, ...link };
    else {
      this.#links.push(link);
      this.#hostChanged();
    }
    if (this.#linkUsable.get(link.ifindex) === usable) return;
    this.#linkUsable.set(link.ifindex, usable);
    this.#engine?.linkChanged(link.ifindex, name, usable);
  }

  /** The advert port of an interface and family (opened once; a failure faults only its instances). */
  #port(facts: InterfaceFacts, v: ResolvedInstance): AdvertPort | null {
    const key = `${facts.name}/${v.family}`;
    let port = this.#ports.get(key);
    if (!port) {
      try {
        port = new Ipv4AdvertPort(facts.name, facts.ifindex);
      } catch (e) {
        this.opts.log.error({ instance: v.name, interface: facts.name, error: (e as Error).message }, `(${v.name}) cannot open the VRRP socket on ${facts.name}`);
        return null;
      }
      this.#ports.set(key, port);
    }
    return port;
  }

  #packetChannel(facts: InterfaceFacts): PacketChannel {
    let ch = this.#packetChannels.get(facts.name);
    if (!ch) {
      ch = new PacketChannel(facts.name, facts.ifindex);
      this.#packetChannels.set(facts.name, ch);
    }
    return ch;
  }

  /** The host's links, and its addresses of both families read now (dumps). */
  async hostLinks(): Promise<{ links: readonly LinkInfo[]; addresses: readonly AddressInfo[] }> {
    const rtnl = this.#rtnl;
    if (!rtnl || this.#stopped) return { links: this.#links, addresses: this.#addresses };
    const [v4, v6] = await Promise.all([rtnl.addresses(AF_INET), rtnl.addresses(AF_INET6)]);
    return { links: this.#links, addresses: [...v4, ...v6] };
  }

  /** Multicast groups joined per interface and family (status, tests). */
  joinedGroups(): Record<string, string[]> {
    return Object.fromEntries([...this.#ports].map(([k, p]) => [k, p instanceof Ipv4AdvertPort ? p.groups : []]));
  }

  status(): InstanceStatus[] {
    return this.runners.map((r) => ({
      name: r.name,
      state: r.state,
      priority: r.machine.effectivePriority,
      base_priority: r.config.timing.priority,
      ...(r.config.interface !== undefined ? { interface: r.config.interface } : {}),
      virtual_router_id: r.config.vrid,
      ...(r.config.syncGroup !== null ? { sync_group: this.model.syncGroups[r.config.syncGroup]!.name } : {}),
      faults: r.machine.faultReasons,
      sent: { ...r.sent },
      received: { ...r.received },
      become_master: r.transitions.becomeMaster,
      release_master: r.transitions.releaseMaster,
      dropped: Object.fromEntries(r.drops),
    }));
  }

  /** Sync groups and their states (dumps). */
  groupStatus(): { name: string; state: string; members: string[] }[] {
    return this.groups.map((g) => ({ name: g.name, state: g.state, members: g.group.members.map((m) => this.model.instances[m]!.name) }));
  }

  /** Tracked objects and their states (dumps). */
  trackers(): { scripts: unknown[]; files: unknown[]; processes: unknown[] } {
    return {
      scripts: this.#scriptTracker?.status() ?? [],
      files: this.#fileTracker?.status() ?? [],
      processes: this.#processMonitor?.status() ?? [],
    };
  }

  /** @param release false for `-V`: instances are not shut down (no priority 0, VIPs stay) */
  async stop(release = true): Promise<void> {
    this.#stopped = true;
    this.#stopTrackers();
    await this.#engine?.stop(release);
    this.#linkMonitor?.close();
    this.#addressMonitor?.close();
    for (const p of this.#ports.values()) p.close();
    for (const ch of this.#packetChannels.values()) ch.close();
    for (const f of this.#fifos.values()) f.close();
    this.#rtnl?.close();
    this.#scripts.killAll();
  }
}
