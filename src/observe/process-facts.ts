/**
 * The process figures of /metrics (Prometheus' usual process_* series), read at scrape time.
 * The event-loop delay comes from perf_hooks' histogram, reset every 10 s so that it tells of
 * now rather than of the whole uptime.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { ProcessFacts } from './metrics.js';

const WindowMs = 10_000;

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the directory's own descriptor
  } catch {
    return null;
  }
}

function maxFds(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const n = Number(line?.split(/\s+/)[3]);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export class ProcessFactsReader {
  readonly #delay: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  #lastP99Ns = 0;

  constructor() {
    this.#delay = monitorEventLoopDelay({ resolution: 10 });
    this.#delay.enable();
    this.#timer = setInterval(() => {
      this.#lastP99Ns = this.#delay.percentile(99);
      this.#delay.reset();
    }, WindowMs);
    this.#timer.unref();
  }

  read(): ProcessFacts {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    // before the first window closes, the window so far
    const p99 = this.#lastP99Ns || (this.#delay.count > 0 ? this.#delay.percentile(99) : 0);
    return {
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      startTimeSeconds: Math.round(performance.timeOrigin) / 1000,
      residentMemoryBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      openFds: openFds(),
      maxFds: maxFds(),
      eventLoopDelayP99Seconds: p99 / 1e9,
    };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#delay.disable();
  }
}
