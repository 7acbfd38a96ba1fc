/**
 * The kernel edge for gratuitous ARP: an AF_PACKET socket that sends whole Ethernet frames on
 * one interface. Frames come from net/arp.ts.
 */
import { nativeSockets, type NativeSockets } from '../native/index.js';
import { BroadcastMac, EtherTypeArp } from '../net/arp.js';
import { sockaddrLl } from '../net/sockaddr.js';

export class PacketChannel {
  readonly #n: NativeSockets;
  readonly #fd: number;
  readonly #to: Uint8Array;

  constructor(
    readonly ifname: string,
    readonly ifindex: number,
  ) {
    this.#n = nativeSockets();
    const c = this.#n.constants;
    // protocol 0: send only, so that no frame is queued for us to read
    this.#fd = this.#n.socket(c.AF_PACKET, c.SOCK_RAW, 0);
    this.#to = sockaddrLl(ifindex, EtherTypeArp, BroadcastMac);
  }

  send(frame: Uint8Array): void {
    if (this.#n.sendto(this.#fd, frame, this.#to, 0) < 0) throw new Error(`gratuitous ARP on ${this.ifname}: socket buffer full`);
  }

  close(): void {
    this.#n.close(this.#fd);
  }
}
