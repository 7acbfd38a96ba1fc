/**
 * The one owner of the IPVS table: programs the services and destinations the configuration
 * and the health checks want, adopts what is already right, reconciles after refusals, on
 * reload and on weight changes, and removes its services on shutdown as keepalived does.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VirtualServer } from '../config/keywords/virtual-server.js';
import type { Logger } from '../log.js';
import { describeService, hostPort, serviceKey, type DestIdentity, type IpvsDest, type IpvsService, type IpvsTimeouts, type ServiceIdentity } from './codec.js';
import { AllAlive, desiredTable, type DesiredTable, type RealServerHealth } from './desired.js';
import { reconcile, type IpvsOp, type KernelService } from './reconcile.js';

/** What the controller needs of the kernel (IpvsClient; a fake in unit tests). */
export interface IpvsPort {
  table(): Promise<KernelService[]>;
  addService(s: IpvsService): Promise<unknown>;
  editService(s: IpvsService): Promise<unknown>;
  deleteService(s: ServiceIdentity): Promise<unknown>;
  addDest(s: ServiceIdentity, d: IpvsDest): Promise<unknown>;
  editDest(s: ServiceIdentity, d: IpvsDest): Promise<unknown>;
  deleteDest(s: ServiceIdentity, d: DestIdentity): Promise<unknown>;
  flush(): Promise<unknown>;
  timeouts(): Promise<IpvsTimeouts>;
  setTimeouts(t: Partial<IpvsTimeouts>): Promise<unknown>;
}

export type IpvsConfig = Pick<KeepalivedConfig, 'virtual_server' | 'virtual_server_group' | 'global_defs'>;

export interface SyncReport {
  /** Operations sent, by kind. */
  applied: Record<IpvsOp['op'], number>;
  /** Operations the kernel refused (after keepalived's retries), logged each. */
  failed: number;
  /** Passes over the table: 1, or 2 after a refusal made us re-read it. */
  passes: number;
}

const errorCode = (e: unknown): string => (e as { code?: string }).code ?? '';
/** The errno name when the kernel refused, else the message. */
const reason = (e: Error): string => errorCode(e) || e.message;

function describeOp(op: IpvsOp): string {
  const svc = describeService(op.service);
  switch (op.op) {
    case 'add-service':
      return `add service ${svc} (${op.service.scheduler})`;
    case 'edit-service':
      return `edit service ${svc}`;
    case 'delete-service':
      return `remove service ${svc}`;
    case 'add-dest':
      return `add ${hostPort(op.dest.af, op.dest.address, op.dest.port)} to ${svc} (weight ${op.dest.weight})`;
    case 'edit-dest':
      return `set ${hostPort(op.dest.af, op.dest.address, op.dest.port)} in ${svc} (weight ${op.was.weight} -> ${op.dest.weight})`;
    case 'delete-dest':
      return `remove ${hostPort(op.dest.af, op.dest.address, op.dest.port)} from ${svc}`;
  }
}

function emptyReport(): SyncReport {
  return {
    applied: { 'add-service': 0, 'edit-service': 0, 'delete-service': 0, 'add-dest': 0, 'edit-dest': 0, 'delete-dest': 0 },
    failed: 0,
    passes: 0,
  };
}

/** What the controller did since the daemon started (for /metrics; never reset). */
export interface IpvsCounters {
  /** Full syncs (a dump of the kernel's table, then the operations) and partial ones (health changes). */
  fullSyncs: number;
  partialSyncs: number;
  /** Operations the kernel took, by kind. */
  applied: Record<IpvsOp['op'], number>;
  /** Operations the kernel refused: on a first try (then retried after re-reading) and for good. */
  refusedRetried: number;
  refused: number;
}

export class IpvsController {
  readonly counters: IpvsCounters = { fullSyncs: 0, partialSyncs: 0, applied: emptyReport().applied, refusedRetried: 0, refused: 0 };
  #config: IpvsConfig;
  #health: RealServerHealth;
  /** Service keys programmed for the running configuration. */
  #owned = new Set<string>();
  #desired: DesiredTable = new Map();
  #savedTimeouts: IpvsTimeouts | null = null;
  /** Syncs run one at a time; the requests made during one share a single sync after it. */
  #running: Promise<SyncReport> | null = null;
  #next: Promise<SyncReport> | null = null;
  /** Virtual servers whose health changed, waiting for one partial sync. */
  #changed = new Set<VirtualServer>();
  #partialNext: Promise<SyncReport> | null = null;
  /** The last full sync found a service configured twice: partial syncs defer to full ones. */
  #conflicted = false;
  /** The running configuration's virtual servers (a health change of an older one is stale). */
  #current: Set<VirtualServer>;

  constructor(
    config: IpvsConfig,
    readonly kernel: IpvsPort,
    readonly log: Logger,
    health: RealServerHealth = AllAlive,
  ) {
    this.#config = config;
    this.#health = health;
    this.#current = new Set(config.virtual_server);
  }

  /** Where real servers' health comes from (the health checkers, once they exist). */
  setHealth(health: RealServerHealth): void {
    this.#health = health;
  }

  get desired(): DesiredTable {
    return this.#desired;
  }

  /** Start: `lvs_flush`, `lvs_timeouts`, then the first sync. */
  async start(): Promise<SyncReport> {
    const g = this.#config.global_defs;
    if (g.lvs_flush) {
      this.log.info('Flushing the IPVS table (lvs_flush)');
      await this.kernel.flush();
    }
    if (g.lvs_timeouts) await this.#applyTimeouts(g.lvs_timeouts);
    return this.sync();
  }

  async #applyTimeouts(t: NonNullable<IpvsConfig['global_defs']['lvs_timeouts']>): Promise<void> {
    try {
      this.#savedTimeouts ??= await this.kernel.timeouts();
      await this.kernel.setTimeouts({ tcp: t.tcp ?? 0, tcpFin: t.tcpfin ?? 0, udp: t.udp ?? 0 });
    } catch (e) {
      this.log.error({ error: (e as Error).message }, 'cannot set the IPVS timeouts (lvs_timeouts)');
    }
  }

  /** A new configuration (SIGHUP): services it no longer has are removed, the rest reconciled. */
  async reload(config: IpvsConfig, health: RealServerHealth = this.#health): Promise<SyncReport> {
    this.#config = config;
    this.#current = new Set(config.virtual_server);
    this.#health = health;
    if (config.global_defs.lvs_timeouts) await this.#applyTimeouts(config.global_defs.lvs_timeouts);
    return this.sync();
  }

  /** Bring the kernel to the desired table; concurrent calls coalesce. */
  sync(): Promise<SyncReport> {
    if (this.#running) {
      // every request made during a sync is served by one more sync after it
      this.#next ??= this.#running
        .catch(() => undefined)
        .then(() => {
          this.#next = null;
          return this.sync();
        });
      return this.#next;
    }
    this.#running = this.#sync().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * The health of these virtual servers' real servers changed: only their destinations are
   * brought to what it now says, from the table as the last sync left it, with no dump of the
   * kernel's (which takes seconds with 10,000 services). keepalived, too, sends one
   * destination change per health change. A refused change, or a configuration whose services
   * clash, gets a full sync instead. Serialised with full syncs; requests coalesce.
   */
  syncVirtualServers(changed: Iterable<VirtualServer>): Promise<SyncReport> {
    if (this.#next) return this.#next; // a full sync is coming anyway
    for (const vs of changed) this.#changed.add(vs);
    if (this.#partialNext) return this.#partialNext;
    const after = this.#running?.catch(() => undefined) ?? Promise.resolve();
    this.#partialNext = after.then(() => {
      this.#partialNext = null;
      const vss = [...this.#changed];
      this.#changed.clear();
      // a full sync started meanwhile: go after it
      if (this.#running) return this.syncVirtualServers(vss);
      this.#running = this.#syncPartial(vss).finally(() => {
        this.#running = null;
      });
      return this.#running;
    });
    return this.#partialNext;
  }

  async #syncPartial(changed: VirtualServer[]): Promise<SyncReport> {
    const report = emptyReport();
    const vss = changed.filter((vs) => this.#current.has(vs));
    if (vss.length === 0) return report;
    if (this.#conflicted || this.#desired.size === 0) return this.#sync();
    const { table, conflicts } = desiredTable({ virtual_server: vss, virtual_server_group: this.#config.virtual_server_group }, this.#health);
    const programmed: KernelService[] = [];
    for (const [key, want] of table) {
      const had = this.#desired.get(key);
      // not what the last sync programmed under this key (a clash, a reload under way): full sync
      if (!had || had.origin !== want.origin || conflicts.length > 0) return this.#sync();
      programmed.push({ service: had.service, dests: [...had.dests.values()] });
    }
    report.passes = 1;
    this.counters.partialSyncs++;
    const failures = await this.#apply(reconcile(table, programmed), report);
    for (const [key, want] of table) this.#desired.set(key, want);
    if (failures.length === 0) return report;
    this.counters.refusedRetried += failures.length;
    for (const f of failures) this.log.warn({ error: f.error.message }, `IPVS: cannot ${describeOp(f.op)}: ${reason(f.error)} - re-reading the table`);
    const full = await this.#sync();
    return { ...full, passes: full.passes + 1 };
  }

  async #sync(): Promise<SyncReport> {
    const { table, conflicts } = desiredTable(this.#config, this.#health);
    for (const c of conflicts) this.log.warn(`virtual server ${c}`);
    this.#conflicted = conflicts.length > 0;
    const report = emptyReport();
    const previouslyOwned = this.#owned;
    this.counters.fullSyncs++;
    for (let pass = 1; pass <= 2; pass++) {
      report.passes = pass;
      const ops = reconcile(table, await this.kernel.table(), previouslyOwned);
      const failures = await this.#apply(ops, report);
      if (failures.length === 0) break;
      if (pass === 2) {
        this.counters.refused += failures.length;
        for (const f of failures) this.log.error({ error: f.error.message }, `IPVS: cannot ${describeOp(f.op)}: ${reason(f.error)}`);
        report.failed = failures.length;
      } else {
        this.counters.refusedRetried += failures.length;
        for (const f of failures) this.log.warn({ error: f.error.message }, `IPVS: cannot ${describeOp(f.op)}: ${reason(f.error)} - re-reading the table`);
      }
    }
    this.#desired = table;
    this.#owned = new Set(table.keys());
    return report;
  }

  /** Send every operation (in order: the kernel handles one socket's requests in sequence). */
  async #apply(ops: IpvsOp[], report: SyncReport): Promise<{ op: IpvsOp; error: Error }[]> {
    const results = await Promise.all(
      ops.map(async (op) => {
        try {
          await this.#send(op);
          report.applied[op.op]++;
          this.counters.applied[op.op]++;
          this.log.info(`IPVS: ${describeOp(op)}`);
          return null;
        } catch (e) {
          return { op, error: e as Error };
        }
      }),
    );
    return results.filter((r): r is { op: IpvsOp; error: Error } => r !== null);
  }

  /** One operation with keepalived's tolerance: EEXIST on add and ENOENT on delete are fine. */
  async #send(op: IpvsOp): Promise<void> {
    const k = this.kernel;
    try {
      switch (op.op) {
        case 'add-service':
          return void (await k.addService(op.service));
        case 'edit-service':
          return void (await k.editService(op.service));
        case 'delete-service':
          return void (await k.deleteService(op.service));
        case 'add-dest':
          return void (await k.addDest(op.service, op.dest));
        case 'edit-dest':
          try {
            return void (await k.editDest(op.service, op.dest));
          } catch (e) {
            if (errorCode(e) !== 'ENOENT') throw e;
            return void (await k.addDest(op.service, op.dest)); // gone meanwhile: add it
          }
        case 'delete-dest':
          return void (await k.deleteDest(op.service, op.dest));
      }
    } catch (e) {
      const code = errorCode(e);
      if (code === 'EEXIST' && op.op.startsWith('add-')) return;
      if ((code === 'ENOENT' || code === 'ESRCH') && op.op.startsWith('delete-')) return;
      throw e;
    }
  }

  /**
   * Shutdown (keepalived's clear_services()): each destination then each service removed;
   * `lvs_flush_on_stop` flushes the whole table instead, `lvs_flush_on_stop VS` removes only
   * the services; `-I` (keepIpvs) leaves everything.
   */
  async stop(keepIpvs = false): Promise<void> {
    await this.#running?.catch(() => undefined);
    const g = this.#config.global_defs;
    if (this.#savedTimeouts) {
      await this.kernel.setTimeouts(this.#savedTimeouts).catch((e: Error) => this.log.error({ error: e.message }, 'cannot restore the IPVS timeouts'));
    }
    if (keepIpvs) return;
    if (g.lvs_flush_onstop === 'full') {
      await this.kernel.flush().catch((e: Error) => this.log.error({ error: e.message }, 'cannot flush the IPVS table'));
      return;
    }
    const kernel = new Map((await this.kernel.table()).map((k) => [serviceKey(k.service), k]));
    const ops: Promise<unknown>[] = [];
    for (const key of this.#owned) {
      const have = kernel.get(key);
      if (!have) continue;
      if (g.lvs_flush_onstop !== 'VS') for (const d of have.dests) ops.push(this.#send({ op: 'delete-dest', service: have.service, dest: d }).catch((e: Error) => this.log.error({ error: e.message }, 'IPVS: cannot remove a destination')));
      ops.push(this.#send({ op: 'delete-service', service: have.service }).catch((e: Error) => this.log.error({ error: e.message }, 'IPVS: cannot remove a service')));
    }
    await Promise.all(ops);
    this.log.info({ services: this.#owned.size }, 'IPVS: services removed');
    this.#owned.clear();
  }
}
