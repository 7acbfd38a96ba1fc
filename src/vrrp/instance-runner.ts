/**
 * One VRRP instance at run time: joins the pure state machine to its edges (advert channel,
 * gratuitous ARP, rtnetlink, notify). Owns the instance's timer, counters and interface facts.
 */
import type { GlobalDefs } from '../config/keywords/global.js';
import type { IpAddressEntry } from '../config/keywords/ip-address.js';
import { ScopeNames } from '../config/keywords/ip-address.js';
import type { VrrpInstance } from '../config/keywords/vrrp-instance.js';
import { parseIp } from '../config/address.js';
import type { Logger } from '../log.js';
import { buildGratuitousArp } from '../net/arp.js';
import { AF_INET, AF_INET6, IFA_F_NODAD, type AddressRequest } from '../netlink/rtnl.js';
import { instanceNotification, type NotifyState } from '../notify/vrrp-notify.js';
import { AuthType, encodeIpv4Advert, passwordAuthData, VrrpTtl, type VrrpAdvert } from './packet.js';
import { filterIpv4Advert, type DropReason, type Expectations } from './receive-filter.js';
import { VrrpStateMachine, type InstanceTimingConfig, type VrrpAction, type VrrpState } from './state-machine.js';

export interface InterfaceFacts {
  name: string;
  ifindex: number;
  mac: Uint8Array;
  up: boolean;
  noArp: boolean;
  /** First primary IPv4 address that is not one of our VIPs. */
  primaryIpv4: Uint8Array | null;
}

/** What the runner needs from the outside; the daemon wires the real adapters. */
export interface InstanceEdges {
  sendPacket(packet: Uint8Array, dst: Uint8Array): void;
  sendFrame(frame: Uint8Array): void;
  addAddress(a: AddressRequest, what: string): Promise<unknown>;
  deleteAddress(a: AddressRequest, what: string): Promise<unknown>;
  runScript(what: string, args: string[], spec: { user?: string; group?: string }, timeoutMs: number): Promise<unknown>;
  writeFifo(line: string): void;
  interfaceIndex(name: string): number | null;
  nowUs(): number;
  /** A one-shot timer on the nowUs() clock. */
  createTimer(onExpire: () => void): InstanceTimer;
}

export interface InstanceTimer {
  arm(atUs: number): void;
  disarm(): void;
  close(): void;
}

/** How long notify scripts may run before they are killed (keepalived lets STOP scripts run 1 s). */
export const NotifyTimeoutMs = 30_000;
export const StopNotifyTimeoutMs = 1_000;

export function timingConfig(v: VrrpInstance, g: GlobalDefs, primary: Uint8Array): InstanceTimingConfig {
  const s = 1_000_000;
  return {
    version: v.version ?? g.vrrp_version,
    priority: v.priority,
    advertIntervalUs: Math.round(v.advert_int * s),
    preempt: !v.nopreempt,
    preemptDelayUs: Math.round(v.preempt_delay * s),
    primaryAddress: primary,
    wantMaster: v.state === 'MASTER',
    downTimerAdverts: v.down_timer_adverts ?? g.vrrp_down_timer_adverts,
    garpMasterDelayUs: Math.round((v.garp_master_delay ?? g.vrrp_garp_master_delay) * s),
    garpMasterRepeat: v.garp_master_repeat ?? g.vrrp_garp_master_repeat,
    garpMasterRefreshUs: Math.round((v.garp_master_refresh ?? g.vrrp_garp_master_refresh) * s),
    garpMasterRefreshRepeat: v.garp_master_refresh_repeat ?? g.vrrp_garp_master_refresh_repeat,
    lowerPrioNoAdvert: v.lower_prio_no_advert ?? g.vrrp_lower_prio_no_advert,
    higherPrioSendAdvert: v.higher_prio_send_advert ?? g.vrrp_higher_prio_send_advert,
  };
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

export class VrrpInstanceRunner {
  readonly machine: VrrpStateMachine;
  readonly drops = new Map<DropReason | 'address-mismatch', number>();
  readonly received = { adverts: 0 };
  readonly sent = { adverts: 0, gratuitous: 0 };
  #timer: InstanceTimer | null = null;
  #ipId = 0;
  #expect: Expectations;
  #advertTemplate: VrrpAdvert;
  #destinations: Uint8Array[];
  #ttl: number;
  #source: Uint8Array;
  #mismatchWarned = false;
  #pending: Promise<unknown> = Promise.resolve();
  #packetCache = new Map<number, Uint8Array[]>();
  #garpFrames: Uint8Array[] = [];
  #deferredStates = 0;

  constructor(
    readonly config: VrrpInstance,
    readonly global: GlobalDefs,
    readonly iface: InterfaceFacts | null,
    private readonly edges: InstanceEdges,
    private readonly log: Logger,
  ) {
    const source = config.unicast_src_ip ?? config.mcast_src_ip;
    this.#source = source ? bytesOf(source) : (iface?.primaryIpv4 ?? new Uint8Array(4));
    this.machine = new VrrpStateMachine(timingConfig(config, global, this.#source));
    const version = config.version ?? global.vrrp_version;
    const group = bytesOf(config.mcast_dst_ip ?? global.vrrp_mcast_group4);
    const unicast = config.unicast_peer.length > 0;
    this.#destinations = unicast ? config.unicast_peer.map((p) => bytesOf(p.address)) : [group];
    this.#ttl = unicast ? (config.unicast_ttl ?? VrrpTtl) : VrrpTtl;
    const pass = version === 2 && config.authentication?.auth_type === 'PASS' ? (config.authentication.auth_pass ?? '') : null;
    const authType = pass !== null ? AuthType.Password : AuthType.None;
    const authData = version === 2 ? (pass !== null ? passwordAuthData(pass) : new Uint8Array(8)) : new Uint8Array(0);
    const vips = this.#advertisedAddresses();
    this.#advertTemplate = {
      version,
      vrid: config.virtual_router_id,
      priority: config.priority,
      intervalCs: Math.round(config.advert_int * 100),
      addresses: vips,
      authType,
      authData,
    };
    this.#expect = {
      version,
      intervalCs: this.#advertTemplate.intervalCs,
      authType,
      authData,
      group: unicast ? null : group,
      ownAddress: this.#source,
      ifindex: iface?.ifindex ?? -1,
      addresses: vips,
      unicastPeers: config.unicast_peer.map((p) => ({
        address: bytesOf(p.address),
        ...(p.min_ttl !== undefined ? { minTtl: p.min_ttl } : {}),
        ...(p.max_ttl !== undefined ? { maxTtl: p.max_ttl } : {}),
      })),
      checkUnicastSource: config.check_unicast_src || global.vrrp_check_unicast_src,
    };
    // build what a takeover sends now, so that it goes out without delay
    this.#packetsFor(config.priority);
    this.#packetsFor(0);
    if (iface) {
      this.#garpFrames = [...config.virtual_ipaddress, ...config.virtual_ipaddress_excluded]
        .filter((a) => a.family === 'inet' && (a.dev === undefined || a.dev === iface.name))
        .map((a) => buildGratuitousArp(iface.mac, bytesOf(a.address)));
    }
  }

  get name(): string {
    return this.config.name;
  }
  get state(): VrrpState {
    return this.machine.state;
  }

  #advertisedAddresses(): Uint8Array[] {
    return this.config.virtual_ipaddress.filter((a) => a.family === 'inet').map((a) => bytesOf(a.address));
  }

  #prefix(): string {
    return `(${this.config.name})`;
  }

  /** Start the instance: FAULT if it cannot run (no interface, interface down, no source address). */
  start(): void {
    const now = this.edges.nowUs();
    const wanted = this.config.interface ?? this.config.missing_interface;
    if (this.iface === null) this.#apply(this.machine.handle({ type: 'fault', reason: wanted ? `interface ${wanted} not found` : 'no interface configured' }, now));
    else if (!this.iface.up) this.#apply(this.machine.handle({ type: 'fault', reason: `interface ${this.iface.name} is down` }, now));
    else if (this.#source.every((b) => b === 0)) this.#apply(this.machine.handle({ type: 'fault', reason: `no IPv4 address on ${this.iface.name}` }, now));
    else if (this.config.authentication?.auth_type === 'AH' && (this.config.version ?? this.global.vrrp_version) === 2) {
      this.#apply(this.machine.handle({ type: 'fault', reason: 'IPSEC-AH authentication is not supported yet' }, now));
    }
    this.#apply(this.machine.handle({ type: 'startup' }, now));
  }

  /**
   * The instance's interface went down or came back (keepalived: FAULT while it is down, unless
   * `dont_track_primary`).
   */
  linkChanged(usable: boolean): void {
    if (this.config.dont_track_primary || this.iface === null) return;
    const now = this.edges.nowUs();
    const reason = `interface ${this.iface.name} is down`;
    this.#apply(this.machine.handle(usable ? { type: 'fault-cleared', reason } : { type: 'fault', reason }, now));
  }

  /** A packet from the instance's channel (already demultiplexed by VRID). */
  onPacket(packet: Uint8Array, ifindex: number, receivedAtUs: number | null = null): void {
    const r = filterIpv4Advert(packet, ifindex, this.#expect);
    if (!r.ok) {
      this.drops.set(r.reason, (this.drops.get(r.reason) ?? 0) + 1);
      if (r.reason !== 'own-packet') this.log.debug({ instance: this.name, reason: r.reason, detail: r.detail }, 'advert dropped');
      return;
    }
    this.received.adverts++;
    if (r.addressMismatch) {
      this.drops.set('address-mismatch', (this.drops.get('address-mismatch') ?? 0) + 1);
      if (!this.#mismatchWarned) {
        this.#mismatchWarned = true;
        this.log.warn({ instance: this.name }, `${this.#prefix()} advert addresses differ from our virtual_ipaddress list`);
      }
    }
    // the kernel's receive time, when it is sane (never in the future, at most 100 ms old)
    const now = this.edges.nowUs();
    const at = receivedAtUs !== null && receivedAtUs <= now && now - receivedAtUs < 100_000 ? receivedAtUs : now;
    this.#apply(this.machine.handle({ type: 'advert', from: r.src, priority: r.advert.priority, intervalUs: r.advert.intervalCs * 10_000 }, at));
  }

  /** Graceful stop: priority-0 advert when master, addresses removed, notify_stop; resolves when done. */
  async stop(): Promise<void> {
    while (this.#deferredStates > 0) await new Promise((r) => setImmediate(r));
    this.#apply(this.machine.handle({ type: 'shutdown' }, this.edges.nowUs()));
    await this.#pending;
    this.#timer?.close();
    this.#timer = null;
  }

  #apply(actions: VrrpAction[]): void {
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
          // A takeover's log line, scripts and FIFO line wait for the check phase, after the
          // queued address adds and the first gratuitous ARPs have gone out.
          // Later changes queue behind a deferred one so scripts always see states in order.
          if (a.to === 'MASTER' || this.#deferredStates > 0) {
            this.#deferredStates++;
            setImmediate(() => {
              this.#deferredStates--;
              this.#stateChanged(a.from, a.to, a.priority, a.reason);
            });
          } else this.#stateChanged(a.from, a.to, a.priority, a.reason);
          break;
        case 'log':
          this.log[a.level]({ instance: this.name }, `${this.#prefix()} ${a.message}`);
          break;
      }
    }
    this.#arm();
  }

  /** Address changes and ARP run in order, one after the other, never blocking adverts. */
  #queue(task: () => Promise<void>): void {
    this.#pending = this.#pending.then(task).catch((e: Error) => this.log.error({ instance: this.name, error: e.message }, 'instance task failed'));
  }

  #arm(): void {
    const at = this.machine.nextDeadline();
    if (at === null) {
      this.#timer?.disarm();
      return;
    }
    this.#timer ??= this.edges.createTimer(() => this.#apply(this.machine.handle({ type: 'timer' }, this.edges.nowUs())));
    this.#timer.arm(at);
  }

  /**
   * The packets for one priority, one per destination, built once: a takeover then only
   * stamps the IP identification and sends (the kernel fills in the IP header checksum).
   */
  #packetsFor(priority: number): Uint8Array[] {
    let packets = this.#packetCache.get(priority);
    if (!packets) {
      const advert = { ...this.#advertTemplate, priority };
      const checksumAsV2 = this.config.v3_checksum_as_v2 ?? this.global.v3_checksum_as_v2;
      packets = this.#destinations.map((dst) => encodeIpv4Advert(advert, { src: this.#source, dst, ttl: this.#ttl, id: 0 }, { checksumAsV2 }));
      if (this.#packetCache.size > 8) this.#packetCache.clear();
      this.#packetCache.set(priority, packets);
    }
    return packets;
  }

  #sendAdvert(priority: number): void {
    const packets = this.#packetsFor(priority);
    this.#destinations.forEach((dst, i) => {
      this.#ipId = (this.#ipId % 0xffff) + 1; // never 0, as keepalived
      const packet = packets[i]!;
      packet[4] = this.#ipId >> 8;
      packet[5] = this.#ipId & 0xff;
      try {
        this.edges.sendPacket(packet, dst);
        this.sent.adverts++;
      } catch (e) {
        this.log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot send advert`);
      }
    });
  }

  #addressRequest(a: IpAddressEntry): AddressRequest | null {
    const dev = a.dev ?? this.config.interface;
    const ifindex = dev === undefined ? null : this.edges.interfaceIndex(dev);
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
  async #changeAddresses(add: boolean): Promise<void> {
    const entries = [...this.config.virtual_ipaddress, ...this.config.virtual_ipaddress_excluded];
    const requests = entries.map(async (a) => {
      const dev = a.dev ?? this.config.interface;
      if (dev === undefined) return; // an instance without an interface is in FAULT: nothing to do
      const req = this.#addressRequest(a);
      const what = `${add ? 'add' : 'remove'} ${a.address}/${a.prefix} dev ${dev}`;
      if (req === null) {
        this.log.error({ instance: this.name }, `${this.#prefix()} cannot ${what}: no such interface`);
        return;
      }
      try {
        if (add) await this.edges.addAddress(req, what);
        else await this.edges.deleteAddress(req, what);
      } catch (e) {
        const code = (e as { code?: string }).code;
        // removing an address that is not there is the normal case at start
        if (!add && (code === 'EADDRNOTAVAIL' || code === 'ENOENT' || code === 'ESRCH')) return;
        this.log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot ${what}`);
      }
    });
    if (!add) await Promise.all(requests);
  }

  async #sendGratuitous(repeat: number): Promise<void> {
    if (!this.iface || this.iface.noArp) return;
    const intervalMs = this.global.vrrp_garp_interval * 1000;
    for (let round = 0; round < repeat; round++) {
      for (const frame of this.#garpFrames) {
        if (this.machine.state !== 'MASTER') return;
        try {
          this.edges.sendFrame(frame);
          this.sent.gratuitous++;
        } catch (e) {
          this.log.error({ instance: this.name, error: (e as Error).message }, `${this.#prefix()} cannot send gratuitous ARP`);
        }
        if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
      }
    }
  }

  #stateChanged(from: VrrpState, to: VrrpState, priority: number, reason: string): void {
    const words: Record<VrrpState, string> = { INIT: 'INIT', BACKUP: 'BACKUP', MASTER: 'MASTER', FAULT: 'FAULT', STOP: 'STOP' };
    this.log.info({ instance: this.name, from, to, priority, reason }, `${this.#prefix()} Entering ${words[to]} STATE${reason === 'init' ? ' (init)' : ''}`);
    if (to === 'INIT') return;
    const n = instanceNotification(this.config, to as NotifyState, priority);
    const timeout = to === 'STOP' ? StopNotifyTimeoutMs : NotifyTimeoutMs;
    const runs = n.scripts.map((s) => this.edges.runScript(s.keyword, s.args, s.spec, timeout));
    this.edges.writeFifo(n.fifoLine);
    // STOP scripts are waited for (up to their limit) before the process exits
    if (to === 'STOP') this.#pending = this.#pending.then(() => Promise.all(runs));
  }
}
