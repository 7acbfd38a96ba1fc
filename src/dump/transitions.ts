/** Instance state changes as they happen, for the dumps (its own module: the daemon needs it from the start, the dump modules only at a dump signal). */
import type { EventHub } from '../events/hub.js';

/**
 * The wall-clock time of each instance's last state change, from the event hub (keepalived's
 * last_transition; the daemon's start time before any). Create it before the VRRP daemon starts.
 */
export class TransitionLog {
  readonly startedAtUs: number;
  readonly #last = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(hub: Pick<EventHub, 'subscribe'>, nowUs: () => number) {
    this.startedAtUs = nowUs();
    this.#unsubscribe = hub.subscribe((e) => {
      if (e.type === 'vrrp-state') this.#last.set(e.name, nowUs());
    });
  }

  lastTransitionUs(instance: string): number | undefined {
    return this.#last.get(instance);
  }

  close(): void {
    this.#unsubscribe();
  }
}
