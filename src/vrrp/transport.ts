/**
 * The advert transport of one interface and address family: what the VRRP engine sends and
 * receives through, with the family's framing kept inside. The IPv4 implementation is
 * ipv4-port.ts (a raw socket with the IP header built here, as keepalived does); tests use an
 * in-memory LAN (test/helpers/lan.ts). One port serves every instance on its interface and
 * family; received adverts are handed to the instances of their VRID.
 */
import type { EncodeOptions, VrrpAdvert } from './packet.js';

/** An advert as received, its IP header already read. */
export interface ReceivedAdvert {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** TTL (IPv4) or hop limit (IPv6). */
  readonly ttl: number;
  /** Interface it arrived on, or -1 if the kernel did not say. */
  readonly ifindex: number;
  /** The VRRP message (the IP payload). */
  readonly payload: Uint8Array;
  /** When the kernel received it (the port's clock), or null. */
  readonly receivedAtUs: number | null;
}

/** An advert made ready to send: built once, sent many times. */
export interface PreparedAdvert {
  readonly bytes: Uint8Array;
  readonly dst: Uint8Array;
}

export interface AdvertPort {
  readonly family: 'inet' | 'inet6';
  readonly ifname: string;
  readonly ifindex: number;
  prepare(advert: VrrpAdvert, addr: { src: Uint8Array; dst: Uint8Array; ttl: number }, opts?: EncodeOptions): PreparedAdvert;
  /** Throws when the packet cannot be sent (buffer full, interface gone). */
  send(p: PreparedAdvert): void;
  /**
   * A MASTER's advert stream, one per instance, where the port can keep adverts going while the
   * event loop is held up (ipv4-port.ts with the addon's advert keeper); ports without one send
   * each advert through send().
   */
  openStream?(): AdvertStream;
  /** Join a multicast group (counted: the group is left when its last user leaves). */
  join(group: Uint8Array): void;
  leave(group: Uint8Array): void;
  /** Receive the adverts of one VRID; returns the unsubscribe. */
  subscribe(vrid: number, onAdvert: (rx: ReceivedAdvert) => void): () => void;
  /** Packets the port could not hand to any instance. */
  readonly dropped: { unknownVrid: number; malformed: number };
  close(): void;
}

/**
 * The adverts of one MASTER instance. The instance's timer stays the scheduler and calls send()
 * at each advert; the port may also send the last packets itself when that call is late (a
 * garbage collection, a reload), never more than one advert per interval in all.
 */
export interface AdvertStream {
  /** The advert is due: send `packets` (the same array while they do not change). Throws as send(). */
  send(packets: readonly PreparedAdvert[], intervalUs: number): void;
  /** No advert from the port until the next send() (leaving MASTER, a priority-0 advert). */
  pause(): void;
  close(): void;
  /** Adverts the port sent for the instance while the event loop was late. */
  readonly keptUp: number;
  /** The longest time between two of its adverts out since the last call, µs (0: none yet). */
  takeLongestGapUs(): number;
}

/** Subscribers per VRID and the port-level drop counters: the part every port shares. */
export class VridDemux {
  readonly #byVrid = new Map<number, ((rx: ReceivedAdvert) => void)[]>();
  readonly dropped = { unknownVrid: 0, malformed: 0 };

  subscribe(vrid: number, fn: (rx: ReceivedAdvert) => void): () => void {
    const list = this.#byVrid.get(vrid) ?? [];
    list.push(fn);
    this.#byVrid.set(vrid, list);
    return () => {
      const l = this.#byVrid.get(vrid);
      const i = l?.indexOf(fn) ?? -1;
      if (l && i >= 0) l.splice(i, 1);
      if (l && l.length === 0) this.#byVrid.delete(vrid);
    };
  }

  deliver(rx: ReceivedAdvert): void {
    // the VRID is the second byte of every VRRP version's header
    if (rx.payload.length < 8) {
      this.dropped.malformed++;
      return;
    }
    const list = this.#byVrid.get(rx.payload[1]!);
    if (!list) {
      this.dropped.unknownVrid++;
      return;
    }
    for (const fn of list) fn(rx);
  }
}

/** Counted multicast memberships: `apply` is called on the first join and the last leave. */
export class GroupMemberships {
  readonly #count = new Map<string, number>();
  constructor(private readonly apply: (group: Uint8Array, join: boolean) => void) {}

  join(group: Uint8Array): void {
    const key = group.join('.');
    const n = this.#count.get(key) ?? 0;
    if (n === 0) this.apply(group, true);
    this.#count.set(key, n + 1);
  }

  leave(group: Uint8Array): void {
    const key = group.join('.');
    const n = this.#count.get(key) ?? 0;
    if (n === 0) return;
    if (n === 1) {
      this.#count.delete(key);
      this.apply(group, false);
    } else this.#count.set(key, n - 1);
  }

  get groups(): string[] {
    return [...this.#count.keys()];
  }
}
