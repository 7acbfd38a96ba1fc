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

export class PreciseTimer {
  readonly #n: NativeSockets;
  readonly #fd: number;
  #closed = false;

  constructor(onExpire: () => void) {
    this.#n = nativeSockets();
    this.#fd = this.#n.timerfdCreate();
    this.#n.watch(this.#fd, () => {
      if (this.#n.timerfdRead(this.#fd) > 0 && !this.#closed) onExpire();
    });
  }

  /** Fire once at `atUs` (monotonicUs() clock); a time in the past fires at once. */
  arm(atUs: number): void {
    this.#n.timerfdArm(this.#fd, Math.max(1, Math.round(atUs)));
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
