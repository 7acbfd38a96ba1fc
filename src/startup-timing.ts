/**
 * Where a start's time goes (docs/benchmarks.md, "Start"): ms since the process started
 * (performance.now()'s origin) at a few points of the first start, which the checker side logs at
 * debug level (-D) once its table is programmed.
 */
import { performance } from 'node:perf_hooks';

const marks: Record<string, number> = {};

/** The first time a point is reached (a reload passes the same points again). */
export function markStartup(point: string): void {
  marks[point] ??= Math.round(performance.now());
}

/** Node.js's own start (bootstrap), then the points reached, in ms from the process's start. */
export function startupMarks(): Record<string, number> {
  return { nodeBootstrap: Math.round(performance.nodeTiming.bootstrapComplete), ...marks };
}
