/**
 * The last reported state of every tracked object, and which instances track each one, so a
 * tracker's report re-evaluates only the instances it concerns. Pure.
 */
import type { TrackerReport } from '../track/types.js';
import type { ResolvedInstance, TrackRef } from './resolve.js';
import { trackingVerdict, type ScriptStatus, type TrackedStates, type TrackingVerdict } from './tracking.js';

const keyOfRef = (r: TrackRef): string => (r.kind === 'interface' ? `interface:${r.name}` : `${r.kind}:${r.id}`);
const keyOfReport = (r: TrackerReport): string => (r.kind === 'interface' ? `interface:${r.name}` : `${r.kind}:${r.id}`);

export class TrackedStateBook implements TrackedStates {
  readonly #interfaces = new Map<string, boolean>();
  readonly #scripts = new Map<number, ScriptStatus>();
  readonly #files = new Map<number, number>();
  readonly #processes = new Map<number, boolean>();
  readonly #trackers = new Map<string, number[]>();

  constructor(readonly instances: readonly ResolvedInstance[]) {
    for (const v of instances) {
      for (const r of v.tracks) {
        const k = keyOfRef(r);
        const list = this.#trackers.get(k) ?? [];
        if (!list.includes(v.id)) list.push(v.id);
        this.#trackers.set(k, list);
      }
    }
  }

  interfaceUp(name: string): boolean {
    return this.#interfaces.get(name) ?? false;
  }
  script(id: number): ScriptStatus {
    return this.#scripts.get(id) ?? 'init';
  }
  fileValue(id: number): number {
    return this.#files.get(id) ?? 0;
  }
  processUp(id: number): boolean {
    return this.#processes.get(id) ?? false;
  }
  /** BFD is not run yet: a tracked BFD counts as up (reported at start as not acted on). */
  bfdUp(): boolean {
    return true;
  }

  /** Whether any instance tracks the interface `name` (link events for others are ignored). */
  tracksInterface(name: string): boolean {
    return this.#trackers.has(`interface:${name}`);
  }

  /** Record a report; returns the ids of the instances whose verdict may have changed. */
  record(r: TrackerReport): readonly number[] {
    switch (r.kind) {
      case 'interface':
        if (this.#interfaces.get(r.name) === r.up) return [];
        this.#interfaces.set(r.name, r.up);
        break;
      case 'script':
        if (this.#scripts.get(r.id) === r.status) return [];
        this.#scripts.set(r.id, r.status);
        break;
      case 'file':
        if (this.#files.get(r.id) === r.value) return [];
        this.#files.set(r.id, r.value);
        break;
      case 'process':
        if (this.#processes.get(r.id) === r.up) return [];
        this.#processes.set(r.id, r.up);
        break;
    }
    return this.#trackers.get(keyOfReport(r)) ?? [];
  }

  verdict(instance: ResolvedInstance): TrackingVerdict {
    return trackingVerdict(instance.timing.priority, instance.tracks, this);
  }
}
