/**
 * What /metrics, /status, /healthz and the control socket read from the running daemon: one
 * DumpSnapshot (the dump files' data) per request, plus the daemon's own counters. Read-only.
 */
import type { DaemonSnapshotter, DaemonSources } from '../cli/daemon-snapshot.js';
import { VERSION } from '../version.js';
import { formatMetrics } from './metrics.js';
import { ProcessFactsReader } from './process-facts.js';
import { buildStatus } from './status.js';
import { CoalescedRender } from './coalesced-render.js';
import type { StatusDocument } from './status-model.js';

export interface ObserverOptions {
  sources: DaemonSources;
  snapshotter: DaemonSnapshotter;
  /** The subsystems the configuration asks for now (a reload can add one). */
  wanted(): { vrrp: boolean; checkers: boolean };
  /** True once shutdown has begun. */
  stopping(): boolean;
}

export class DaemonObserver {
  readonly #process = new ProcessFactsReader();
  readonly #startedAtMs = Date.now();
  readonly #metrics = new CoalescedRender(() => this.#renderMetrics());
  readonly #status = new CoalescedRender(() => this.#renderStatus());

  constructor(readonly opts: ObserverOptions) {}

  /** The /metrics text (shared by concurrent requests, see CoalescedRender). */
  metrics(): Promise<string> {
    return this.#metrics.get();
  }

  status(): Promise<StatusDocument> {
    return this.#status.get();
  }

  async #renderMetrics(): Promise<string> {
    const { sources } = this.opts;
    const vrrp = sources.vrrp();
    const checkers = sources.checkers();
    // the Interfaces section is needed for tracked interfaces only (a netlink dump otherwise)
    const links = vrrp?.runners.some((r) => r.config.tracks.some((t) => t.kind === 'interface')) ?? false;
    const snapshot = await this.opts.snapshotter.snapshot({ links });
    return formatMetrics({
      version: VERSION,
      vrrp: vrrp !== null,
      ...(vrrp ? { vrrpDrops: { instances: vrrp.status().map((i) => ({ name: i.name, dropped: i.dropped })), unknownVrid: vrrp.unknownVrid, malformed: vrrp.malformedPackets } } : {}),
      snapshot,
      checkers: checkers ? { pool: checkers.status().pool, metrics: checkers.checkMetrics, ipvs: checkers.controller.counters } : null,
      process: this.#process.read(),
    });
  }

  async #renderStatus(): Promise<StatusDocument> {
    const { sources } = this.opts;
    const vrrp = sources.vrrp();
    const checkers = sources.checkers();
    const links = vrrp?.runners.some((r) => r.config.tracks.some((t) => t.kind === 'interface')) ?? false;
    const snapshot = await this.opts.snapshotter.snapshot({ links });
    const services = new Map<string, number>();
    for (const d of checkers?.controller.desired.values() ?? []) services.set(d.origin, (services.get(d.origin) ?? 0) + 1);
    return buildStatus({
      version: VERSION,
      pid: process.pid,
      startedAtMs: this.#startedAtMs,
      nowMs: Date.now(),
      subsystems: { vrrp: vrrp !== null, checkers: checkers !== null },
      snapshot,
      faults: new Map((vrrp?.status() ?? []).map((s) => [s.name, s.faults])),
      checkers: checkers?.status().checkers ?? [],
      services,
    });
  }

  /** 200 while every subsystem the configuration asks for runs. */
  health(): { ok: boolean; reason?: string } {
    if (this.opts.stopping()) return { ok: false, reason: 'stopping' };
    const wanted = this.opts.wanted();
    const missing: string[] = [];
    if (wanted.vrrp && !this.opts.sources.vrrp()) missing.push('VRRP');
    if (wanted.checkers && !this.opts.sources.checkers()) missing.push('checkers/IPVS');
    return missing.length > 0 ? { ok: false, reason: `not running: ${missing.join(', ')}` } : { ok: true };
  }

  close(): void {
    this.#process.close();
  }
}
