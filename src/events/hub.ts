/**
 * The one event hub of the daemon: subsystems publish their state changes here, and sync
 * groups, dumps and metrics read them. Delivery is synchronous and in order (a sync group
 * reacts to a member's change before anything else runs); a subscriber that throws is logged
 * by the hub's owner, never breaks the publisher. Counters are registered as snapshots, read
 * when someone asks (dump files, /metrics), so publishing costs nothing per packet.
 */
import type { TrackerReport } from '../track/types.js';

export type InstanceState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export type HubEvent =
  | { readonly type: 'vrrp-state'; readonly instance: number; readonly name: string; readonly from: InstanceState; readonly to: InstanceState; readonly priority: number; readonly reason: string }
  /** An instance's faults of its own (not its sync group's) began or all ended. */
  | { readonly type: 'vrrp-fault'; readonly instance: number; readonly name: string; readonly faulted: boolean }
  | { readonly type: 'vrrp-priority'; readonly instance: number; readonly name: string; readonly from: number; readonly to: number }
  | { readonly type: 'sync-group-state'; readonly group: number; readonly name: string; readonly from: InstanceState; readonly to: InstanceState }
  | { readonly type: 'tracker'; readonly report: TrackerReport };

export type Subscriber = (e: HubEvent) => void;

export class EventHub {
  readonly #subscribers: Subscriber[] = [];
  readonly #counters = new Map<string, () => unknown>();

  constructor(private readonly onSubscriberError: (e: unknown) => void = () => undefined) {}

  subscribe(fn: Subscriber): () => void {
    this.#subscribers.push(fn);
    return () => {
      const i = this.#subscribers.indexOf(fn);
      if (i >= 0) this.#subscribers.splice(i, 1);
    };
  }

  publish(e: HubEvent): void {
    for (const fn of [...this.#subscribers]) {
      try {
        fn(e);
      } catch (err) {
        this.onSubscriberError(err);
      }
    }
  }

  /** A named source of counters, read on demand. */
  registerCounters(name: string, snapshot: () => unknown): void {
    this.#counters.set(name, snapshot);
  }

  unregisterCounters(name: string): void {
    this.#counters.delete(name);
  }

  counters(): Record<string, unknown> {
    return Object.fromEntries([...this.#counters].map(([k, f]) => [k, f()]));
  }
}
