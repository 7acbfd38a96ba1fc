/**
 * What keepalived checks and derives once the whole file is read, for VRRP (keepalived:
 * vrrp/vrrp.c `vrrp_complete_init()`, `chk_min_cfg()`, `vrrp_complete_instance()`,
 * vrrp/vrrp_sync.c `vrrp_sync_set_group()`). keepalived stops at the first check that makes the
 * configuration unusable; so do we. Reported without a line, as keepalived does.
 */
import type { KeepalivedConfig } from '../model.js';
import type { Parser } from '../parser.js';
import { Grade } from '../diagnostics.js';
import { compareIp, isLinkLocal, parseIp, withoutPrefixLength } from '../address.js';
import type { VrrpInstance } from '../keywords/vrrp-instance.js';
import type { SyncGroup } from '../keywords/vrrp-sync-group.js';
import { disableTrackScripts, scriptPass } from './script-security.js';

const Unlocated = null;

function error(p: Parser, message: string, grade: Grade = Grade.GeneralError): void {
  p.report(grade, message, Unlocated);
}

function checkMinimum(v: VrrpInstance, p: Parser): boolean {
  if (v.virtual_router_id === 0) {
    error(p, `(${v.name}) the virtual router id must be set`);
    return false;
  }
  // keepalived 2.2.7 means to let a unicast instance go without an interface here, but it tests
  // its unicast flag before vrrp_complete_instance() sets it: every instance needs one
  if (v.interface === undefined) {
    error(p, `(${v.name}) Unknown interface!`);
    return false;
  }
  return true;
}

/** Resolves sync-group members; returns the group each instance belongs to. */
function completeSyncGroups(config: KeepalivedConfig, p: Parser): Map<string, SyncGroup> {
  const memberOf = new Map<string, SyncGroup>();
  const kept: SyncGroup[] = [];
  for (const g of config.vrrp_sync_group) {
    if (g.group.length === 0) {
      error(p, `Sync group ${g.name} has no virtual router(s). removing`);
      continue;
    }
    const members: string[] = [];
    for (const name of g.group) {
      const v = config.vrrp_instance.find((i) => i.name === name);
      if (!v) {
        error(p, `Virtual router ${name} specified in sync group ${g.name} doesn't exist - ignoring`);
        continue;
      }
      if (memberOf.has(name)) {
        error(p, `Virtual router ${name} cannot exist in more than one sync group; ignoring ${g.name}`);
        continue;
      }
      members.push(name);
    }
    if (members.length === 0) {
      error(p, `Sync group ${g.name}, no matching virtual router found in group declaration - removing`);
      continue;
    }
    const owners = members.map((m) => config.vrrp_instance.find((i) => i.name === m)!).map((v) => v.priority === 255);
    if (owners.some((o) => o) && owners.some((o) => !o)) {
      error(p, `Sync group ${g.name} has some member(s) as address owner and some not as address owner. This won't work.`);
    }
    if (members.length === 1) error(p, `Sync group ${g.name} has only 1 virtual router(s) - this probably isn't what you want`);
    for (const m of members) memberOf.set(m, g);
    kept.push(g);
  }
  return memberOf;
}

function completeInstance(config: KeepalivedConfig, v: VrrpInstance, sync: SyncGroup | undefined, p: Parser): boolean {
  const g = config.global_defs;
  v.strict_mode ??= g.vrrp_strict;
  if (v.family === 'inet6') {
    if (v.version === 2 && v.strict_mode) {
      error(p, `(${v.name}) cannot use IPv6 with VRRP version 2; setting version 3`);
      v.version = 3;
    } else v.version ??= 3;
  }
  v.family ??= 'inet';
  v.version ??= g.vrrp_version;

  if (v.virtual_ipaddress.length === 0 && (v.version === 3 || v.strict_mode)) {
    error(p, `(${v.name}) No VIP specified; at least one is required`);
    return false;
  }
  if (v.priority === 0) v.priority = v.state === 'MASTER' ? 255 : 100;
  if (v.state === undefined) v.state = v.priority === 255 ? 'MASTER' : 'BACKUP';
  else if (v.strict_mode && (v.state === 'MASTER') !== (v.priority === 255)) {
    error(p, `(${v.name}) State MASTER must match being address owner`);
    v.state = v.priority === 255 ? 'MASTER' : 'BACKUP';
  }

  const auth = v.authentication;
  if (auth?.auth_type !== undefined) {
    if (v.strict_mode) error(p, `(${v.name}) Strict mode does not support authentication. Ignoring.`);
    else if (v.version === 3) error(p, `(${v.name}) VRRP version 3 does not support authentication. Ignoring.`);
    else if (!auth.auth_pass) error(p, `(${v.name}) Authentication specified but no password given. Ignoring`);
    else if (v.family === 'inet6' && auth.auth_type === 'AH') error(p, `(${v.name}) Cannot use AH authentication with IPv6. ignoring`);
    else if (auth.auth_type === 'AH' && v.state === 'MASTER' && v.priority !== 255) {
      error(p, `(${v.name}) Initial state master is incompatible with AH authentication - clearing`);
      v.state = 'BACKUP';
    }
  }

  const unicast = v.unicast_peer.length > 0;
  // keepalived 2.2.7 also tests "strict mode with unicast peers on a multicast interface" here,
  // but before it marks the instance unicast (a few lines on), so the test never fires: no error
  // unreachable with keepalived 2.2.7's order (checkMinimum() refuses every instance without an
  // interface); kept for the later versions that let unicast instances omit it
  if (v.interface === undefined) {
    const src = v.unicast_src_ip ?? v.mcast_src_ip;
    if (src === undefined) {
      error(p, `(${v.name}): Unicast instances must have unicast_src_ip or interface`);
      return false;
    }
    const a = parseIp(src);
    if (v.family === 'inet6' && a && isLinkLocal(a)) {
      error(p, `(${v.name}) Non link-local address required if interface omitted`);
      return false;
    }
  }
  if (v.unicast_configured && !unicast && !v.unicast_fault_no_peer) {
    error(
      p,
      `(${v.name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`,
      Grade.Deprecated,
    );
  }
  if (v.family === 'inet6' && v.virtual_ipaddress.length > 0 && !v.native_ipv6 && v.version === 2) {
    const first = parseIp(v.virtual_ipaddress[0]!.address);
    if (first && !isLinkLocal(first) && v.strict_mode) error(p, `(${v.name}) the first IPv6 VIP address must be link local`);
  }
  if (v.priority === 255 && v.nopreempt) {
    error(p, `(${v.name}) nopreempt is incompatible with priority 255. resetting nopreempt`);
    v.nopreempt = false;
  }
  if (v.state === 'MASTER') {
    if (v.nopreempt) {
      error(p, `(${v.name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      v.nopreempt = false;
    }
    if (v.preempt_delay) {
      error(p, `(${v.name}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      v.preempt_delay = 0;
    }
  }
  if (v.preempt_delay) {
    if (v.strict_mode) {
      error(p, `(${v.name}) preempt_delay is incompatible with strict mode - resetting`);
      v.preempt_delay = 0;
    }
    if (v.nopreempt) {
      error(p, `(${v.name}) preempt_delay is incompatible with nopreempt mode - resetting`);
      v.preempt_delay = 0;
    }
  }
  if (v.down_timer_adverts !== undefined && v.down_timer_adverts !== 3 && v.strict_mode) {
    error(p, `(${v.name}) down_timer_adverts is incompatible with strict mode - resetting`);
    v.down_timer_adverts = 3;
  }
  // keepalived: accept defaults on for an address owner, else to the opposite of strict mode; a
  // non-owner VRRPv2 instance in strict mode cannot have it (RFC 3768)
  v.accept ??= v.priority === 255 ? true : !v.strict_mode;
  if (v.accept && v.priority !== 255 && v.strict_mode && v.version === 2) {
    error(p, `(${v.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
    v.accept = false;
  }
  if (v.mcast_dst_ip !== undefined && unicast) error(p, `(${v.name}) multicast destination specified with unicast - ignoring`);

  // Defaults inherited from global_defs (keepalived fills them during completion).
  v.garp_master_delay ??= g.vrrp_garp_master_delay;
  v.garp_master_repeat ??= g.vrrp_garp_master_repeat;
  v.garp_master_refresh ??= g.vrrp_garp_master_refresh;
  v.garp_master_refresh_repeat ??= g.vrrp_garp_master_refresh_repeat;
  v.garp_lower_prio_delay ??= g.vrrp_garp_lower_prio_delay ?? v.garp_master_delay;
  v.garp_lower_prio_repeat ??= g.vrrp_garp_lower_prio_repeat ?? v.garp_master_repeat;
  v.lower_prio_no_advert ??= g.vrrp_lower_prio_no_advert;
  v.higher_prio_send_advert ??= g.vrrp_higher_prio_send_advert;
  v.down_timer_adverts ??= g.vrrp_down_timer_adverts;
  v.smtp_alert ??= sync?.smtp_alert ?? g.smtp_alert_vrrp ?? g.smtp_alert ?? false;
  v.notify_priority_changes ??= sync?.notify_priority_changes ?? g.vrrp_notify_priority_changes;
  if (v.strict_mode) {
    if (v.garp_master_repeat > 1 && v.garp_master_refresh_repeat > 1) error(p, `(${v.name}) Strict mode requires no repeat garps. Resetting.`);
    if (v.lower_prio_no_advert === false && v.strict_mode) v.lower_prio_no_advert = true;
  }

  const centis = Math.round(v.advert_int * 100);
  if (v.version === 2) {
    if (centis >= 25600) {
      error(p, `(${v.name}) VRRPv2 advertisement interval ${v.advert_int.toFixed(2)}s is out of range. Must be less than 256s. Setting to 255s`);
      v.advert_int = 255;
    } else if (centis % 100) {
      error(p, `(${v.name}) VRRPv2 advertisement interval ${v.advert_int.toFixed(6)}s must be an integer. rounding`);
      v.advert_int = Math.max(1, Math.round(v.advert_int));
    }
  } else if (centis >= 4096) {
    error(p, `(${v.name}) VRRPv3 advertisement interval ${v.advert_int.toFixed(2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
    v.advert_int = 40.95;
  }

  if (v.use_vmac !== undefined || v.use_ipvlan !== undefined) {
    if (v.use_vmac !== undefined && v.strict_mode && v.vmac_xmit_base) {
      error(p, `(${v.name}) xmit_base is incompatible with strict mode - resetting`);
      v.vmac_xmit_base = false;
    }
    if (v.promote_secondaries) {
      error(p, `(${v.name}) promote_secondaries is automatically set for vmacs - ignoring`);
      v.promote_secondaries = false;
    }
  }
  if (v.use_ipvlan !== undefined && v.family === 'inet' && v.use_ipvlan.address === undefined) {
    error(p, `(${v.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`);
  }
  if (v.interface !== undefined) {
    // the instance's own interface is tracked anyway; naming it is reported and dropped
    const own = v.track_interface.findIndex((t) => t.name === v.interface);
    if (own >= 0) {
      error(p, `(${v.name}) Ignoring track_interface ${v.interface} since own interface`);
      v.track_interface.splice(own, 1);
    }
  }
  if (v.vmac_xmit_base && v.use_vmac === undefined) {
    error(p, `(${v.name}) vmac_xmit_base is only valid with a vmac`);
    v.vmac_xmit_base = false;
  }

  for (const list of [v.virtual_ipaddress, v.virtual_ipaddress_excluded]) {
    for (let i = list.length - 1; i >= 0; i--) {
      const a = list[i]!;
      a.dev ??= v.interface;
      if (a.dev === undefined) {
        error(p, `(${v.name}): no interface for ${list === v.virtual_ipaddress ? '' : 'e'}vip ${a.address} - removing`);
        list.splice(i, 1);
      }
    }
  }
  if (v.virtual_ipaddress.length === 0) {
    if (v.version === 3 || v.family === 'inet6' || v.strict_mode) {
      error(p, `(${v.name}) No VIP specified; at least one is required`);
      return false;
    }
    error(p, `(${v.name}) No VIP specified; at least one is sensible`, Grade.Warning);
  }

  const noSyncWeight = sync !== undefined && !sync.sync_group_tracking_weight;
  if (noSyncWeight || v.priority === 255) {
    const why = noSyncWeight ? 'SYNC group' : 'address owner';
    for (const t of v.track_interface) {
      if (t.weight) error(p, `(${v.name}) ignoring ${t.name} tracked interface ${noSyncWeight ? 'weight ' : ''}due to ${why}`);
    }
    if (noSyncWeight) for (const t of v.track_interface) t.weight = 0;
    else v.track_interface = v.track_interface.filter((t) => !t.weight);
    v.track_script = v.track_script.filter((t) => {
      const weight = t.weight ?? config.vrrp_script.find((s) => s.name === t.name)?.weight ?? 0;
      if (weight) error(p, `(${v.name}) ignoring tracked script ${t.name} with weights due to ${noSyncWeight ? 'SYNC group' : 'address_owner'}`);
      return !weight;
    });
    v.track_file = v.track_file.filter((t) => {
      const weight = t.weight ?? config.track_file.find((f) => f.name === t.name)?.weight ?? 1;
      if (weight === 1) {
        error(p, `(${v.name}) ignoring weight from tracked file ${t.name} due to ${noSyncWeight ? 'SYNC group' : 'address_owner'}. specify weight 0`);
        t.weight = 0;
        return true;
      }
      if (weight) error(p, `(${v.name}) ignoring tracked file ${t.name} with weight ${weight} due to ${noSyncWeight ? 'SYNC group' : 'address_owner'}`);
      return !weight;
    });
    v.track_bfd = v.track_bfd.filter((t) => {
      const weight = t.weight ?? config.bfd_instance.find((b) => b.name === t.name)?.weight ?? 0;
      if (weight) error(p, `(${v.name}) ignoring tracked bfd ${t.name} with weight ${weight} due to ${noSyncWeight ? 'SYNC group' : 'address_owner'}`);
      return !weight;
    });
  }
  return true;
}

/**
 * The interface an instance sends on, as keepalived's `vrrp->ifp` after completion: a
 * `use_vmac`/`use_ipvlan` instance gets an interface of its own (a named one is shared by every
 * instance naming it), others the configured interface; none without `interface`.
 */
function sendingInterface(v: VrrpInstance, index: number): string | null {
  if (v.interface === undefined) return null;
  if (!hasOwnInterface(v)) return `if:${v.interface}`;
  const name = v.use_vmac?.name ?? v.use_ipvlan?.name;
  return name === undefined ? `new:${index}` : `if:${name}`;
}

/** keepalived creates the instance's interface (a vmac or ipvlan), without an address at first. */
function hasOwnInterface(v: VrrpInstance): boolean {
  return v.use_vmac !== undefined || v.use_ipvlan !== undefined;
}

/** The source address given in the file (keepalived's VRRP_FLAG_SADDR_FROM_CONFIG), if any. */
function configuredSource(v: VrrpInstance): string | undefined {
  const ipvlan = v.use_ipvlan?.address;
  return v.unicast_src_ip ?? v.mcast_src_ip ?? (ipvlan === undefined ? undefined : withoutPrefixLength(ipvlan));
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return x !== null && y !== null ? x.family === y.family && compareIp(x, y) === 0 : a === b;
}

/**
 * keepalived's check_vrid_conflicts() (vrrp/vrrp.c), over every pair in file order; each
 * conflict is reported, and any stops the VRRP checks there.
 * - Unicast and multicast instances are separate VRID spaces.
 * - Unicast instances clash only on the same sending interface (or when one has none), with
 *   the same known source address, and with a unicast peer in common; with other peers they
 *   may share a VRID. An interface's own address is taken as known and the same for both (the
 *   host's addresses are not read here; keepalived skips the pair when the interface has none).
 * - Multicast instances clash on the same base interface with the same multicast group,
 *   reported only when that interface exists.
 */
function vridConflicts(config: KeepalivedConfig, p: Parser): boolean {
  const g = config.global_defs;
  const list = config.vrrp_instance;
  const group = (v: VrrpInstance): string => v.mcast_dst_ip ?? (v.family === 'inet6' ? g.vrrp_mcast_group6 : g.vrrp_mcast_group4);
  let conflict = false;
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    for (let j = i + 1; j < list.length; j++) {
      const b = list[j]!;
      if (a.family !== b.family || a.virtual_router_id !== b.virtual_router_id) continue;
      const unicast = a.unicast_peer.length > 0;
      if (unicast !== b.unicast_peer.length > 0) continue;
      if (unicast) {
        const ifA = sendingInterface(a, i);
        const ifB = sendingInterface(b, j);
        if (ifA !== null && ifB !== null && ifA !== ifB) continue;
        const srcA = configuredSource(a);
        const srcB = configuredSource(b);
        // a vmac/ipvlan interface has no address yet: the source is not known
        if ((srcA === undefined && hasOwnInterface(a)) || (srcB === undefined && hasOwnInterface(b))) continue;
        if (srcA !== undefined && srcB !== undefined ? !sameAddress(srcA, srcB) : srcA !== srcB) continue;
        if (!a.unicast_peer.some((x) => b.unicast_peer.some((y) => sameAddress(x.address, y.address)))) continue;
        error(p, `(${a.name}) duplicate VRID conflict with ${b.name} VRID ${a.virtual_router_id}`);
        conflict = true;
        continue;
      }
      if (a.interface === undefined || a.interface !== b.interface) continue;
      if (!sameAddress(group(a), group(b))) continue;
      const exists = p.host.interfaces === null || p.host.interfaces.has(a.interface);
      if (!exists) continue;
      error(p, `${a.name} and ${b.name} both use VRID ${a.virtual_router_id} with IPv${a.family === 'inet6' ? 6 : 4} on interface ${a.interface}`);
      conflict = true;
    }
  }
  return conflict;
}

export function completeVrrp(config: KeepalivedConfig, p: Parser): void {
  if (p.missingInterface) {
    // keepalived's VRRP process stops here (vrrp_daemon.c start_vrrp()): none of its later checks
    // run, not even the security check of its scripts
    error(p, 'Non-existent interface specified in configuration', Grade.BadInterface);
    for (const s of [...p.scripts]) if (scriptPass(s.keyword) === 'vrrp') p.forgetScript(s.spec);
    return;
  }
  // keepalived does not start its VRRP side at all without an instance.
  if (config.vrrp_instance.length === 0) return;
  // keepalived checks (and disables) the vrrp_scripts first (vrrp_complete_init)
  disableTrackScripts(config, p);
  for (const v of config.vrrp_instance) if (!checkMinimum(v, p)) return;
  const memberOf = completeSyncGroups(config, p);
  for (const v of config.vrrp_instance) if (!completeInstance(config, v, memberOf.get(v.name), p)) return;
  if (vridConflicts(config, p)) return;

  // What follows keepalived does only when it runs: vrrp_complete_init() returns before it under
  // -t (CONFIG_TEST_BIT), so `keepalived -t` never reports these; the daemon logs them at start.
  const logOnly = (message: string): void => error(p, message, Grade.Info);
  const sync = config.global_defs.lvs_sync_daemon;
  if (sync?.vrrp_instance !== undefined) {
    const v = config.vrrp_instance.find((i) => i.name === sync.vrrp_instance);
    if (!v) {
      logOnly(`Unable to find vrrp instance ${sync.vrrp_instance} for lvs_syncd - clearing lvs_syncd config`);
      delete config.global_defs.lvs_sync_daemon;
    } else sync.id ??= v.virtual_router_id;
  }

  const used = new Set<string>();
  for (const owner of [...config.vrrp_instance, ...config.vrrp_sync_group]) for (const t of owner.track_script) used.add(t.name);
  config.vrrp_script = config.vrrp_script.filter((s) => {
    if (!used.has(s.name)) logOnly(`Warning - script ${s.name} is not used`);
    return used.has(s.name);
  });
}
