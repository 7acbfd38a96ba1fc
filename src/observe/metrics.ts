/**
 * GET /metrics: the daemon's state in Prometheus' text format (pure: data in, text out).
 *
 * The VRRP series carry the names, labels and values of the common keepalived exporter
 * (mehdy/keepalived-exporter), which derives them from keepalived's dump files; ours come from
 * the same DumpSnapshot that writes our dump files, so dashboards and alerts built on that
 * exporter work unchanged and agree with keepalived.stats. The series the exporter does not
 * have (priorities, tracking, virtual and real servers, the checker pool, IPVS, the process)
 * use the same `keepalived_` prefix.
 */
import type { DumpSnapshot, DumpState, DumpVirtualServer, DumpRealServer } from '../dump/snapshot.js';
import type { PoolStats } from '../check/pool.js';
import type { CheckMetrics } from '../check/check-metrics.js';
import type { IpvsCounters } from '../ipvs/controller.js';
import { Exposition, type Labels } from './exposition.js';

export interface ProcessFacts {
  /** Seconds of CPU since start (process.cpuUsage()). */
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  /** Unix time the process started, in seconds. */
  readonly startTimeSeconds: number;
  readonly residentMemoryBytes: number;
  readonly heapUsedBytes: number;
  /** null when /proc cannot tell. */
  readonly openFds: number | null;
  readonly maxFds: number | null;
  /** Event loop delay of the last interval, in seconds (perf_hooks), null without a monitor. */
  readonly eventLoopDelayP99Seconds: number | null;
}

export interface CheckerFacts {
  readonly pool: PoolStats;
  readonly metrics: CheckMetrics;
  readonly ipvs: IpvsCounters;
}

/** Received packets the VRRP side dropped, by our reasons (VrrpDaemon.status() and its ports). */
export interface VrrpDrops {
  /** Per instance, by DropReason ('ttl', 'checksum', 'version', 'auth', ...). */
  readonly instances: readonly { readonly name: string; readonly dropped: Readonly<Record<string, number>> }[];
  /** Adverts for a VRID no instance of ours has, and packets too short to name one. */
  readonly unknownVrid: number;
  readonly malformed: number;
}

export interface MetricsInput {
  readonly version: string;
  /** The VRRP side runs (its instances are in the snapshot). */
  readonly vrrp: boolean;
  readonly vrrpDrops?: VrrpDrops;
  readonly snapshot: DumpSnapshot;
  /** The checker side, when it runs (its virtual servers and checkers are in the snapshot). */
  readonly checkers: CheckerFacts | null;
  readonly process: ProcessFacts;
}

/** The exporter's numbers for keepalived's states; STOP and DELETED (shutdown) count as INIT. */
const stateNumber = (s: DumpState): number => ({ INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 })[s as 'INIT'] ?? 0;
/** keepalived_script_state: the exporter's order of keepalived's script run states. */
const scriptRunStates = ['idle', 'running', 'requested termination', 'forcing termination'] as const;

/** A format_ipaddress() line's address and device, as the exporter splits it ("192.0.2.100/32 dev eth0 scope global"). */
function vipParts(line: string): { address: string; intf: string } | null {
  const words = line.trim().split(' ');
  return words.length >= 3 ? { address: words[0]!, intf: words[2]! } : null;
}

/** A real server as the checker log lines name it: `[203.0.113.21]:tcp:80`. */
export function realServerName(vs: DumpVirtualServer, rs: DumpRealServer): string {
  return `[${rs.address}]:${vs.protocol === 'none' ? 'tcp' : vs.protocol.toLowerCase()}:${rs.port}`;
}

const counterHelp: readonly [string, string, keyof DumpSnapshot['instances'][number]['stats']][] = [
  ['keepalived_advertisements_received_total', 'Advertisements received', 'advertRcvd'],
  ['keepalived_advertisements_sent_total', 'Advertisements sent', 'advertSent'],
  ['keepalived_become_master_total', 'Became master', 'becomeMaster'],
  ['keepalived_release_master_total', 'Released master', 'releaseMaster'],
  ['keepalived_packet_length_errors_total', 'Packet length errors', 'packetLenErr'],
  ['keepalived_advertisements_interval_errors_total', 'Advertisement interval errors', 'advertIntervalErr'],
  ['keepalived_ip_ttl_errors_total', 'TTL errors', 'ipTtlErr'],
  ['keepalived_invalid_type_received_total', 'Invalid type errors', 'invalidTypeRcvd'],
  ['keepalived_address_list_errors_total', 'Address list errors', 'addrListErr'],
  ['keepalived_authentication_invalid_total', 'Authentication invalid', 'invalidAuthtype'],
  ['keepalived_authentication_mismatch_total', 'Authentication mismatch', 'authtypeMismatch'],
  ['keepalived_authentication_failure_total', 'Authentication failure', 'authFailure'],
  ['keepalived_priority_zero_received_total', 'Priority zero received', 'priZeroRcvd'],
  ['keepalived_priority_zero_sent_total', 'Priority zero sent', 'priZeroSent'],
];

function dropSeries(m: Exposition, s: DumpSnapshot, d: VrrpDrops): void {
  m.family('keepalived_vrrp_dropped_total', 'counter', 'Received packets an instance dropped, by reason (keepalived counts some of them under the names above, some not at all)');
  for (const i of s.instances) {
    const dropped = d.instances.find((x) => x.name === i.name)?.dropped ?? {};
    for (const reason of Object.keys(dropped).sort()) {
      m.sample('keepalived_vrrp_dropped_total', dropped[reason]!, { iname: i.name, intf: i.interface ?? '', vrid: i.vrid, reason: reason.replace(/-/g, '_') });
    }
  }
  m.family('keepalived_vrrp_packets_dropped_total', 'counter', 'Received protocol-112 packets for no instance: a VRID none of ours has, or too short to name one');
  m.sample('keepalived_vrrp_packets_dropped_total', d.unknownVrid, { reason: 'unknown_vrid' });
  m.sample('keepalived_vrrp_packets_dropped_total', d.malformed, { reason: 'malformed' });
}

function vrrpSeries(m: Exposition, s: DumpSnapshot): void {
  const common = (i: DumpSnapshot['instances'][number]): Labels => ({ iname: i.name, intf: i.interface ?? '', vrid: i.vrid });

  m.family('keepalived_vrrp_state', 'gauge', 'State of vrrp');
  for (const i of s.instances) {
    const vips = i.vips.map(vipParts).filter((v) => v !== null);
    if (vips.length === 0) m.sample('keepalived_vrrp_state', stateNumber(i.state), { ...common(i), ip_address: '' });
    for (const v of vips) m.sample('keepalived_vrrp_state', stateNumber(i.state), { iname: i.name, intf: v.intf, vrid: i.vrid, ip_address: v.address });
  }
  m.family('keepalived_vrrp_excluded_state', 'gauge', 'State of vrrp with excluded VIP');
  for (const i of s.instances) {
    for (const v of i.evips.map(vipParts)) if (v) m.sample('keepalived_vrrp_excluded_state', stateNumber(i.state), { iname: i.name, intf: v.intf, vrid: i.vrid, ip_address: v.address });
  }
  for (const [name, help, key] of counterHelp) {
    m.family(name, 'counter', help);
    for (const i of s.instances) m.sample(name, i.stats[key], common(i));
  }
  m.family('keepalived_gratuitous_arp_delay_total', 'counter', 'Gratuitous ARP delay');
  for (const i of s.instances) m.sample('keepalived_gratuitous_arp_delay_total', i.garpDelay, common(i));

  m.family('keepalived_script_status', 'gauge', 'Tracker Script Status');
  for (const sc of s.scripts) m.sample('keepalived_script_status', sc.result >= sc.rise ? 1 : 0, { name: sc.name });
  m.family('keepalived_script_state', 'gauge', 'Tracker Script State');
  for (const sc of s.scripts) m.sample('keepalived_script_state', Math.max(0, scriptRunStates.indexOf(sc.running)), { name: sc.name });

  // ours
  m.family('keepalived_vrrp_priority', 'gauge', 'Priority the instance advertises now (after tracking weights)');
  for (const i of s.instances) m.sample('keepalived_vrrp_priority', i.effectivePriority, common(i));
  m.family('keepalived_vrrp_base_priority', 'gauge', 'Priority configured for the instance');
  for (const i of s.instances) m.sample('keepalived_vrrp_base_priority', i.basePriority, common(i));
  m.family('keepalived_vrrp_want_state', 'gauge', 'State the instance wants (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT)');
  for (const i of s.instances) m.sample('keepalived_vrrp_want_state', stateNumber(i.wantState), common(i));
  m.family('keepalived_vrrp_last_transition_timestamp_seconds', 'gauge', 'Unix time of the instance\'s last state change (its start before any)');
  for (const i of s.instances) m.sample('keepalived_vrrp_last_transition_timestamp_seconds', i.lastTransitionUs / 1e6, common(i));
  m.family('keepalived_vrrp_sync_group_state', 'gauge', 'State of the sync group (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT)');
  for (const g of s.syncGroups) m.sample('keepalived_vrrp_sync_group_state', stateNumber(g.state), { group: g.name });
  m.family('keepalived_track_interface_up', 'gauge', 'Whether an interface an instance tracks is up and running');
  for (const f of s.interfaces) if (f.tracking.length > 0) m.sample('keepalived_track_interface_up', f.seenUp ? 1 : 0, { name: f.name });
  m.family('keepalived_track_file_value', 'gauge', 'The number read from a track_file');
  for (const f of s.trackFiles) m.sample('keepalived_track_file_value', f.status, { name: f.name });
  m.family('keepalived_track_process_up', 'gauge', 'Whether a track_process has its quorum of processes');
  for (const p of s.trackProcesses) m.sample('keepalived_track_process_up', p.haveQuorum ? 1 : 0, { name: p.name });
  m.family('keepalived_track_process_count', 'gauge', 'Processes a track_process matches now');
  for (const p of s.trackProcesses) m.sample('keepalived_track_process_count', p.current, { name: p.name });
}

function checkerSeries(m: Exposition, s: DumpSnapshot, c: CheckerFacts): void {
  m.family('keepalived_virtual_server_up', 'gauge', 'Whether the virtual server\'s quorum is met (its real servers serve, not the sorry server)');
  for (const vs of s.virtualServers) m.sample('keepalived_virtual_server_up', vs.quorumStateUp ? 1 : 0, { virtual_server: vs.label });
  m.family('keepalived_real_server_up', 'gauge', 'Whether the real server passes its checks (is in the IPVS table with its weight)');
  for (const vs of s.virtualServers) for (const rs of vs.realServers) m.sample('keepalived_real_server_up', rs.alive ? 1 : 0, { virtual_server: vs.label, real_server: realServerName(vs, rs) });
  m.family('keepalived_real_server_weight', 'gauge', 'The real server\'s weight in IPVS now: its effective weight (dynamic checks change it) while up, 0 when down');
  for (const vs of s.virtualServers) for (const rs of vs.realServers) m.sample('keepalived_real_server_weight', rs.alive ? rs.effectiveWeight : 0, { virtual_server: vs.label, real_server: realServerName(vs, rs) });
  m.family('keepalived_checker_up', 'gauge', 'Whether one checker of a real server passes');
  for (const k of s.checkers) m.sample('keepalived_checker_up', k.up ? 1 : 0, { virtual_server: k.vsLabel, real_server: k.rsLabel, kind: k.kind.type });

  const kinds = [...c.metrics.byKind].sort(([a], [b]) => a.localeCompare(b));
  m.family('keepalived_check_duration_seconds', 'histogram', 'How long checks take, by checker kind');
  for (const [kind, k] of kinds) m.histogram('keepalived_check_duration_seconds', k.duration.bounds, k.duration.cumulative(), k.duration.sum, k.duration.count, { kind });
  m.family('keepalived_checks_total', 'counter', 'Checks run, by checker kind and result');
  for (const [kind, k] of kinds) {
    m.sample('keepalived_checks_total', k.succeeded, { kind, result: 'success' });
    m.sample('keepalived_checks_total', k.failed, { kind, result: 'failure' });
  }
  m.family('keepalived_check_failures_total', 'counter', 'Failed checks, by checker kind and reason class');
  for (const [kind, k] of kinds) for (const [reason, n] of [...k.failures].sort(([a], [b]) => a.localeCompare(b))) m.sample('keepalived_check_failures_total', n, { kind, reason });
  const l = c.metrics.lateness;
  m.family('keepalived_check_start_lateness_seconds', 'histogram', 'How late checks start against their schedule');
  m.histogram('keepalived_check_start_lateness_seconds', l.bounds, l.cumulative(), l.sum, l.count);
  m.family('keepalived_checker_pool_checkers', 'gauge', 'Checkers scheduled in the pool').sample('keepalived_checker_pool_checkers', c.pool.jobs);
  m.family('keepalived_checker_pool_in_flight', 'gauge', 'Checks running now').sample('keepalived_checker_pool_in_flight', c.pool.inFlight);
  m.family('keepalived_checker_pool_waiting', 'gauge', 'Checks due and waiting for a free slot').sample('keepalived_checker_pool_waiting', c.pool.waiting);
  m.family('keepalived_checker_pool_limit', 'gauge', 'Checks allowed in flight now (back-pressure lowers it)').sample('keepalived_checker_pool_limit', c.pool.limit);

  m.family('keepalived_ipvs_syncs_total', 'counter', 'Reconciliations of the IPVS table: full (a dump of the kernel\'s table) or partial (health changes)');
  m.sample('keepalived_ipvs_syncs_total', c.ipvs.fullSyncs, { type: 'full' });
  m.sample('keepalived_ipvs_syncs_total', c.ipvs.partialSyncs, { type: 'partial' });
  m.family('keepalived_ipvs_operations_total', 'counter', 'IPVS operations the kernel took, by kind');
  for (const [op, n] of Object.entries(c.ipvs.applied)) m.sample('keepalived_ipvs_operations_total', n, { op });
  m.family('keepalived_ipvs_operations_refused_total', 'counter', 'IPVS operations the kernel refused: retried after re-reading the table, or failed for good');
  m.sample('keepalived_ipvs_operations_refused_total', c.ipvs.refusedRetried, { outcome: 'retried' });
  m.sample('keepalived_ipvs_operations_refused_total', c.ipvs.refused, { outcome: 'failed' });
}

function processSeries(m: Exposition, p: ProcessFacts): void {
  m.family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds').sample('process_cpu_user_seconds_total', p.cpuUserSeconds);
  m.family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds').sample('process_cpu_system_seconds_total', p.cpuSystemSeconds);
  m.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds').sample('process_cpu_seconds_total', p.cpuUserSeconds + p.cpuSystemSeconds);
  m.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds').sample('process_start_time_seconds', p.startTimeSeconds);
  m.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes').sample('process_resident_memory_bytes', p.residentMemoryBytes);
  m.family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use in bytes').sample('nodejs_heap_used_bytes', p.heapUsedBytes);
  if (p.openFds !== null) m.family('process_open_fds', 'gauge', 'Number of open file descriptors').sample('process_open_fds', p.openFds);
  if (p.maxFds !== null) m.family('process_max_fds', 'gauge', 'Maximum number of open file descriptors').sample('process_max_fds', p.maxFds);
  if (p.eventLoopDelayP99Seconds !== null) {
    m.family('nodejs_eventloop_delay_p99_seconds', 'gauge', '99th percentile of the event loop\'s delay over the last 10 s').sample('nodejs_eventloop_delay_p99_seconds', p.eventLoopDelayP99Seconds);
  }
}

export function formatMetrics(input: MetricsInput): string {
  const m = new Exposition();
  m.family('keepalived_up', 'gauge', 'Status').sample('keepalived_up', 1);
  m.family('keepalived_build_info', 'gauge', 'keepalived-ts version (always 1)').sample('keepalived_build_info', 1, { version: input.version });
  if (input.vrrp) vrrpSeries(m, input.snapshot);
  if (input.vrrp && input.vrrpDrops) dropSeries(m, input.snapshot, input.vrrpDrops);
  if (input.checkers) checkerSeries(m, input.snapshot, input.checkers);
  processSeries(m, input.process);
  return m.text();
}
