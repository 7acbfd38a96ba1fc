/**
 * The injected clock every timer and deferral of the daemon goes through, so that state
 * machines, trackers and the checker pool can run in virtual time in tests.
 */
export interface Clock {
  /** Microseconds on a monotonic clock, from any origin. */
  nowUs(): number;
  /** Call `fn` at or after `atUs`; returns a cancel function. */
  at(atUs: number, fn: () => void): () => void;
}

/** The process's monotonic clock (performance.now) and libuv timers. */
export const systemClock: Clock = {
  nowUs: () => Math.round(performance.now() * 1000),
  at: (atUs, fn) => {
    const t = setTimeout(fn, Math.max(0, (atUs - performance.now() * 1000) / 1000));
    return () => clearTimeout(t);
  },
};
