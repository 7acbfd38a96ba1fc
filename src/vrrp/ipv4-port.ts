/**
 * The advert port for IPv4 (transport.ts): one raw socket (protocol 112) per interface, bound
 * to it, sending whole IP packets (IP_HDRINCL, TOS 0xc0, as keepalived) and receiving them with
 * the arrival interface (IP_PKTINFO) and the kernel's receive time (SO_TIMESTAMPNS). It joins
 * every multicast group an instance on the interface uses (224.0.0.18, `mcast_dst_ip`,
 * `vrrp_mcast_group4`). Thin: adverts are encoded by packet.ts and judged by receive-filter.ts.
 */
import { intOption, nativeSockets, type NativeSockets } from '../native/index.js';
import { ipMreqn, parseControlMessages, parseInPktinfo, parseTimespecUs, sockaddrIn } from '../net/sockaddr.js';
import { decodeIpv4Header } from '../net/ipv4-header.js';
import { encodeIpv4Advert, IPPROTO_VRRP, type EncodeOptions, type VrrpAdvert } from './packet.js';
import { KeptAdvertStream, type KeptPacket } from './advert-keeper.js';
import { GroupMemberships, VridDemux, type AdvertPort, type AdvertStream, type PreparedAdvert, type ReceivedAdvert } from './transport.js';

interface Ipv4Prepared extends KeptPacket {
  readonly sockaddr: Uint8Array;
}

export class Ipv4AdvertPort implements AdvertPort {
  readonly family = 'inet';
  readonly #n: NativeSockets;
  readonly #fd: number;
  readonly #demux = new VridDemux();
  readonly #groups: GroupMemberships;
  #closed = false;
  #ipId = 0;
  readonly #streams = new Set<KeptAdvertStream>();

  constructor(
    readonly ifname: string,
    readonly ifindex: number,
  ) {
    const n = (this.#n = nativeSockets());
    const c = n.constants;
    this.#fd = n.socket(c.AF_INET, c.SOCK_RAW, IPPROTO_VRRP);
    try {
      n.setsockopt(this.#fd, c.SOL_SOCKET, c.SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
      n.setsockopt(this.#fd, c.IPPROTO_IP, c.IP_HDRINCL, intOption(1));
      n.setsockopt(this.#fd, c.IPPROTO_IP, c.IP_PKTINFO, intOption(1));
      // kernel receive times: the down timer starts when the advert arrived, not when JS saw it
      n.setsockopt(this.#fd, c.SOL_SOCKET, c.SO_TIMESTAMPNS, intOption(1));
      n.setsockopt(this.#fd, c.IPPROTO_IP, c.IP_MULTICAST_LOOP, intOption(0));
      n.setsockopt(this.#fd, c.IPPROTO_IP, c.IP_MULTICAST_ALL, intOption(0));
      n.setsockopt(this.#fd, c.IPPROTO_IP, c.IP_MULTICAST_IF, ipMreqn(new Uint8Array(4), ifindex));
      n.watch(this.#fd, () => this.#drain());
    } catch (e) {
      n.close(this.#fd);
      throw e;
    }
    this.#groups = new GroupMemberships((group, join) => {
      if (this.#closed) return;
      const opt = join ? c.IP_ADD_MEMBERSHIP : c.IP_DROP_MEMBERSHIP;
      n.setsockopt(this.#fd, c.IPPROTO_IP, opt, ipMreqn(group, ifindex));
    });
  }

  get dropped(): { unknownVrid: number; malformed: number } {
    return this.#demux.dropped;
  }

  /** The groups joined, as dotted text (for status and tests). */
  get groups(): string[] {
    return this.#groups.groups;
  }

  join(group: Uint8Array): void {
    this.#groups.join(group);
  }

  leave(group: Uint8Array): void {
    this.#groups.leave(group);
  }

  subscribe(vrid: number, onAdvert: (rx: ReceivedAdvert) => void): () => void {
    return this.#demux.subscribe(vrid, onAdvert);
  }

  prepare(advert: VrrpAdvert, addr: { src: Uint8Array; dst: Uint8Array; ttl: number }, opts: EncodeOptions = {}): Ipv4Prepared {
    return {
      bytes: encodeIpv4Advert(advert, { ...addr, id: 0 }, opts),
      dst: addr.dst,
      sockaddr: sockaddrIn(addr.dst),
      // multicast is never routed: it leaves by the interface the socket is bound to
      sendFlags: (addr.dst[0]! & 0xf0) === 0xe0 ? this.#n.constants.MSG_DONTROUTE : 0,
    };
  }

  send(p: PreparedAdvert): void {
    const prepared = p as Ipv4Prepared;
    const packet = prepared.bytes;
    this.#ipId = (this.#ipId % 0xffff) + 1; // never 0, as keepalived
    packet[4] = this.#ipId >> 8;
    packet[5] = this.#ipId & 0xff;
    if (this.#n.sendto(this.#fd, packet, prepared.sockaddr, prepared.sendFlags) < 0) {
      throw new Error(`send on ${this.ifname}: socket buffer full`);
    }
  }

  /** A MASTER's adverts through the addon's advert keeper (native/advert_keeper.c). */
  openStream(): AdvertStream {
    if (this.#closed) throw new Error(`advert port ${this.ifname} is closed`);
    // the IPv4 identification is at byte 4 of the header (IP_HDRINCL: we write the header)
    const stream: KeptAdvertStream = new KeptAdvertStream(this.#n, this.#fd, this.ifname, 4, () => this.#streams.delete(stream));
    this.#streams.add(stream);
    return stream;
  }

  #drain(): void {
    const c = this.#n.constants;
    for (let i = 0; i < 256 && !this.#closed; i++) {
      const m = this.#n.recvmsg(this.#fd, 2048, 128);
      if (m === null) return;
      let ifindex = -1;
      let receivedAtUs: number | null = null;
      for (const cm of parseControlMessages(m.control)) {
        if (cm.level === c.IPPROTO_IP && cm.type === c.IP_PKTINFO) ifindex = parseInPktinfo(cm.data)?.ifindex ?? -1;
        else if (cm.level === c.SOL_SOCKET && cm.type === c.SO_TIMESTAMPNS) {
          const realUs = parseTimespecUs(cm.data);
          if (realUs !== null) receivedAtUs = realUs - this.#n.clockOffsetUs();
        }
      }
      const ip = decodeIpv4Header(new Uint8Array(m.data));
      if (!ip.ok || ip.header.protocol !== IPPROTO_VRRP || (m.flags & c.MSG_TRUNC) !== 0) {
        this.#demux.dropped.malformed++;
        continue;
      }
      const h = ip.header;
      this.#demux.deliver({ src: h.src, dst: h.dst, ttl: h.ttl, ifindex, payload: ip.payload, receivedAtUs });
    }
  }

  close(): void {
    if (this.#closed) return;
    // the addon's thread must be done with the socket before it is closed
    for (const stream of [...this.#streams]) stream.close();
    this.#closed = true;
    this.#n.close(this.#fd);
  }
}
