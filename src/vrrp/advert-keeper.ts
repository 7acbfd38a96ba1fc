/**
 * A MASTER's advert stream kept up by the addon (native/advert_keeper.c): the instance's timer
 * sends each advert as before; when that send is more than KeeperSlackUs late (a garbage
 * collection, a reload building its model, a long burst of work on the event loop) the addon's
 * thread sends the same packets on time, and the late send finds the advert already out (new
 * packets, a changed priority or address list, are sent at once all the same). A loop
 * stuck for longer than two intervals (at least KeeperCoverMinUs) gets no more help: its peer
 * takes over, as from a hung keepalived. Thin: the packets are built by the port.
 */
import type { NativeSockets } from '../native/index.js';
import type { AdvertStream, PreparedAdvert } from './transport.js';

/**
 * How late the instance's own send may be before the addon sends. Node.js runs a timer's callback
 * about 1 ms after it fires (timer.ts), so the instance's own sends are rarely this late; the
 * rest of advert_int + 10 ms is left to the thread's own wake-up, which on a busy 2-CPU VM was
 * measured up to 7 ms late even at real-time priority (docs/benchmarks.md).
 */
export const KeeperSlackUs = 2_000;
/** The shortest stall the addon covers, whatever the interval (five adverts at 0.1 s). */
export const KeeperCoverMinUs = 500_000;

/** What the keeper needs of a prepared advert: its bytes, its destination, its sendto flags. */
export interface KeptPacket extends PreparedAdvert {
  readonly sockaddr: Uint8Array | null;
  readonly sendFlags: number;
}

export class KeptAdvertStream implements AdvertStream {
  readonly #n: NativeSockets;
  readonly #slot: number;
  readonly #onClose: () => void;
  #packets: readonly PreparedAdvert[] | null = null;
  #closed = false;

  /** `ipIdOffset`: where the IPv4 identification sits in each packet, -1 for none (IPv6). */
  constructor(n: NativeSockets, fd: number, readonly ifname: string, ipIdOffset: number, onClose: () => void) {
    this.#n = n;
    this.#slot = n.keeperOpen(fd, ipIdOffset, KeeperSlackUs, KeeperCoverMinUs);
    this.#onClose = onClose;
  }

  send(packets: readonly PreparedAdvert[], intervalUs: number): void {
    if (this.#closed) throw new Error(`advert stream on ${this.ifname} is closed`);
    if (packets !== this.#packets) {
      const kept = packets as readonly KeptPacket[];
      this.#n.keeperFrames(
        this.#slot,
        kept.map((p) => p.bytes),
        kept.map((p) => p.sockaddr),
        kept.map((p) => p.sendFlags),
      );
      this.#packets = packets;
    }
    const r = this.#n.keeperTick(this.#slot, Math.max(1, Math.round(intervalUs)));
    if (r < 0) throw new Error(`send on ${this.ifname}: ${r === -11 ? 'socket buffer full' : `errno ${-r}`}`);
  }

  pause(): void {
    if (!this.#closed) this.#n.keeperPause(this.#slot);
  }

  get keptUp(): number {
    return this.#closed ? this.#keptAtClose : this.#n.keeperStats(this.#slot)[0];
  }

  #keptAtClose = 0;

  takeLongestGapUs(): number {
    return this.#closed ? 0 : this.#n.keeperTakeMaxGap(this.#slot);
  }

  close(): void {
    if (this.#closed) return;
    this.#keptAtClose = this.#n.keeperStats(this.#slot)[0];
    this.#closed = true;
    this.#n.keeperClose(this.#slot);
    this.#onClose();
  }
}
