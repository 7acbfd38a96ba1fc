/**
 * A one-shot timer with microsecond resolution on the monotonic clock (timerfd watched by
 * libuv). libuv's own timers round to milliseconds and fire late by up to a millisecond or two,
 * which would show in failover times; VRRP timers use this instead.
 */
import { nativeSockets, type NativeSockets } from './index.js';

/**
 * process.hrtime's origin on performance.now()'s scale: both read libuv's monotonic clock, and
 * performance.now() returns a plain number (hrtime.bigint() cost a BigInt and a heap number per
 * call: a fifth of a master's CPU at 1,000 adverts a second).
 */
const hrtimeOriginUs = ((): number => {
  // the read of hrtime bracketed by two of performance.now(): the tightest of a few tries
  let best = { spread: Infinity, origin: 0 };
  for (let i = 0; i < 8; i++) {
    const before = performance.now() * 1000;
    const h = Number(process.hrtime.bigint()) / 1000;
    const after = performance.now() * 1000;
    if (after - before < best.spread) best = { spread: after - before, origin: h - (before + after) / 2 };
  }
  return best.origin;
})();

/** Microseconds on the clock the timer uses (CLOCK_MONOTONIC, as process.hrtime). */
export function monotonicUs(): number {
  return Math.round(performance.now() * 1000 + hrtimeOriginUs);
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
   * Re-arming is one system call; a BACKUP's timer is re-armed at every advert, which costs less
   * than letting it wake at the old time to sleep on (measured: a wake-up into JavaScript costs
   * tens of microseconds).
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
