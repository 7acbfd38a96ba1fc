/**
 * The instance runner with fake edges and a fake clock: what it sends, adds, runs and writes
 * for a takeover and a stop, and how it counts bad packets.
 */
import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';
import { VrrpInstanceRunner, type InstanceEdges, type InstanceTimer } from '../../../src/vrrp/instance-runner.js';
import { decodeIpv4Header } from '../../../src/net/ipv4-header.js';
import { decodeVrrp, encodeIpv4Advert, VrrpGroupV4, type EncodeOptions, type VrrpAdvert } from '../../../src/vrrp/packet.js';
import { silentLogger } from '../../../src/log.js';
import type { AddressRequest } from '../../../src/netlink/rtnl.js';
import { resolveVrrp } from '../../../src/vrrp/resolve.js';
import { EventHub } from '../../../src/events/hub.js';
import { GroupMemberships, VridDemux, type AdvertPort, type AdvertStream, type PreparedAdvert, type ReceivedAdvert } from '../../../src/vrrp/transport.js';

const conf = `
global_defs {
  vrrp_garp_master_delay 5
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24 brd + label eth0:vip
  }
  notify_master "/etc/keepalived/master.sh now"
  notify_stop /etc/keepalived/stop.sh
  notify /etc/keepalived/notify.sh
}
`;

/** An IPv4 port that records whole packets, as the raw socket would send them. */
class RecordingPort implements AdvertPort {
  readonly family = 'inet';
  readonly ifname = 'eth0';
  readonly ifindex = 2;
  readonly demux = new VridDemux();
  readonly groups = new GroupMemberships(() => undefined);
  constructor(private readonly fake: Fake) {}
  get dropped() {
    return this.demux.dropped;
  }
  prepare(advert: VrrpAdvert, addr: { src: Uint8Array; dst: Uint8Array; ttl: number }, opts?: EncodeOptions): PreparedAdvert {
    return { bytes: encodeIpv4Advert(advert, { ...addr, id: 1 }, opts), dst: addr.dst };
  }
  send(p: PreparedAdvert): void {
    this.fake.sendPacket(p.bytes, p.dst);
  }
  join(g: Uint8Array): void {
    this.groups.join(g);
  }
  leave(g: Uint8Array): void {
    this.groups.leave(g);
  }
  subscribe(vrid: number, fn: (rx: ReceivedAdvert) => void): () => void {
    return this.demux.subscribe(vrid, fn);
  }
  close(): void {}
}

/** A port with advert streams (as the IPv4 port's kept streams): what the runner asks of them, in order. */
class StreamingPort extends RecordingPort {
  readonly calls: string[] = [];
  openStream(): AdvertStream {
    this.calls.push('open');
    return {
      send: (packets, intervalUs) => {
        this.calls.push(`send ${packets.length} every ${intervalUs}`);
        for (const p of packets) super.send(p);
      },
      pause: () => this.calls.push('pause'),
      close: () => this.calls.push('close'),
      keptUp: 0,
      takeLongestGapUs: () => 0,
    };
  }
  override send(p: PreparedAdvert): void {
    super.send(p);
    this.calls.push('port send');
  }
}

class Fake implements InstanceEdges {
  now = 1_000_000;
  timers: { at: number | null; fire: () => void }[] = [];
  packets: { packet: Uint8Array; dst: Uint8Array; at: number }[] = [];
  port: RecordingPort | null = null;
  frames: { frame: Uint8Array; at: number }[] = [];
  added: AddressRequest[] = [];
  deleted: AddressRequest[] = [];
  scripts: { what: string; args: string[]; timeoutMs: number }[] = [];
  fifo: string[] = [];
  /** Every edge call in order, by kind. */
  order: string[] = [];
  sendPacket(packet: Uint8Array, dst: Uint8Array): void {
    this.packets.push({ packet, dst, at: this.now });
    this.order.push('advert');
  }
  sendFrame(frame: Uint8Array): void {
    this.frames.push({ frame, at: this.now });
    this.order.push('garp');
  }
  async addAddress(a: AddressRequest): Promise<unknown> {
    this.added.push(a);
    this.order.push('add');
    return [];
  }
  async deleteAddress(a: AddressRequest): Promise<unknown> {
    this.deleted.push(a);
    throw Object.assign(new Error('not there'), { code: 'EADDRNOTAVAIL' });
  }
  async runScript(what: string, args: string[], _spec: unknown, timeoutMs: number): Promise<unknown> {
    this.scripts.push({ what, args, timeoutMs });
    this.order.push('script');
    return {};
  }
  writeFifo(line: string): void {
    this.fifo.push(line);
  }
  interfaceIndex(name: string): number | null {
    return name === 'eth0' ? 2 : null;
  }
  nowUs(): number {
    return this.now;
  }
  defer(fn: () => void): void {
    setImmediate(fn);
  }
  wait(us: number): Promise<void> {
    return new Promise((r) => {
      const t = { at: this.now + us as number | null, fire: () => r() };
      this.timers.push(t);
    });
  }
  createTimer(fire: () => void): InstanceTimer {
    const t = { at: null as number | null, fire };
    this.timers.push(t);
    return { arm: (at) => (t.at = at), disarm: () => (t.at = null), close: () => (t.at = null) };
  }
  /** Advance the clock, firing due timers in order. */
  async advance(toUs: number): Promise<void> {
    for (;;) {
      const due = this.timers.filter((t) => t.at !== null && t.at <= toUs).sort((a, b) => a.at! - b.at!)[0];
      if (!due) break;
      this.now = due.at!;
      due.at = null;
      due.fire();
      await new Promise((r) => setImmediate(r));
    }
    this.now = toUs;
    await new Promise((r) => setImmediate(r));
  }
}

function runner(fake: Fake, text = conf, port = new RecordingPort(fake)): VrrpInstanceRunner {
  const r = parseText(text);
  expect(r.diagnostics.filter((d) => d.grade > 0)).toEqual([]);
  const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
  fake.port = port;
  return new VrrpInstanceRunner(resolveVrrp(r.config).instances[0]!, {
    port,
    iface: { name: 'eth0', ifindex: 2, mac, up: true, noArp: false, primaryAddress: Uint8Array.of(192, 0, 2, 11) },
    edges: fake,
    log: silentLogger(),
    hub: new EventHub(),
    garpIntervalUs: 0,
  });
}

/** An IPv4 packet as the port hands it on. */
function rx(packet: Uint8Array, ifindex: number, receivedAtUs: number | null = null): ReceivedAdvert {
  const ip = decodeIpv4Header(packet);
  if (!ip.ok) throw new Error(ip.reason);
  return { src: ip.header.src, dst: ip.header.dst, ttl: ip.header.ttl, ifindex, payload: ip.payload, receivedAtUs };
}

describe('VRRP instance runner', () => {
  it('takes over after Master_Down_Interval: advert, VIP, gratuitous ARPs, notify, FIFO', async () => {
    const fake = new Fake();
    const r = runner(fake);
    r.start();
    await fake.advance(fake.now);
    expect(r.state).toBe('BACKUP');
    expect(fake.deleted).toHaveLength(1); // stale VIP removed at start
    expect(fake.scripts.map((s) => s.args)).toEqual([['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'BACKUP', '100']]);
    const start = fake.now;
    await fake.advance(start + 3_609_375);
    expect(r.state).toBe('MASTER');
    // the advert: keepalived's bytes for this instance
    const first = fake.packets[0]!;
    expect(first.at).toBe(start + 3_609_375);
    const ip = decodeIpv4Header(first.packet);
    if (!ip.ok) throw new Error(ip.reason);
    expect([ip.header.ttl, ip.header.tos, [...ip.header.dst]]).toEqual([255, 0xc0, [224, 0, 0, 18]]);
    const d = decodeVrrp(ip.payload, ip.header);
    expect(d.ok && [d.advert.version, d.advert.vrid, d.advert.priority, d.advert.intervalCs]).toEqual([2, 51, 100, 100]);
    expect(fake.added).toEqual([
      {
        family: 2,
        prefix: 24,
        scope: 0,
        ifindex: 2,
        local: Uint8Array.of(192, 0, 2, 100),
        broadcast: Uint8Array.of(192, 0, 2, 255),
        label: 'eth0:vip',
      },
    ]);
    expect(fake.frames).toHaveLength(5);
    // on the wire first; the notify scripts only after the first gratuitous ARPs
    const takeover = fake.order.slice(fake.order.indexOf('advert'));
    expect(takeover.slice(0, 3)).toEqual(['advert', 'add', 'garp']);
    expect(takeover.indexOf('script')).toBeGreaterThan(takeover.indexOf('garp'));
    expect(fake.scripts.slice(1).map((s) => s.args)).toEqual([
      ['/etc/keepalived/master.sh', 'now'],
      ['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '100'],
    ]);
    expect(fake.fifo).toEqual(['INSTANCE "VI_1" BACKUP 100\n', 'INSTANCE "VI_1" MASTER 100\n']);
    // adverts every second on schedule, the second burst of 5 gratuitous ARPs after 5 s
    await fake.advance(start + 3_609_375 + 5_000_000);
    expect(fake.packets.map((p) => p.at - first.at)).toEqual([0, 1e6, 2e6, 3e6, 4e6, 5e6]);
    expect(fake.frames).toHaveLength(10);
  });

  it('stops gracefully as master: priority 0 advert, VIP removed, notify_stop with its 1 s limit', async () => {
    const fake = new Fake();
    const r = runner(fake);
    r.start();
    await fake.advance(fake.now + 4_000_000);
    expect(r.state).toBe('MASTER');
    const sent = fake.packets.length;
    await r.stop();
    const last = decodeIpv4Header(fake.packets[sent]!.packet);
    if (!last.ok) throw new Error(last.reason);
    const d = decodeVrrp(last.payload, last.header);
    expect(d.ok && d.advert.priority).toBe(0);
    expect(fake.deleted).toHaveLength(2);
    expect(fake.scripts.filter((s) => s.args[0] === '/etc/keepalived/stop.sh')).toEqual([{ what: 'notify_stop', args: ['/etc/keepalived/stop.sh'], timeoutMs: 1000 }]);
    expect(fake.fifo.at(-1)).toBe('INSTANCE "VI_1" STOP 100\n');
    expect(fake.timers.every((t) => t.at === null)).toBe(true);
  });

  it("sends a MASTER's adverts through the port's stream, paused before a priority-0 advert and closed at the end", async () => {
    const fake = new Fake();
    const port = new StreamingPort(fake);
    const r = runner(fake, conf, port);
    r.start();
    await fake.advance(fake.now + 3_609_375 + 2_000_000);
    expect(r.state).toBe('MASTER');
    // BACKUP sends nothing; as MASTER every advert goes through one stream, with its interval
    expect(port.calls).toEqual(['open', 'send 1 every 1000000', 'send 1 every 1000000', 'send 1 every 1000000']);
    expect(r.sent.adverts).toBe(3);
    port.calls.length = 0;
    await r.stop();
    // the stream stops before the priority-0 advert, which is sent once, by the port itself
    expect(port.calls[0]).toBe('pause');
    expect(port.calls.filter((c) => c !== 'pause')).toEqual(['port send', 'close']);
    expect(r.sent.priorityZero).toBe(1);
  });

  it("pauses the MASTER's stream as soon as it leaves MASTER", async () => {
    const fake = new Fake();
    const port = new StreamingPort(fake);
    const r = runner(fake, conf, port);
    r.start();
    await fake.advance(fake.now + 3_609_375);
    expect(r.state).toBe('MASTER');
    port.calls.length = 0;
    // a higher priority from a peer: BACKUP at once, and the port must not keep advertising for it
    const peer = encodeIpv4Advert({ version: 2, vrid: 51, priority: 200, intervalCs: 100, addresses: [Uint8Array.of(192, 0, 2, 100)], authType: 0, authData: new Uint8Array(8) }, { src: Uint8Array.of(192, 0, 2, 12), dst: VrrpGroupV4, ttl: 255, id: 1 });
    r.onAdvert(rx(peer, 2));
    expect(r.state).toBe('BACKUP');
    expect(port.calls).toEqual(['pause']);
    // (within Master_Down_Interval: the peer is still taken to be there)
    await fake.advance(fake.now + 3_000_000);
    expect(port.calls).toEqual(['pause']);
  });

  it('counts what it drops and obeys only valid adverts', async () => {
    const fake = new Fake();
    const r = runner(fake);
    r.start();
    const peer = Uint8Array.of(192, 0, 2, 12);
    const advert = {
      version: 2 as const,
      vrid: 51,
      priority: 200,
      intervalCs: 100,
      addresses: [Uint8Array.of(192, 0, 2, 100)],
      authType: 0,
      authData: new Uint8Array(8),
    };
    const port = fake.port!;
    port.demux.deliver(rx(encodeIpv4Advert(advert, { src: peer, dst: VrrpGroupV4, ttl: 64, id: 1 }), 2));
    port.demux.deliver(rx(encodeIpv4Advert({ ...advert, intervalCs: 200 }, { src: peer, dst: VrrpGroupV4, ttl: 255, id: 2 }), 2));
    port.demux.deliver(rx(encodeIpv4Advert({ ...advert, vrid: 52 }, { src: peer, dst: VrrpGroupV4, ttl: 255, id: 2 }), 2));
    port.demux.deliver({ src: peer, dst: VrrpGroupV4, ttl: 255, ifindex: 2, payload: new Uint8Array(7), receivedAtUs: null });
    expect(Object.fromEntries(r.drops)).toEqual({ ttl: 1, interval: 1 });
    expect(port.dropped).toEqual({ unknownVrid: 1, malformed: 1 });
    // a valid higher-priority advert holds the backup down; the kernel receive time is used
    await fake.advance(fake.now + 3_000_000);
    r.onAdvert(rx(encodeIpv4Advert(advert, { src: peer, dst: VrrpGroupV4, ttl: 255, id: 3 }), 2, fake.now - 500));
    expect(r.received.adverts).toBe(1);
    await fake.advance(fake.now + 3_000_000);
    expect(r.state).toBe('BACKUP');
    expect(r.machine.nextDeadline()).toBe(fake.now - 3_000_000 - 500 + 3_609_375);
  });

  it('sends VRRPv3 checksums without the pseudo-header with v3_checksum_as_v2 (global or per instance)', async () => {
    for (const text of [
      conf.replace('vrrp_garp_master_delay 5', 'vrrp_garp_master_delay 5\n  vrrp_version 3\n  v3_checksum_as_v2'),
      conf.replace('advert_int 1', 'advert_int 1\n  version 3\n  v3_checksum_as_v2 true'),
    ]) {
      const fake = new Fake();
      const r = runner(fake, text);
      r.start();
      await fake.advance(fake.now + 4_000_000);
      const ip = decodeIpv4Header(fake.packets[0]!.packet);
      if (!ip.ok) throw new Error(ip.reason);
      expect(decodeVrrp(ip.payload, ip.header)).toMatchObject({ ok: true, checksumForm: 'plain', advert: { version: 3 } });
    }
  });
});
