/**
 * The VRRP side of the agent: reads interface facts over rtnetlink, opens one advert channel and
 * one gratuitous-ARP channel per interface, runs an instance runner per vrrp_instance, and
 * stops them gracefully. IPv4 instances only for now.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { Logger } from '../log.js';
import { IFA_F_SECONDARY, IFF_NOARP, AF_INET, type LinkInfo } from '../netlink/rtnl.js';
import { RouteNetlink } from '../netlink/route.js';
import { LinkMonitor, linkUsable } from '../netlink/link-monitor.js';
import { NotifyFifo } from '../notify/fifo.js';
import { ScriptRunner, type ScriptIdentity } from '../notify/script-runner.js';
import { parseIp } from '../config/address.js';
import { PacketChannel } from './garp-channel.js';
import { VrrpIpv4Channel } from './ipv4-channel.js';
import { VrrpInstanceRunner, type InterfaceFacts } from './instance-runner.js';
import { vridOfIpv4Packet } from './receive-filter.js';
import { readFileSync } from 'node:fs';
import { monotonicUs, PreciseTimer } from '../native/timer.js';

export interface VrrpDaemonOptions {
  log: Logger;
}

export interface InstanceStatus {
  name: string;
  state: string;
  priority: number;
  interface?: string;
  virtual_router_id: number;
  sent: { adverts: number; gratuitous: number };
  received: { adverts: number };
  dropped: Record<string, number>;
}


/** uid/gid of a user from /etc/passwd (and a group from /etc/group), or null. */
function lookupIdentity(user: string, group?: string): ScriptIdentity | null {
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

export class VrrpDaemon {
  readonly runners: VrrpInstanceRunner[] = [];
  readonly #channels = new Map<string, VrrpIpv4Channel>();
  readonly #packetChannels = new Map<string, PacketChannel>();
  readonly #fifos: NotifyFifo[] = [];
  readonly #scripts: ScriptRunner;
  #rtnl: RouteNetlink | null = null;
  #linkMonitor: LinkMonitor | null = null;
  #links: LinkInfo[] = [];
  unknownVrid = 0;

  constructor(
    readonly config: KeepalivedConfig,
    private readonly opts: VrrpDaemonOptions,
  ) {
    this.#scripts = new ScriptRunner(opts.log);
  }

  async start(): Promise<void> {
    const { log } = this.opts;
    const rtnl = (this.#rtnl = new RouteNetlink());
    this.#links = await rtnl.links();
    const addresses = await rtnl.addresses(AF_INET);
    const g = this.config.global_defs;
    for (const path of [g.notify_fifo, g.vrrp_notify_fifo]) {
      if (path === undefined) continue;
      try {
        this.#fifos.push(new NotifyFifo(path, log));
      } catch (e) {
        log.error({ fifo: path, error: (e as Error).message }, 'cannot open notify fifo');
      }
    }
    const defaultUser = g.script_user ?? (lookupIdentity('keepalived_script') ? { user: 'keepalived_script' } : undefined);

    for (const v of this.config.vrrp_instance) {
      if ((v.family ?? 'inet') !== 'inet') {
        log.error({ instance: v.name }, `(${v.name}) IPv6 instances are not supported yet - instance not started`);
        continue;
      }
      const link = v.interface === undefined ? undefined : this.#links.find((l) => l.name === v.interface);
      let facts: InterfaceFacts | null = null;
      if (link) {
        const vips = new Set(v.virtual_ipaddress.map((a) => a.address));
        const primary = addresses.find(
          (a) => a.ifindex === link.ifindex && !(a.flags & IFA_F_SECONDARY) && a.local && !vips.has([...a.local].join('.')),
        );
        this.#linkUsable.set(link.ifindex, linkUsable(link.flags));
        facts = {
          name: link.name!,
          ifindex: link.ifindex,
          mac: link.mac ?? new Uint8Array(6),
          up: linkUsable(link.flags),
          noArp: (link.flags & IFF_NOARP) !== 0,
          primaryIpv4: primary?.local ?? null,
        };
      } else {
        const wanted = v.interface ?? v.missing_interface;
        log.error({ instance: v.name, interface: wanted }, `(${v.name}) ${wanted ? `interface ${wanted} not found` : 'no interface configured'} - instance in FAULT`);
      }
      const channel = facts ? this.#channel(facts) : null;
      const packets = facts ? this.#packetChannel(facts) : null;
      const runner = new VrrpInstanceRunner(
        v,
        g,
        facts,
        {
          sendPacket: (p, dst) => {
            if (!channel) throw new Error('no channel');
            channel.send(p, dst);
          },
          sendFrame: (f) => packets?.send(f),
          addAddress: (a, what) => rtnl.addAddress(a, what),
          deleteAddress: (a, what) => rtnl.deleteAddress(a, what),
          runScript: (what, args, spec, timeoutMs) => {
            const who = spec.user !== undefined ? { user: spec.user, group: spec.group } : defaultUser;
            const identity = who ? lookupIdentity(who.user, who.group) : null;
            return this.#scripts.run({ what: `${v.name} ${what}`, args, identity, timeoutMs });
          },
          writeFifo: (line) => this.#fifos.forEach((f) => f.write(line)),
          interfaceIndex: (name) => this.#links.find((l) => l.name === name)?.ifindex ?? null,
          nowUs: monotonicUs,
          createTimer: (onExpire) => new PreciseTimer(onExpire),
        },
        log,
      );
      this.runners.push(runner);
    }
    this.#linkMonitor = new LinkMonitor(
      (e) => this.#linkEvent(e.link.ifindex, e.usable),
      () => {
        log.warn('link events were lost - re-reading the interfaces');
        void rtnl.links().then((links) => links.forEach((l) => this.#linkEvent(l.ifindex, linkUsable(l.flags))), () => undefined);
      },
    );
    for (const r of this.runners) r.start();
  }

  #linkUsable = new Map<number, boolean>();

  #linkEvent(ifindex: number, usable: boolean): void {
    if (this.#linkUsable.get(ifindex) === usable) return;
    this.#linkUsable.set(ifindex, usable);
    for (const r of this.runners) {
      if (r.iface?.ifindex !== ifindex) continue;
      this.opts.log.info({ instance: r.name, interface: r.iface.name, usable }, `(${r.name}) interface ${r.iface.name} ${usable ? 'up' : 'down'}`);
      r.linkChanged(usable);
    }
  }

  #channel(facts: InterfaceFacts): VrrpIpv4Channel {
    let ch = this.#channels.get(facts.name);
    if (!ch) {
      const group = new Uint8Array(parseIp(this.config.global_defs.vrrp_mcast_group4)!.bytes);
      ch = new VrrpIpv4Channel(facts.name, facts.ifindex, group, ({ packet, ifindex, receivedAtUs }) => {
        const vrid = vridOfIpv4Packet(packet);
        const targets = this.runners.filter((r) => r.config.virtual_router_id === vrid && r.iface?.name === facts.name);
        if (targets.length === 0) this.unknownVrid++;
        for (const r of targets) r.onPacket(packet, ifindex, receivedAtUs);
      });
      this.#channels.set(facts.name, ch);
    }
    return ch;
  }

  #packetChannel(facts: InterfaceFacts): PacketChannel {
    let ch = this.#packetChannels.get(facts.name);
    if (!ch) {
      ch = new PacketChannel(facts.name, facts.ifindex);
      this.#packetChannels.set(facts.name, ch);
    }
    return ch;
  }

  status(): InstanceStatus[] {
    return this.runners.map((r) => ({
      name: r.name,
      state: r.state,
      priority: r.machine.effectivePriority,
      ...(r.config.interface !== undefined ? { interface: r.config.interface } : {}),
      virtual_router_id: r.config.virtual_router_id,
      sent: { ...r.sent },
      received: { ...r.received },
      dropped: Object.fromEntries(r.drops),
    }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
    this.#linkMonitor?.close();
    for (const ch of this.#channels.values()) ch.close();
    for (const ch of this.#packetChannels.values()) ch.close();
    for (const f of this.#fifos) f.close();
    this.#rtnl?.close();
    this.#scripts.killAll();
  }
}
