/**
 * A one-shot timer with microsecond resolution on the monotonic clock (timerfd watched by
 * libuv). libuv's own timers round to milliseconds and fire late by up to a millisecond or two,
 * which would show in failover times; VRRP timers use this instead.
 */
import { nativeSockets, type NativeSockets } from './index.js';

/** Microseconds on the clock the timer uses (CLOCK_MONOTONIC, as process.hrtime). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * How much earlier than asked the timerfd is armed. Node.js takes about a millisecond from a
 * timerfd's expiry to the JavaScript callback after an idle wait (measured: ~1,000 µs, against
 * ~200 µs for a C program on the same machine), which showed as takeovers a millisecond behind
 * keepalived's; the timer wakes this much early and waits out the rest on the clock.
 */
export const EarlyWakeUs = 2000;

export class PreciseTimer {
  readonly #n: NativeSockets;
  readonly #fd: number;
  #closed = false;
  #targetUs = 0;

  constructor(onExpire: () => void) {
    this.#n = nativeSockets();
    this.#fd = this.#n.timerfdCreate();
    this.#n.watch(this.#fd, () => {
      if (this.#n.timerfdRead(this.#fd) === 0 || this.#closed) return;
      // at most EarlyWakeUs of waiting: the timerfd never fires before its own time
      while (monotonicUs() < this.#targetUs);
      onExpire();
    });
  }

  /**
   * Fire once at `atUs` (monotonicUs() clock), never before it; a time in the past fires at once.
   * `precise`: wake EarlyWakeUs early and wait out the rest on the clock (a takeover's timer);
   * otherwise the timerfd fires at `atUs` and the callback runs when Node.js gets to it, about a
   * millisecond later, without spending that millisecond waiting (a master's adverts).
   */
  arm(atUs: number, precise = true): void {
    this.#targetUs = Math.round(atUs);
    this.#n.timerfdArm(this.#fd, Math.max(1, precise ? this.#targetUs - EarlyWakeUs : this.#targetUs));
  }

  disarm(): void {
    this.#n.timerfdArm(this.#fd, 0);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#n.close(this.#fd);
  }
}
