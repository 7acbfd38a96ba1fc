/**
 * The status document (GET /status, the control socket) from the same DumpSnapshot as the
 * dump files, plus what only the running daemon knows: an instance's fault reasons and each
 * checker's last result. Pure: data in, document out.
 */
import type { DumpInstance, DumpSnapshot, DumpState } from '../dump/snapshot.js';
import type { CheckerStatus } from '../check/checkers.js';
import { realServerName } from './metrics.js';
import type { InstanceStatusView, StatusDocument, StatusState, TrackedStatusView, VirtualServerStatusView } from './status-model.js';

export interface StatusInput {
  readonly version: string;
  readonly pid: number;
  /** ms since the epoch. */
  readonly startedAtMs: number;
  readonly nowMs: number;
  readonly subsystems: { readonly vrrp: boolean; readonly checkers: boolean };
  readonly snapshot: DumpSnapshot;
  /** Fault reasons by instance name (VrrpDaemon.status()). */
  readonly faults: ReadonlyMap<string, readonly string[]>;
  /** The checkers' last results (CheckerDaemon.status().checkers). */
  readonly checkers: readonly CheckerStatus[];
  /** IPVS services programmed per virtual server name (IpvsController.desired's origins). */
  readonly services: ReadonlyMap<string, number>;
}

const statusState = (s: DumpState): StatusState => (s === 'DELETED' ? 'STOP' : s);
const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

function vipOf(line: string, fallbackInterface: string | undefined): { address: string; interface: string } {
  const words = line.trim().split(' ');
  return { address: words[0] ?? '', interface: words[1] === 'dev' ? words[2] ?? '' : fallbackInterface ?? '' };
}

const errorNames: readonly [keyof DumpInstance['stats'], string][] = [
  ['packetLenErr', 'packet_len_err'],
  ['advertIntervalErr', 'advert_interval_err'],
  ['ipTtlErr', 'ip_ttl_err'],
  ['invalidTypeRcvd', 'invalid_type_rcvd'],
  ['addrListErr', 'addr_list_err'],
  ['invalidAuthtype', 'invalid_authtype'],
  ['authtypeMismatch', 'authtype_mismatch'],
  ['authFailure', 'auth_failure'],
];

function tracked(i: DumpInstance, s: DumpSnapshot): TrackedStatusView[] {
  const out: TrackedStatusView[] = [];
  for (const t of i.trackInterfaces) {
    const f = s.interfaces.find((x) => x.name === t.name);
    out.push({ kind: 'interface', name: t.name, weight: t.weight, reverse: t.reverse, state: f ? (f.seenUp ? 'up' : 'down') : 'unknown' });
  }
  for (const t of i.trackScripts) {
    const sc = s.scripts.find((x) => x.name === t.name);
    out.push({ kind: 'script', name: t.name, weight: t.weight, reverse: t.reverse, state: sc ? (sc.result >= sc.rise ? 'up' : 'down') : 'unknown' });
  }
  for (const t of i.trackFiles) {
    const f = s.trackFiles.find((x) => x.name === t.name);
    out.push({ kind: 'file', name: t.name, weight: t.weight, reverse: t.reverse, state: f ? 'value' : 'unknown', ...(f ? { value: f.status } : {}) });
  }
  for (const t of i.trackProcesses) {
    const p = s.trackProcesses.find((x) => x.name === t.name);
    out.push({ kind: 'process', name: t.name, weight: t.weight, reverse: t.reverse, state: p ? (p.haveQuorum ? 'up' : 'down') : 'unknown' });
  }
  return out;
}

function instanceView(i: DumpInstance, s: DumpSnapshot, faults: readonly string[]): InstanceStatusView {
  return {
    name: i.name,
    interface: i.interface ?? null,
    vrid: i.vrid,
    family: i.family,
    version: i.version,
    state: statusState(i.state),
    want_state: statusState(i.wantState),
    priority: { base: i.basePriority, effective: i.effectivePriority },
    master: i.masterAddress === null ? { address: null, priority: null } : { address: i.masterAddress, priority: i.masterPriority },
    last_transition: iso(i.lastTransitionUs),
    sync_group: i.syncGroup ?? null,
    vips: i.vips.map((l) => vipOf(l, i.interface)),
    excluded_vips: i.evips.map((l) => vipOf(l, i.interface)),
    faults: [...faults],
    tracked: tracked(i, s),
    counters: {
      adverts_sent: i.stats.advertSent,
      adverts_received: i.stats.advertRcvd,
      become_master: i.stats.becomeMaster,
      release_master: i.stats.releaseMaster,
      priority_zero_sent: i.stats.priZeroSent,
      priority_zero_received: i.stats.priZeroRcvd,
      errors: Object.fromEntries(errorNames.map(([k, name]) => [name, i.stats[k]])),
    },
  };
}

function virtualServers(s: DumpSnapshot, checkers: readonly CheckerStatus[], services: ReadonlyMap<string, number>): VirtualServerStatusView[] {
  // one pass over the checkers: by virtual server, then real server
  const byRs = new Map<string, CheckerStatus[]>();
  for (const c of checkers) {
    const key = `${c.virtual_server} ${c.real_server}`;
    const list = byRs.get(key);
    if (list) list.push(c);
    else byRs.set(key, [c]);
  }
  return s.virtualServers.map((vs) => ({
    name: vs.label,
    services: services.get(vs.label) ?? 0,
    scheduler: vs.scheduler || null,
    quorum_up: vs.quorumStateUp,
    real_servers: vs.realServers.map((rs) => {
      const name = realServerName(vs, rs);
      return {
        name,
        alive: rs.alive,
        weight: rs.alive ? rs.effectiveWeight : 0,
        checks: (byRs.get(`${vs.label} ${name}`) ?? []).map((c) => ({ kind: c.checker, up: c.up, last_result: c.last ?? null })),
      };
    }),
  }));
}

export function buildStatus(input: StatusInput): StatusDocument {
  const s = input.snapshot;
  return {
    version: input.version,
    pid: input.pid,
    started_at: new Date(input.startedAtMs).toISOString(),
    uptime_seconds: Math.max(0, Math.round((input.nowMs - input.startedAtMs) / 1000)),
    subsystems: input.subsystems,
    vrrp_instances: s.instances.map((i) => instanceView(i, s, input.faults.get(i.name) ?? [])),
    vrrp_sync_groups: s.syncGroups.map((g) => ({ name: g.name, state: statusState(g.state), members: [...g.members] })),
    virtual_servers: virtualServers(s, input.checkers, input.services),
  };
}
