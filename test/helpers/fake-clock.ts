/** A fake PoolClock for the checker tests: time moves only when told, timers fire in order. */
import type { PoolClock } from '../../src/check/pool.js';

export const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

export class FakeClock implements PoolClock {
  now = 0;
  timers: { at: number; fn: () => void; live: boolean }[] = [];
  nowUs(): number {
    return this.now;
  }
  at(atUs: number, fn: () => void): () => void {
    const t = { at: atUs, fn, live: true };
    this.timers.push(t);
    return () => void (t.live = false);
  }
  /** Move time forward to `to`, firing timers in order and letting promises settle between. */
  async advance(to: number): Promise<void> {
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.now = Math.max(this.now, due.at);
      due.fn();
    }
    this.now = to;
    await settle();
  }
}
