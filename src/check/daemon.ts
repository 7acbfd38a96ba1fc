/**
 * The checker side of the agent (keepalived's "Healthcheck child"): the IPVS controller and
 * the health checkers that drive it, their notify scripts, reload and stop.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VirtualServer } from '../config/keywords/virtual-server.js';
import type { ScriptSpec } from '../config/parser.js';
import type { Logger } from '../log.js';
import { systemHostEnvironment } from '../io/host-environment.js';
import { nativeSockets } from '../native/index.js';
import { formatIp } from '../config/address.js';
import { AddressMonitor } from '../netlink/link-monitor.js';
import { RouteNetlink } from '../netlink/route.js';
import { AF_INET, AF_INET6 } from '../netlink/rtnl.js';
import { IpvsClient, IpvsUnavailableError } from '../ipvs/client.js';
import { IpvsController, type SyncReport } from '../ipvs/controller.js';
import { ScriptRunner, type ScriptIdentity } from '../notify/script-runner.js';
import { HealthCheckers, type CheckerStatus } from './checkers.js';
import { NotifyFifo } from '../notify/fifo.js';
import { loadProbeKinds, probeFactory } from './kinds.js';
import type { PoolStats } from './pool.js';
import { CheckMetrics } from './check-metrics.js';
import { howModulesLoaded, markStartup, startupMarks } from '../startup-timing.js';

/** notify_up/notify_down and quorum scripts get this long before they are killed. */
const NotifyTimeoutMs = 30_000;

/**
 * Probes in flight at once: three quarters of the open-files limit (each probe holds one or
 * two descriptors), at least 16, at most 4096.
 */
export function concurrencyFor(openFilesLimit: number): number {
  return Math.max(16, Math.min(4096, Math.floor(openFilesLimit * 0.75) - 32));
}

/**
 * Raise the open-files limit for `checkers` checkers as keepalived does (Node.js already takes
 * the soft limit to the hard one; as root the hard limit can go further); returns the limit.
 */
function raiseOpenFiles(checkers: number, log: Logger): number {
  try {
    return nativeSockets().raiseNofileLimit(Math.max(1024, Math.min(1 << 20, 2 * checkers + 1024)));
  } catch (e) {
    log.warn({ error: (e as Error).message }, 'cannot raise the open-files limit');
    return 1024;
  }
}

function identityOf(who: { user: string; group?: string } | undefined): ScriptIdentity | null {
  if (!who) return null;
  const env = systemHostEnvironment();
  const u = env.lookupUser(who.user);
  if (!u) return null;
  const g = who.group === undefined ? null : env.lookupGroup(who.group);
  return { uid: u.uid, gid: g?.gid ?? u.gid };
}

export class CheckerDaemon {
  /** Check durations, results and lateness for /metrics; they outlive reloads. */
  readonly checkMetrics = new CheckMetrics();
  readonly #scripts: ScriptRunner;
  #config: KeepalivedConfig;
  #checkers: HealthCheckers;
  #syncQueued = false;
  #changed = new Set<VirtualServer>();
  /** ha_suspend: the host's addresses, followed through rtnetlink while a virtual server asks. */
  #rtnl: RouteNetlink | null = null;
  #addressMonitor: AddressMonitor | null = null;
  #addressesQueued = false;
  /** notify_fifo and lvs_notify_fifo: RS and VS state lines (keepalived's ipwrapper.c). */
  readonly #fifos: NotifyFifo[] = [];

  private constructor(
    config: KeepalivedConfig,
    readonly controller: IpvsController,
    readonly client: IpvsClient,
    readonly log: Logger,
  ) {
    this.#config = config;
    this.#scripts = new ScriptRunner(log);
    for (const path of new Set([config.global_defs.notify_fifo, config.global_defs.lvs_notify_fifo])) {
      if (path === undefined) continue;
      try {
        this.#fifos.push(new NotifyFifo(path, log));
      } catch (e) {
        log.error({ fifo: path, error: (e as Error).message }, 'cannot open notify fifo');
      }
    }
    this.#checkers = this.#build(config);
    controller.setHealth(this.#checkers.book);
  }

  /**
   * Open IPVS and program the table; null (with one error line) when the kernel has no IPVS or
   * refuses the interface. Checks start once the table is programmed.
   */
  static async start(config: KeepalivedConfig, log: Logger): Promise<CheckerDaemon | null> {
    let client: IpvsClient;
    try {
      client = await IpvsClient.open();
      const info = await client.info();
      const v = info.version;
      log.info({ version: `${v >> 16}.${(v >> 8) & 0xff}.${v & 0xff}`, connections: info.connectionTableSize }, 'IPVS: kernel table found');
      markStartup('ipvsOpen');
    } catch (e) {
      log.error({ error: (e as Error).message }, e instanceof IpvsUnavailableError ? 'IPVS: not available' : 'IPVS: cannot open the kernel interface');
      return null;
    }
    const ipvsLog = log.child({ subsystem: 'ipvs' });
    await loadProbeKinds(config);
    const d = new CheckerDaemon(config, new IpvsController(config, client, ipvsLog), client, log);
    markStartup('checkersBuilt');
    try {
      const report = await d.controller.start();
      markStartup('ipvsProgrammed');
      log.info({ ...report.applied, failed: report.failed }, 'IPVS: table programmed');
    } catch (e) {
      log.error({ error: (e as Error).message }, 'IPVS: cannot program the table');
      client.close();
      return null;
    }
    await d.#followAddresses();
    d.#checkers.start();
    markStartup('checkersStarted');
    log.debug({ ms: startupMarks(), modules: howModulesLoaded() }, 'Start timing (ms from the process start)');
    return d;
  }

  /** For ha_suspend: know which virtual server addresses are on this host, now and on change. */
  async #followAddresses(): Promise<void> {
    if (!this.#config.virtual_server.some((vs) => vs.ha_suspend)) return;
    if (!this.#rtnl) {
      try {
        this.#rtnl = new RouteNetlink();
        this.#addressMonitor = new AddressMonitor(() => this.#queueAddresses());
      } catch (e) {
        this.log.error({ error: (e as Error).message }, 'ha_suspend: cannot follow the addresses of this host - checkers stay active');
        return;
      }
    }
    await this.#readAddresses();
  }

  async #readAddresses(): Promise<void> {
    if (!this.#rtnl) return;
    try {
      const all = [...(await this.#rtnl.addresses(AF_INET)), ...(await this.#rtnl.addresses(AF_INET6))];
      const local = new Set<string>();
      for (const a of all) {
        const bytes = a.local ?? a.address;
        if (bytes) local.add(formatIp({ family: a.family === AF_INET ? 'inet' : 'inet6', bytes: [...bytes] }));
      }
      this.#checkers.updateSuspension(local);
    } catch (e) {
      this.log.error({ error: (e as Error).message }, 'ha_suspend: cannot read the addresses of this host');
    }
  }

  #queueAddresses(): void {
    if (this.#addressesQueued) return;
    this.#addressesQueued = true;
    setImmediate(() => {
      this.#addressesQueued = false;
      void this.#readAddresses();
    });
  }

  #build(config: KeepalivedConfig, previous?: HealthCheckers): HealthCheckers {
    const g = config.global_defs;
    const defaultUser = g.script_user ?? (identityOf({ user: 'keepalived_script' }) ? { user: 'keepalived_script' } : undefined);
    const defaultIdentity = identityOf(defaultUser);
    const probes = probeFactory({ config, scripts: this.#scripts, defaultIdentity });
    const checkers = config.virtual_server.reduce((n, vs) => n + vs.real_server.reduce((m, rs) => m + rs.checkers.length, 0), 0);
    const openFiles = raiseOpenFiles(checkers, this.log);
    return new HealthCheckers(
      config,
      probes,
      {
        healthChanged: (vs) => this.#queueSync(vs),
        runScript: (what, spec) => this.#runScript(what, spec, defaultIdentity),
        fifoLine: (line) => this.#fifos.forEach((f) => f.write(line)),
      },
      this.log.child({ subsystem: 'checker' }),
      { concurrency: concurrencyFor(openFiles), metrics: this.checkMetrics },
      previous,
    );
  }

  #runScript(what: string, spec: ScriptSpec, defaultIdentity: ScriptIdentity | null): void {
    const identity = spec.user !== undefined ? identityOf({ user: spec.user, ...(spec.group !== undefined ? { group: spec.group } : {}) }) : defaultIdentity;
    void this.#scripts.run({ what, args: spec.args, identity, timeoutMs: NotifyTimeoutMs });
  }

  /**
   * Health events arrive one by one; one IPVS update, of the services whose health changed
   * only, runs for all of one turn of the loop.
   */
  #queueSync(vs: VirtualServer): void {
    this.#changed.add(vs);
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    setImmediate(() => {
      this.#syncQueued = false;
      const changed = [...this.#changed];
      this.#changed.clear();
      this.controller.syncVirtualServers(changed).then(
        (r) => r.failed && this.log.warn({ failed: r.failed }, 'IPVS: some changes were refused'),
        (e: Error) => this.log.error({ error: e.message }, 'IPVS: sync failed'),
      );
    });
  }

  /** SIGHUP: new checkers (unchanged ones keep their state), then the table reconciled. */
  async reload(config: KeepalivedConfig): Promise<SyncReport> {
    const previous = this.#checkers;
    await loadProbeKinds(config);
    await previous.pool.stop();
    this.#config = config;
    this.#checkers = this.#build(config, previous);
    const report = await this.controller.reload(config, this.#checkers.book);
    await this.#followAddresses();
    this.#checkers.start();
    return report;
  }

  async stop(keepIpvs = false): Promise<void> {
    await this.#checkers.stop();
    this.#addressMonitor?.close();
    this.#rtnl?.close();
    await this.controller.stop(keepIpvs);
    this.client.close();
    for (const f of this.#fifos) f.close();
  }

  status(): { checkers: CheckerStatus[]; pool: PoolStats } {
    return { checkers: this.#checkers.status(), pool: this.#checkers.stats() };
  }

  get config(): KeepalivedConfig {
    return this.#config;
  }
}
