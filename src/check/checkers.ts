/**
 * The health-check subsystem: one pool for every checker of every real server, the health
 * book as the one owner of what the checks say, and the IPVS controller told when that
 * changes (keepalived's checker child: check_daemon.c, check_api.c, ipwrapper.c).
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VirtualServer } from '../config/keywords/virtual-server.js';
import type { RealServer } from '../config/keywords/real-server.js';
import type { Checker } from '../config/checkers/index.js';
import type { ScriptSpec } from '../config/parser.js';
import type { Logger } from '../log.js';
import { describeVs } from '../ipvs/desired.js';
import { commandString } from '../config/validate/script-user.js';
import { CheckerState, checkerTiming, type ResultOutcome } from './checker-state.js';
import { CheckPool, type CheckJob, type PoolClock, type PoolStats } from './pool.js';
import { HealthBook, type HealthEvent } from './health.js';
import type { CheckMetrics } from './check-metrics.js';
import { failed, type Probe, type ProbeResult } from './probe.js';

/**
 * Scripts the configuration check disabled (`insecure`: with enable_script_security in a path
 * others could write, or not found, or not executable by their user; see
 * config/validate/script-security.ts checkerDropsScript()). keepalived's checker process frees
 * them before it starts (check/check_data.c check_check_script_security()), so they never run.
 */
export function scriptDisabled(spec: ScriptSpec | undefined): boolean {
  return spec?.insecure === true;
}

/**
 * A MISC_CHECK whose script is disabled: keepalived removes the checker itself
 * (check/check_misc.c check_misc_script_security()), so it is never run and no longer counts -
 * except that at the first start an `alpha` checker was already counted as failed
 * (check_data.c validate_check_config() marks alpha checkers down before the script check), so
 * its real server stays out for good; after a reload the failed checkers are counted again from
 * the checkers left, and it no longer counts.
 */
export function checkerRemoved(check: Checker): boolean {
  return check.type === 'MISC_CHECK' && scriptDisabled(check.misc_path);
}

/** Builds the probe of one checker; null when the kind is not supported (the checker stays up). */
export type ProbeFactory = (check: Checker, rs: RealServer, vs: VirtualServer) => Probe | null;

/** What the subsystem needs of the rest of the agent. */
export interface CheckerEdges {
  /** The health of a virtual server's real servers (or its quorum) changed: bring its IPVS services to what the book now says. */
  healthChanged(vs: VirtualServer): void;
  /** Run a notify script (notify_up/down, quorum_up/down) with its configured arguments. */
  runScript(what: string, spec: ScriptSpec): void;
  /** A line for notify_fifo / lvs_notify_fifo: `RS [ip]:tcp:80 [vip]:tcp:80 DOWN`, `VS [vip]:tcp:80 UP`. */
  fifoLine?(line: string): void;
}

export interface CheckerOptions {
  /** Probes in flight at once (default 1024). */
  concurrency?: number;
  clock?: PoolClock;
  random?: () => number;
  /** The daemon's check counters (kept across reloads). */
  metrics?: CheckMetrics;
}

/** keepalived's FMT_RS: `[203.0.113.21]:tcp:80`. */
export function describeRs(rs: RealServer, vs: VirtualServer): string {
  return `[${rs.ip}]:${vs.protocol?.toLowerCase() ?? 'tcp'}:${rs.port}`;
}

/** The same checker across a reload: same service, same real server, same kind in the same place. */
function checkerKey(vs: VirtualServer, rs: RealServer, index: number): string {
  return `${describeVs(vs)} ${describeRs(rs, vs)} ${index} ${rs.checkers[index]?.type ?? ''}`;
}

export interface CheckerStatus {
  virtual_server: string;
  real_server: string;
  checker: string;
  up: boolean;
  alive: boolean;
  weight: number;
  last?: string;
}

/**
 * One checker of one real server as the pool sees it. A class rather than closures, and the
 * log name built only when a log line needs it: with tens of thousands of real servers every
 * byte per checker counts.
 */
class CheckerJob implements CheckJob {
  last?: string;

  constructor(
    readonly owner: HealthCheckers,
    readonly vs: VirtualServer,
    readonly rs: RealServer,
    readonly index: number,
    readonly check: Checker,
    readonly probe: Probe,
    readonly state: CheckerState,
  ) {}

  get kind(): string {
    return this.check.type;
  }

  /** For logs: `TCP_CHECK on service [203.0.113.21]:tcp:80 of [192.0.2.100]:tcp:80`. */
  get name(): string {
    return `${this.check.type} on service ${describeRs(this.rs, this.vs)} of ${describeVs(this.vs)}`;
  }

  suspended(): boolean {
    return this.owner.isSuspended(this.vs);
  }

  onResult(result: ProbeResult, outcome: ResultOutcome): void {
    this.last = result.reason;
    this.owner.checkerResult(this, result, outcome);
  }
}

export class HealthCheckers {
  readonly book: HealthBook;
  readonly pool: CheckPool;
  readonly #jobs: CheckerJob[] = [];
  /** Virtual servers whose checks wait (ha_suspend while their address is not on this host). */
  readonly #suspended = new Set<VirtualServer>();
  /** Built by a reload: the virtual servers' states were reported by the first start. */
  readonly #reloaded: boolean;

  constructor(
    readonly config: Pick<KeepalivedConfig, 'virtual_server'>,
    readonly probes: ProbeFactory,
    readonly edges: CheckerEdges,
    readonly log: Logger,
    opts: CheckerOptions = {},
    /** The subsystem of the configuration before a reload: unchanged checkers keep their state. */
    previous?: HealthCheckers,
  ) {
    this.#reloaded = previous !== undefined;
    const carried = previous ? previous.#carriedStates() : new Map<string, boolean>();
    // at the first start nothing is carried: no key to build for each checker
    const carriedUp = carried.size === 0 ? (): undefined => undefined : (vs: VirtualServer, rs: RealServer, i: number): boolean | undefined => carried.get(checkerKey(vs, rs, i));
    const initiallyDown = (vs: VirtualServer, rs: RealServer, i: number): boolean => {
      const check = rs.checkers[i];
      if (check && checkerRemoved(check)) return !this.#reloaded && check.alpha === true;
      return !(carriedUp(vs, rs, i) ?? check?.alpha !== true);
    };
    this.book = new HealthBook(config.virtual_server, initiallyDown);
    this.pool = new CheckPool({
      concurrency: opts.concurrency ?? 1024,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    for (const vs of config.virtual_server) {
      for (const rs of vs.real_server) {
        rs.checkers.forEach((check, index) => {
          if (checkerRemoved(check)) {
            this.log.info(`Disabling misc script ${commandString(check.type === 'MISC_CHECK' ? check.misc_path : undefined)} (insecure, not found or not executable) - removing the checker of ${describeRs(rs, vs)}`);
            return;
          }
          const probe = this.#probe(check, rs, vs);
          if (!probe) return;
          this.#jobs.push(new CheckerJob(this, vs, rs, index, check, probe, new CheckerState(checkerTiming(check), carriedUp(vs, rs, index))));
        });
      }
    }
  }

  /** @internal A result of one of our checkers: logged, then told to the health book. */
  checkerResult(job: CheckerJob, result: ProbeResult, outcome: ResultOutcome): void {
    if (!result.ok && (outcome.transition === 'down' || job.check.log_all_failures)) {
      this.log.info({ reason: result.reason }, `${job.name} failed${outcome.failures > 1 ? ` after ${outcome.failures - 1} retries` : ''}.`);
    } else if (!result.ok && !outcome.transition && outcome.failures > 0) {
      this.log.debug({ reason: result.reason }, `${job.name} failed, retry ${outcome.failures}`);
    } else if (outcome.transition === 'up') this.log.info({ reason: result.reason }, `${job.name} succeeded.`);
    const events = this.book.checkerResult(job.vs, job.rs, job.index, result, outcome.transition);
    if (events.length > 0) this.#events(events);
  }

  /** @internal */
  isSuspended(vs: VirtualServer): boolean {
    return this.#suspended.size > 0 && this.#suspended.has(vs);
  }

  /** Checker up/down by identity, for the next configuration. */
  #carriedStates(): Map<string, boolean> {
    return new Map(this.#jobs.map((job) => [checkerKey(job.vs, job.rs, job.index), job.state.up]));
  }

  #probe(check: Checker, rs: RealServer, vs: VirtualServer): Probe | null {
    try {
      const p = this.probes(check, rs, vs);
      if (!p) this.log.warn(`${check.type} on ${describeRs(rs, vs)}: this checker kind is not supported yet - it counts as up`);
      return p;
    } catch (e) {
      // a checker that cannot be built (bad file, unknown user) fails every check, with the reason
      const reason = (e as Error).message;
      this.log.error(`${check.type} on ${describeRs(rs, vs)}: ${reason}`);
      return async () => failed(reason);
    }
  }

  #events(events: readonly HealthEvent[]): void {
    let ipvs: VirtualServer | null = null;
    for (const e of events) {
      const vsName = describeVs(e.vs);
      switch (e.type) {
        case 'rs-up':
        case 'rs-down': {
          const up = e.type === 'rs-up';
          const how = e.rs.inhibit_on_failure ? (up ? 'Enabling' : 'Disabling') : up ? 'Adding' : 'Removing';
          this.log.info(`${how} service ${describeRs(e.rs, e.vs)} ${up ? 'to' : 'from'} VS ${vsName}`);
          const script = up ? e.rs.notify_up : e.rs.notify_down;
          if (script) this.#runScript(`${up ? 'notify_up' : 'notify_down'} ${describeRs(e.rs, e.vs)}`, script);
          this.edges.fifoLine?.(`RS ${describeRs(e.rs, e.vs)} ${vsName} ${up ? 'UP' : 'DOWN'}\n`);
          ipvs = e.vs;
          break;
        }
        case 'rs-weight':
          this.log.info(`Changing weight from ${e.from} to ${e.to} for ${describeRs(e.rs, e.vs)} of VS ${vsName}`);
          ipvs = e.vs;
          break;
        case 'quorum-up':
        case 'quorum-down': {
          const up = e.type === 'quorum-up';
          const total = e.vs.quorum + (up ? e.vs.hysteresis : -e.vs.hysteresis);
          this.log.info(
            up
              ? `Gained quorum ${e.vs.quorum}+${e.vs.hysteresis}=${total} <= ${e.weightSum} for VS ${vsName}`
              : `Lost quorum ${e.vs.quorum}-${e.vs.hysteresis}=${total} > ${e.weightSum} for VS ${vsName}`,
          );
          const script = up ? e.vs.quorum_up : e.vs.quorum_down;
          if (script) this.#runScript(`${up ? 'quorum_up' : 'quorum_down'} ${vsName}`, script);
          this.edges.fifoLine?.(`VS ${vsName} ${up ? 'UP' : 'DOWN'}\n`);
          ipvs = e.vs;
          break;
        }
      }
    }
    if (ipvs) this.edges.healthChanged(ipvs);
  }

  /**
   * ha_suspend: a virtual server's checks run only while its address is configured on this
   * host (it is the VRRP master's); `local` says which addresses are.
   */
  updateSuspension(local: ReadonlySet<string>): void {
    for (const vs of this.config.virtual_server) {
      if (!vs.ha_suspend || vs.ip === undefined) continue;
      const suspend = !local.has(vs.ip);
      if (suspend === this.#suspended.has(vs)) continue;
      if (suspend) this.#suspended.add(vs);
      else this.#suspended.delete(vs);
      this.log.info(`${suspend ? 'Suspending' : 'Activating'} healthchecker for service ${describeVs(vs)}`);
    }
  }

  /** A notify or quorum script, unless the configuration check disabled it (keepalived frees those). */
  #runScript(what: string, spec: ScriptSpec): void {
    if (!scriptDisabled(spec)) this.edges.runScript(what, spec);
  }

  /**
   * Start checking. The first checks count their bootstrap delay and warmup from here (one clock
   * read for all of them), which the daemon calls once the IPVS table is programmed: keepalived
   * registers its checkers after init_services() too (check_daemon.c start_check()), and a start
   * that programs thousands of services does not find its first checks already due as the VRRP
   * side starts.
   */
  start(): void {
    this.pool.addAll(this.#jobs);
    this.log.info({ checkers: this.pool.size }, 'Activating healthchecker');
    // as keepalived, the FIFO hears each virtual server's state when checking begins
    if (!this.#reloaded) for (const vs of this.config.virtual_server) this.edges.fifoLine?.(`VS ${describeVs(vs)} ${this.book.quorumUp(vs) ? 'UP' : 'DOWN'}\n`);
    this.pool.start();
  }

  /**
   * Stop checking. With `omega` a virtual server runs its quorum_down and the notify_down of its
   * alive real servers, as keepalived does on shutdown.
   */
  async stop(): Promise<void> {
    await this.pool.stop();
    for (const vs of this.config.virtual_server) {
      if (!vs.omega) continue;
      for (const rs of vs.real_server) {
        if (rs.notify_down && this.book.alive(vs, rs)) this.#runScript(`notify_down ${describeRs(rs, vs)}`, rs.notify_down);
      }
      if (vs.quorum_down && this.book.quorumUp(vs)) this.#runScript(`quorum_down ${describeVs(vs)}`, vs.quorum_down);
    }
  }

  stats(): PoolStats {
    return this.pool.stats();
  }

  status(): CheckerStatus[] {
    return this.#jobs.map((job) => ({
      virtual_server: describeVs(job.vs),
      real_server: describeRs(job.rs, job.vs),
      checker: job.check.type,
      up: job.state.up,
      alive: this.book.alive(job.vs, job.rs),
      weight: this.book.weight(job.vs, job.rs),
      ...(job.last !== undefined ? { last: job.last } : {}),
    }));
  }
}
