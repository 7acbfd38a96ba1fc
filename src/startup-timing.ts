/**
 * Where a start's time goes (docs/benchmarks.md, "Start"): ms since the process started
 * (performance.now()'s origin) at a few points of the first start, which the checker side logs at
 * debug level (-D) once its table is programmed; and how the modules were loaded
 * (src/bundle-loader.ts).
 */
import { performance } from 'node:perf_hooks';
import type { ModuleLoad } from './bundle-loader.js';

const marks: Record<string, number> = {};
let moduleLoad: ModuleLoad = 'files';

/** The first time a point is reached (a reload passes the same points again). */
export function markStartup(point: string): void {
  marks[point] ??= Math.round(performance.now());
}

/** Node.js's own start (bootstrap), then the points reached, in ms from the process's start. */
export function startupMarks(): Record<string, number> {
  return { nodeBootstrap: Math.round(performance.nodeTiming.bootstrapComplete), ...marks };
}

export function setModuleLoad(how: ModuleLoad): void {
  moduleLoad = how;
}

export function howModulesLoaded(): ModuleLoad {
  return moduleLoad;
}
