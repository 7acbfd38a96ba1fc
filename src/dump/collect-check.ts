/**
 * The checker side of a DumpSnapshot: virtual servers, real servers and health checkers, from
 * the configuration (its checkers completed with inherited settings) and the checker daemon.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VirtualServer } from '../config/keywords/virtual-server.js';
import type { RealServer } from '../config/keywords/real-server.js';
import type { LvsForwarding } from '../config/keywords/lvs-common.js';
import type { Checker } from '../config/checkers/index.js';
import type { CheckerStatus } from '../check/checkers.js';
import { describeRs } from '../check/checkers.js';
import { describeVs, type DesiredService, type DesiredTable } from '../ipvs/desired.js';
import type { CollectContext } from './collect-context.js';
import type { DumpChecker, DumpCheckerKind, DumpForwarding, DumpRealServer, DumpVirtualServer } from './snapshot.js';

/** The members of a CheckerDaemon the dump reads. */
export interface CheckerView {
  status(): { checkers: CheckerStatus[] };
  readonly controller?: { readonly desired: DesiredTable };
}

const Us = 1e6;
const us = (s: number): number => Math.round(s * Us);

function forwardingOf(f: LvsForwarding, fallback?: LvsForwarding): DumpForwarding {
  const m = f.lvs_method ?? fallback?.lvs_method ?? 'NAT';
  if (m !== 'TUN') return { method: m };
  const src = f.lvs_method ? f : (fallback ?? f);
  return {
    method: 'TUN',
    type: src.tunnel_type ?? 'ipip',
    ...(src.tunnel_port !== undefined ? { port: src.tunnel_port } : {}),
    ...(src.tunnel_checksum !== undefined ? { checksum: src.tunnel_checksum } : {}),
  };
}

const bracket = (ip: string, port: number): string => `[${ip}]:${port}`;

function kindOf(c: Checker, ctx: CollectContext, rs: RealServer, status: CheckerStatus | undefined): DumpCheckerKind {
  switch (c.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      return { type: c.type };
    case 'HTTP_GET':
    case 'SSL_GET':
      return {
        type: c.type,
        httpProtocol: c.http_protocol,
        ...(c.virtualhost !== undefined ? { virtualhost: c.virtualhost } : {}),
        sni: c.enable_sni ?? false,
        fastRecovery: c.fast_recovery ?? false,
        urls: c.url.map((u) => ({
          path: u.path ?? '/',
          ...(u.digest !== undefined ? { digest: u.digest } : {}),
          statusCodes: u.status_code.length ? u.status_code : u.digest === undefined ? [{ min: 200, max: 299 }] : [],
          ...(u.virtualhost !== undefined ? { virtualhost: u.virtualhost } : {}),
        })),
      };
    case 'MISC_CHECK':
      return {
        type: 'MISC_CHECK',
        command: c.misc_path ? ctx.command(c.misc_path, c.user) : { args: [], uid: 0, gid: 0 },
        timeout: c.misc_timeout ?? c.delay_loop ?? 0,
        dynamic: c.misc_dynamic,
        lastRanUs: 0,
        lastStatus: status?.up ? 0 : 1,
      };
    case 'SMTP_CHECK':
      return { type: 'SMTP_CHECK', helo: c.helo_name };
    case 'DNS_CHECK':
      return { type: 'DNS_CHECK', queryType: c.query_type, name: c.name };
    case 'UDP_CHECK': {
      const reply = c.require_reply;
      return {
        type: 'UDP_CHECK',
        ...(c.payload !== undefined ? { payloadLength: c.payload.length / 2 } : {}),
        requireReply: reply !== undefined,
        minReply: c.min_reply_length,
        maxReply: c.max_reply_length,
        replyLength: reply === undefined || reply === true ? 0 : reply.data.length / 2,
        ...(reply !== undefined && reply !== true ? { replyMask: reply.mask !== undefined } : {}),
      };
    }
    case 'FILE_CHECK':
      return { type: 'FILE_CHECK', file: c.track_file ?? '' };
    case 'BFD_CHECK':
      return { type: 'BFD_CHECK', name: c.name ?? rs.ip };
  }
}

/** keepalived's per-kind default_delay_before_retry, µs (DNS_CHECK: 0, the delay_loop). */
const defaultDelayBeforeRetryUs = (type: Checker['type']): number => (type === 'HTTP_GET' || type === 'SSL_GET' ? 3 * Us : type === 'DNS_CHECK' ? 0 : Us);

export class CheckCollector {
  /**
   * The checkers' status rows by service, server and kind, in order; each row is taken once.
   * Indexed once per snapshot: a scrape of 10,000 real servers must not search the list per
   * checker (that took seconds).
   */
  readonly #statuses = new Map<string, CheckerStatus[]>();
  /** The desired IPVS services by the name of their virtual server, made at first use. */
  #desiredByOrigin: Map<string, DesiredService[]> | null = null;

  constructor(
    readonly config: KeepalivedConfig,
    readonly view: CheckerView | null,
    readonly ctx: CollectContext,
  ) {
    for (const s of view?.status().checkers ?? []) {
      const key = `${s.virtual_server} ${s.real_server} ${s.checker}`;
      const rows = this.#statuses.get(key);
      if (rows) rows.push(s);
      else this.#statuses.set(key, [s]);
    }
  }

  /** The status row of a checker: the next unused one for the same service, server and kind. */
  #status(vs: VirtualServer, rs: RealServer, c: Checker): CheckerStatus | undefined {
    return this.#statuses.get(`${describeVs(vs)} ${describeRs(rs, vs)} ${c.type}`)?.shift();
  }

  #inIpvs(vs: VirtualServer, rs: RealServer): boolean | undefined {
    const desired = this.view?.controller?.desired;
    if (!desired) return undefined;
    if (!this.#desiredByOrigin) {
      this.#desiredByOrigin = new Map();
      for (const d of desired.values()) {
        const list = this.#desiredByOrigin.get(d.origin);
        if (list) list.push(d);
        else this.#desiredByOrigin.set(d.origin, [d]);
      }
    }
    for (const d of this.#desiredByOrigin.get(describeVs(vs)) ?? []) {
      for (const dest of d.dests.values()) if (dest.address === rs.ip && dest.weight > 0) return true;
    }
    return false;
  }

  collect(): { virtualServers: DumpVirtualServer[]; checkers: DumpChecker[] } {
    const g = this.config.global_defs;
    const virtualServers: DumpVirtualServer[] = [];
    const checkers: DumpChecker[] = [];
    for (const vs of this.config.virtual_server) {
      const label = describeVs(vs);
      const realServers: DumpRealServer[] = [];
      let aliveWeight = 0;
      for (const rs of vs.real_server) {
        const rows = rs.checkers.map((c) => this.#status(vs, rs, c));
        const failed = rows.filter((s) => s && !s.up).length;
        const alive = rows.length === 0 ? true : rows.every((s) => s === undefined || s.up);
        if (alive) aliveWeight += rs.weight;
        realServers.push(this.#realServer(vs, rs, alive, failed, rows.find((r) => r !== undefined)?.weight));
        rs.checkers.forEach((c, i) => checkers.push(this.#checker(vs, rs, c, rows[i], label)));
      }
      const sorry = vs.sorry_server;
      virtualServers.push({
        key: vs.group !== undefined ? { kind: 'group', name: vs.group, port: vs.port ?? 0 } : vs.fwmark !== undefined ? { kind: 'fwmark', fwmark: vs.fwmark } : { kind: 'ip', address: vs.ip ?? '', port: vs.port ?? 0 },
        label,
        ...(vs.virtualhost !== undefined ? { virtualhost: vs.virtualhost } : {}),
        ...(vs.snmp_name !== undefined ? { snmpName: vs.snmp_name } : {}),
        family: vs.ip_family ?? (vs.ip !== undefined ? (vs.ip.includes(':') ? 'inet6' : 'inet') : 'unknown'),
        connectTimeoutUs: us(vs.connect_timeout ?? 5),
        delayLoopUs: us(vs.delay_loop),
        scheduler: vs.lvs_sched ?? 'wlc',
        hashed: vs.hashed ?? false,
        flag1: vs['flag-1'] ?? false,
        flag2: vs['flag-2'] ?? false,
        flag3: vs['flag-3'] ?? false,
        onePacket: vs.ops ?? false,
        persistenceTimeout: vs.persistence_timeout ?? (vs.persistence_granularity !== undefined ? 360 : 0),
        ...(vs.persistence_granularity !== undefined ? { persistenceGranularity: vs.persistence_granularity } : {}),
        protocol: vs.protocol ?? 'none',
        alpha: vs.alpha,
        omega: vs.omega,
        ...(vs.retry !== undefined ? { retry: vs.retry } : {}),
        ...(vs.delay_before_retry !== undefined ? { delayBeforeRetryUs: us(vs.delay_before_retry) } : {}),
        ...(vs.warmup !== undefined ? { warmupUs: us(vs.warmup) } : {}),
        inhibit: vs.inhibit_on_failure ?? false,
        quorum: vs.quorum,
        hysteresis: vs.hysteresis,
        ...(vs.quorum_up ? { quorumUp: this.ctx.command(vs.quorum_up) } : {}),
        ...(vs.quorum_down ? { quorumDown: this.ctx.command(vs.quorum_down) } : {}),
        haSuspend: vs.ha_suspend,
        smtpAlert: vs.smtp_alert ?? g.smtp_alert_checker ?? g.smtp_alert ?? false,
        forwarding: forwardingOf(vs),
        ...(sorry
          ? {
              sorryServer: {
                label: `[${sorry.ip}]:${vs.protocol?.toLowerCase() ?? 'tcp'}:${sorry.port}`,
                duplicatesRs: vs.real_server.some((rs) => rs.ip === sorry.ip && rs.port === sorry.port),
                forwarding: forwardingOf(sorry, vs),
                inhibit: sorry.inhibit ?? false,
              },
            }
          : {}),
        // keepalived's vs->alive: the service is in the IPVS table (it stays without real servers)
        alive: true,
        quorumStateUp: aliveWeight >= vs.quorum,
        realServers,
      });
    }
    return { virtualServers, checkers };
  }

  /** @param effectiveWeight the health book's weight (dynamic checks change it), when checked */
  #realServer(vs: VirtualServer, rs: RealServer, alive: boolean, failed: number, effectiveWeight = rs.weight): DumpRealServer {
    const retry = rs.retry ?? vs.retry;
    const delay = rs.delay_before_retry ?? vs.delay_before_retry;
    const warmup = rs.warmup ?? vs.warmup;
    return {
      address: rs.ip,
      port: rs.port,
      weight: rs.weight,
      effectiveWeight,
      forwarding: forwardingOf(rs, vs),
      alpha: rs.alpha ?? vs.alpha,
      connectTimeoutUs: us(rs.connect_timeout ?? vs.connect_timeout ?? 5),
      lowerThreshold: rs.lthreshold ?? 0,
      upperThreshold: rs.uthreshold ?? 0,
      delayLoopUs: us(rs.delay_loop ?? vs.delay_loop),
      ...(retry !== undefined ? { retry } : {}),
      ...(delay !== undefined ? { delayBeforeRetryUs: us(delay) } : {}),
      ...(warmup !== undefined ? { warmupUs: us(warmup) } : {}),
      inhibit: rs.inhibit_on_failure ?? vs.inhibit_on_failure ?? false,
      ...(rs.notify_up ? { notifyUp: this.ctx.command(rs.notify_up) } : {}),
      ...(rs.notify_down ? { notifyDown: this.ctx.command(rs.notify_down) } : {}),
      ...(rs.virtualhost !== undefined ? { virtualhost: rs.virtualhost } : {}),
      ...(rs.snmp_name !== undefined ? { snmpName: rs.snmp_name } : {}),
      smtpAlert: this.#rsSmtpAlert(vs, rs),
      initialWeight: rs.weight,
      previousEffectiveWeight: 0,
      alive,
      failedCheckers: failed,
      set: this.#inIpvs(vs, rs) ?? alive,
    };
  }

  /**
   * keepalived defaults a real server's smtp_alert to the global smtp_alert_checker or
   * smtp_alert, else on (for backward compatibility); the configuration model fills it from
   * the virtual server, so a value equal to the virtual server's is taken as not set.
   */
  #rsSmtpAlert(vs: VirtualServer, rs: RealServer): boolean {
    const g = this.config.global_defs;
    if (rs.smtp_alert !== undefined && rs.smtp_alert !== vs.smtp_alert) return rs.smtp_alert;
    return g.smtp_alert_checker ?? g.smtp_alert ?? true;
  }

  #checker(vs: VirtualServer, rs: RealServer, c: Checker, status: CheckerStatus | undefined, vsLabel: string): DumpChecker {
    const delayLoop = c.delay_loop ?? rs.delay_loop ?? vs.delay_loop;
    const connects = c.type !== 'MISC_CHECK' && c.type !== 'FILE_CHECK' && c.type !== 'BFD_CHECK';
    return {
      vsLabel,
      rsLabel: describeRs(rs, vs),
      enabled: true,
      up: status?.up ?? !(c.alpha ?? false),
      hasRun: status?.last !== undefined,
      currentWeight: 0,
      alpha: c.alpha ?? false,
      delayLoopUs: us(delayLoop),
      warmupUs: us(c.warmup ?? delayLoop),
      retry: c.retry ?? 1,
      delayBeforeRetryUs: us(c.delay_before_retry ?? delayLoop),
      retryIterations: 0,
      defaultDelayBeforeRetryUs: defaultDelayBeforeRetryUs(c.type),
      logAllFailures: c.log_all_failures ?? this.config.global_defs.checker_log_all_failures,
      ...(connects
        ? {
            connection: {
              dest: bracket(c.connect_ip ?? rs.ip, c.connect_port ?? rs.port),
              ...(c.bindto !== undefined ? { bindTo: bracket(c.bindto, c.bind_port ?? 0) } : {}),
              ...(c.bind_if !== undefined ? { bindIf: c.bind_if } : {}),
              ...(c.fwmark !== undefined ? { fwmark: c.fwmark } : {}),
              timeoutUs: us(c.connect_timeout ?? rs.connect_timeout ?? vs.connect_timeout ?? 5),
              lastErrno: 0,
            },
          }
        : {}),
      kind: kindOf(c, this.ctx, rs, status),
    };
  }
}
