/**
 * The VRRP runtime model: what the engine runs, resolved once from the parsed configuration.
 * Read-only, stable ids (the index of each object in its configuration list), times in µs,
 * addresses as bytes, global defaults applied, tracking lists merged (sync group entries added
 * to their members, weights cleared as keepalived clears them). Pure: no host access.
 *
 * keepalived does the same work in vrrp_complete_instance() and sync_group_tracking_init()
 * (vrrp.c); the warnings it prints there are reported by `keepalived-ts -t` from
 * src/config/validate/, so this module only applies their effect.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { IpAddressEntry } from '../config/keywords/ip-address.js';
import type { TrackedInterface, TrackedObject, VrrpInstance } from '../config/keywords/vrrp-instance.js';
import type { TrackLists } from '../config/keywords/vrrp-instance-lists.js';
import type { SyncGroup } from '../config/keywords/vrrp-sync-group.js';
import { parseIp, withoutPrefixLength } from '../config/address.js';
import { notifyScriptsOf, type NotifyScripts } from '../notify/vrrp-notify.js';
import type { ResolvedScript, ResolvedTrackFile, ResolvedTrackProcess } from '../track/types.js';
import { PriorityOwner, type InstanceTimingConfig } from './state-machine.js';

const Us = 1_000_000;

/** One tracked object as an instance sees it: weight and multiplier (-1 for `reverse`) resolved. */
export type TrackRef =
  | { readonly kind: 'interface'; readonly name: string; readonly weight: number; readonly multiplier: 1 | -1 }
  | { readonly kind: 'script' | 'file' | 'process' | 'bfd'; readonly id: number; readonly name: string; readonly weight: number; readonly multiplier: 1 | -1 };

export type ResolvedNotify = NotifyScripts;

export interface UnicastPeerAddress {
  readonly address: Uint8Array;
  readonly minTtl?: number;
  readonly maxTtl?: number;
}

export interface ResolvedInstance {
  readonly id: number;
  readonly name: string;
  readonly family: 'inet' | 'inet6';
  /** The interface configured (present on the host or not). */
  readonly interface?: string;
  readonly vrid: number;
  readonly timing: InstanceTimingConfig;
  readonly auth: { readonly type: 'none' } | { readonly type: 'pass'; readonly password: string } | { readonly type: 'ah'; readonly password: string };
  /** `unicast_src_ip` / `mcast_src_ip` (prefix length dropped), else the interface's primary address. */
  readonly source?: Uint8Array;
  /** The multicast group adverts go to and are received on (`mcast_dst_ip`, else the global group). */
  readonly group: Uint8Array;
  readonly unicastPeers: readonly UnicastPeerAddress[];
  readonly unicastTtl?: number;
  readonly checkUnicastSource: boolean;
  readonly checksumAsV2: boolean;
  readonly vips: readonly IpAddressEntry[];
  readonly excludedVips: readonly IpAddressEntry[];
  readonly dontTrackPrimary: boolean;
  readonly notify: ResolvedNotify;
  readonly notifyPriorityChanges: boolean;
  /** Sync group id, or null. */
  readonly syncGroup: number | null;
  /** Everything the instance tracks: its own entries, then its sync group's. */
  readonly tracks: readonly TrackRef[];
}

export interface ResolvedSyncGroup {
  readonly id: number;
  readonly name: string;
  readonly members: readonly number[];
  readonly notify: ResolvedNotify;
}

export interface ResolvedVrrp {
  readonly instances: readonly ResolvedInstance[];
  readonly syncGroups: readonly ResolvedSyncGroup[];
  readonly scripts: readonly ResolvedScript[];
  readonly files: readonly ResolvedTrackFile[];
  readonly processes: readonly ResolvedTrackProcess[];
  /** Global settings the engine reads. */
  readonly fifos: readonly string[];
  readonly scriptUser?: { readonly user: string; readonly group?: string };
  readonly garpIntervalUs: number;
  /** `fifo_write_vrrp_states_on_reload`: states written to the FIFOs again after a reload. */
  readonly fifoStatesOnReload: boolean;
}

function bytes(text: string): Uint8Array {
  const a = parseIp(withoutPrefixLength(text));
  if (!a) throw new Error(`not an address: ${text}`);
  return new Uint8Array(a.bytes);
}

export function timingOf(v: VrrpInstance, c: KeepalivedConfig, primary: Uint8Array): InstanceTimingConfig {
  const g = c.global_defs;
  return {
    version: v.version ?? g.vrrp_version,
    priority: v.priority,
    advertIntervalUs: Math.round(v.advert_int * Us),
    preempt: !v.nopreempt,
    preemptDelayUs: Math.round(v.preempt_delay * Us),
    primaryAddress: primary,
    wantMaster: v.state === 'MASTER',
    downTimerAdverts: v.down_timer_adverts ?? g.vrrp_down_timer_adverts,
    garpMasterDelayUs: Math.round((v.garp_master_delay ?? g.vrrp_garp_master_delay) * Us),
    garpMasterRepeat: v.garp_master_repeat ?? g.vrrp_garp_master_repeat,
    garpMasterRefreshUs: Math.round((v.garp_master_refresh ?? g.vrrp_garp_master_refresh) * Us),
    garpMasterRefreshRepeat: v.garp_master_refresh_repeat ?? g.vrrp_garp_master_refresh_repeat,
    lowerPrioNoAdvert: v.lower_prio_no_advert ?? g.vrrp_lower_prio_no_advert,
    higherPrioSendAdvert: v.higher_prio_send_advert ?? g.vrrp_higher_prio_send_advert,
  };
}


const mult = (reverse: boolean): 1 | -1 => (reverse ? -1 : 1);

interface TrackDefaults {
  scripts: ReadonlyMap<string, ResolvedScript>;
  files: ReadonlyMap<string, ResolvedTrackFile>;
  processes: ReadonlyMap<string, ResolvedTrackProcess>;
  bfds: ReadonlyMap<string, number>;
}

/** A track_* entry's weight: its own when given (with its reverse), else the object's. */
function objectRef(
  kind: 'script' | 'file' | 'process' | 'bfd',
  t: TrackedObject,
  def: { id: number; weight: number; reverse: boolean },
): TrackRef {
  const weight = t.weight ?? def.weight;
  // the entry's `reverse` adds to the object's (keepalived's `noreverse` is not in the model)
  const reverse = t.weight_reverse || def.reverse;
  return { kind, id: def.id, name: t.name, weight, multiplier: mult(reverse) };
}

function listRefs(lists: TrackLists, d: TrackDefaults, ownInterface: string | undefined): TrackRef[] {
  const refs: TrackRef[] = [];
  for (const t of lists.track_interface as TrackedInterface[]) {
    // keepalived ignores tracking of the instance's own interface (it is tracked anyway)
    if (t.name === ownInterface) continue;
    refs.push({ kind: 'interface', name: t.name, weight: t.weight, multiplier: mult(t.weight_reverse) });
  }
  for (const t of lists.track_script) {
    const s = d.scripts.get(t.name);
    if (s) refs.push(objectRef('script', t, s));
  }
  for (const t of lists.track_file) {
    const f = d.files.get(t.name);
    if (f) refs.push(objectRef('file', t, f));
  }
  for (const t of lists.track_process) {
    const p = d.processes.get(t.name);
    if (p) refs.push(objectRef('process', t, p));
  }
  for (const t of lists.track_bfd) {
    const id = d.bfds.get(t.name);
    if (id !== undefined) refs.push(objectRef('bfd', t, { id, weight: 0, reverse: false }));
  }
  return refs;
}

/**
 * keepalived (vrrp_complete_instance): an address owner, or a member of a sync group without
 * `sync_group_tracking_weight`, cannot have floating priorities: weighted interfaces become
 * unweighted (owners stop tracking them), weighted scripts and bfds are dropped, files with the
 * default weight 1 become unweighted and other weighted files are dropped. Processes keep theirs.
 */
function withoutWeights(refs: TrackRef[], owner: boolean): TrackRef[] {
  const out: TrackRef[] = [];
  for (const r of refs) {
    if (r.weight === 0 || r.kind === 'process') out.push(r);
    else if (r.kind === 'interface') {
      if (!owner) out.push({ ...r, weight: 0 });
    } else if (r.kind === 'file' && r.weight === 1) out.push({ ...r, weight: 0 });
  }
  return out;
}

export function resolveVrrp(c: KeepalivedConfig): ResolvedVrrp {
  const g = c.global_defs;
  const scripts: ResolvedScript[] = c.vrrp_script.map((s, id) => ({
    id,
    name: s.name,
    args: s.script ? [...s.script.args] : [],
    // keepalived takes a vrrp_script's user from its `user` line only; words after `script` are ignored
    ...(s.user ? { user: s.user } : {}),
    intervalUs: Math.round(s.interval * Us),
    timeoutUs: Math.round((s.timeout ?? s.interval) * Us),
    rise: s.rise,
    fall: s.fall,
    insecure: s.script?.insecure === true,
    initFail: s.init_fail,
    weight: s.weight,
    reverse: s.weight_reverse,
  }));
  const files: ResolvedTrackFile[] = c.track_file.map((f, id) => ({
    id,
    name: f.name,
    path: f.file ?? '',
    weight: f.weight,
    reverse: f.weight_reverse,
    ...(f.init_file ? { initFile: { ...f.init_file } } : {}),
  }));
  const processes: ResolvedTrackProcess[] = c.vrrp_track_process.map((p, id) => ({
    id,
    name: p.name,
    process: p.process ?? '',
    ...(p.params ? { params: [...p.params] } : {}),
    ...(p.param_match ? { paramMatch: p.param_match } : {}),
    fullCommand: p.full_command,
    quorum: p.quorum,
    quorumMax: p.quorum_max ?? Number.MAX_SAFE_INTEGER,
    forkDelayUs: Math.round((p.fork_delay ?? 0) * Us),
    terminateDelayUs: Math.round((p.terminate_delay ?? 0) * Us),
    weight: p.weight,
    reverse: p.weight_reverse,
  }));
  const defaults: TrackDefaults = {
    scripts: new Map(scripts.map((s) => [s.name, s])),
    files: new Map(files.map((f) => [f.name, f])),
    processes: new Map(processes.map((p) => [p.name, p])),
    bfds: new Map(c.bfd_instance.map((b, i) => [b.name, i])),
  };

  const instanceIds = new Map(c.vrrp_instance.map((v, i) => [v.name, i]));
  const groupOf = new Map<number, { id: number; group: SyncGroup }>();
  const syncGroups: ResolvedSyncGroup[] = [];
  for (const group of c.vrrp_sync_group) {
    const members: number[] = [];
    for (const name of group.group) {
      const id = instanceIds.get(name);
      // keepalived: unknown members and members of an earlier group are ignored
      if (id === undefined || groupOf.has(id)) continue;
      members.push(id);
    }
    if (members.length === 0) continue;
    const id = syncGroups.length;
    for (const m of members) groupOf.set(m, { id, group });
    syncGroups.push({ id, name: group.name, members, notify: notifyScriptsOf(group) });
  }

  const instances: ResolvedInstance[] = c.vrrp_instance.map((v, id) => {
    const family = v.family ?? 'inet';
    const sync = groupOf.get(id);
    const owner = v.priority === PriorityOwner;
    let tracks = listRefs(v, defaults, v.interface);
    if (owner || (sync && !sync.group.sync_group_tracking_weight)) tracks = withoutWeights(tracks, owner);
    if (sync) {
      const groupHasOwner = syncGroups[sync.id]!.members.some((m) => c.vrrp_instance[m]!.priority === PriorityOwner);
      let groupRefs = listRefs(sync.group, defaults, undefined);
      if (groupHasOwner) groupRefs = groupRefs.map((r) => ({ ...r, weight: 0 }));
      tracks = [...tracks, ...groupRefs.filter((r) => !(r.kind === 'interface' && r.name === v.interface))];
    }
    const sourceText = v.unicast_src_ip ?? v.mcast_src_ip;
    const source = sourceText !== undefined ? bytes(sourceText) : undefined;
    const pass = v.authentication?.auth_pass ?? '';
    const version = v.version ?? g.vrrp_version;
    const auth: ResolvedInstance['auth'] =
      version !== 2 || !v.authentication?.auth_type
        ? { type: 'none' }
        : v.authentication.auth_type === 'PASS'
          ? { type: 'pass', password: pass }
          : { type: 'ah', password: pass };
    return {
      id,
      name: v.name,
      family,
      ...(v.interface !== undefined ? { interface: v.interface } : v.missing_interface !== undefined ? { interface: v.missing_interface } : {}),
      vrid: v.virtual_router_id,
      timing: timingOf(v, c, source ?? new Uint8Array(family === 'inet' ? 4 : 16)),
      auth,
      ...(source ? { source } : {}),
      group: bytes(v.mcast_dst_ip ?? (family === 'inet' ? g.vrrp_mcast_group4 : g.vrrp_mcast_group6)),
      unicastPeers: v.unicast_peer.map((p) => ({
        address: bytes(p.address),
        ...(p.min_ttl !== undefined ? { minTtl: p.min_ttl } : {}),
        ...(p.max_ttl !== undefined ? { maxTtl: p.max_ttl } : {}),
      })),
      ...(v.unicast_ttl !== undefined ? { unicastTtl: v.unicast_ttl } : {}),
      checkUnicastSource: v.check_unicast_src || g.vrrp_check_unicast_src,
      checksumAsV2: v.v3_checksum_as_v2 ?? g.v3_checksum_as_v2,
      vips: v.virtual_ipaddress,
      excludedVips: v.virtual_ipaddress_excluded,
      dontTrackPrimary: v.dont_track_primary,
      notify: notifyScriptsOf(v),
      notifyPriorityChanges: v.notify_priority_changes ?? sync?.group.notify_priority_changes ?? g.vrrp_notify_priority_changes,
      syncGroup: sync?.id ?? null,
      tracks,
    };
  });

  return {
    instances,
    syncGroups,
    scripts,
    files,
    processes,
    fifos: [g.notify_fifo, g.vrrp_notify_fifo].filter((f): f is string => f !== undefined),
    ...(g.script_user ? { scriptUser: g.script_user } : {}),
    garpIntervalUs: Math.round(g.vrrp_garp_interval * Us),
    fifoStatesOnReload: g.fifo_write_vrrp_states_on_reload,
  };
}
