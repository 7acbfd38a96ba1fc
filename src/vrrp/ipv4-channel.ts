/**
 * The kernel edge for VRRP over IPv4: one raw socket (protocol 112) per interface, bound to it,
 * joined to the VRRP group, sending whole IP packets (IP_HDRINCL, as keepalived) and receiving
 * them with the arrival interface (IP_PKTINFO). Thin: packets are built and checked elsewhere.
 */
import { intOption, nativeSockets, type NativeSockets } from '../native/index.js';
import { ipMreqn, parseControlMessages, parseInPktinfo, parseTimespecUs, sockaddrIn } from '../net/sockaddr.js';
import { IPPROTO_VRRP } from './packet.js';

export interface ReceivedPacket {
  /** The IPv4 packet, header included. */
  packet: Uint8Array;
  /** Interface the packet arrived on (IP_PKTINFO), or -1 if the kernel did not say. */
  ifindex: number;
  truncated: boolean;
  /** When the kernel received it, on the monotonicUs() clock (from SO_TIMESTAMPNS), or null. */
  receivedAtUs: number | null;
}

export class VrrpIpv4Channel {
  readonly #n: NativeSockets;
  readonly #fd: number;
  #closed = false;

  constructor(
    readonly ifname: string,
    readonly ifindex: number,
    readonly group: Uint8Array,
    onPacket: (p: ReceivedPacket) => void,
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
      n.setsockopt(this.#fd, c.IPPROTO_IP, c.IP_ADD_MEMBERSHIP, ipMreqn(group, ifindex));
      n.watch(this.#fd, () => this.#drain(onPacket));
    } catch (e) {
      n.close(this.#fd);
      throw e;
    }
  }

  #drain(onPacket: (p: ReceivedPacket) => void): void {
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
      onPacket({ packet: new Uint8Array(m.data), ifindex, truncated: (m.flags & c.MSG_TRUNC) !== 0, receivedAtUs });
    }
  }

  /** Send a whole IPv4 packet (header included) to `dst`. */
  send(packet: Uint8Array, dst: Uint8Array): void {
    const c = this.#n.constants;
    const multicast = (dst[0]! & 0xf0) === 0xe0;
    if (this.#n.sendto(this.#fd, packet, sockaddrIn(dst), multicast ? c.MSG_DONTROUTE : 0) < 0) {
      throw new Error(`send on ${this.ifname}: socket buffer full`);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#n.close(this.#fd);
  }
}
