/**
 * The VRRP side of a DumpSnapshot: instances, socket pool, sync groups, trackers and
 * interfaces, from the configuration, the resolved model and the running daemon's runners.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { TrackedObject, VrrpInstance } from '../config/keywords/vrrp-instance.js';
import type { TrackLists } from '../config/keywords/vrrp-instance-lists.js';
import type { ScriptSpec } from '../config/parser.js';
import type { FileStatus } from '../track/file-tracker.js';
import type { TrackedProcessStatus } from '../track/process-tracker.js';
import type { ScriptStatus } from '../track/script-tracker.js';
import type { VrrpInstanceRunner } from '../vrrp/instance-runner.js';
import type { ResolvedVrrp, TrackRef } from '../vrrp/resolve.js';
import { masterDownIntervalUs, type VrrpStateMachine } from '../vrrp/state-machine.js';
import { errorCounters } from './keepalived-stats.js';
import { formatIpAddress } from './text.js';
import { addressText, type CollectContext } from './collect-context.js';
import type {
  DumpInstance,
  DumpNotifyScripts,
  DumpScript,
  DumpSocket,
  DumpState,
  DumpSyncGroup,
  DumpTrackFile,
  DumpTrackProcess,
  DumpTrackRef,
  DumpTracking,
} from './snapshot.js';

/** The members of a VrrpInstanceRunner the dump reads. */
export type RunnerView = Pick<VrrpInstanceRunner, 'config' | 'state' | 'sent' | 'received' | 'transitions' | 'iface' | 'tracking'> & {
  readonly machine: Pick<VrrpStateMachine, 'effectivePriority' | 'masterAdverIntervalUs' | 'wantsMaster' | 'faultReasons' | 'nextDeadline'>;
  readonly drops: ReadonlyMap<string, number>;
};

/** The members of a VrrpDaemon the dump reads. */
export interface VrrpView {
  readonly model: ResolvedVrrp;
  readonly runners: readonly RunnerView[];
  groupStatus(): { name: string; state: string; members: string[] }[];
  trackers(): { scripts: unknown[]; files: unknown[]; processes: unknown[] };
}

/** Run-time facts keepalived prints that the daemon does not expose (yet); each optional. */
export interface DumpRuntime {
  /** Wall-clock µs of the instance's last state change (see TransitionLog). */
  lastTransitionUs?(instance: string): number | undefined;
  /** The last master heard: source address and priority. */
  master?(instance: string): { address: string; priority: number } | undefined;
  /** Priority-0 adverts received. */
  priorityZeroReceived?(instance: string): number | undefined;
  /** Wall-clock µs the daemon started (last_transition before any change). */
  startedAtUs?: number;
}

export interface VrrpClock {
  /** Wall clock, µs since the epoch. */
  nowUs(): number;
  /** The clock of the state machines' deadlines (monotonicUs() in the daemon). */
  monotonicUs(): number;
}

const dumpState = (s: string): DumpState => (s === 'INIT' || s === 'BACKUP' || s === 'MASTER' || s === 'FAULT' || s === 'STOP' || s === 'DELETED' ? s : 'INIT');

const refOf = (r: TrackRef): DumpTrackRef => ({ name: r.name, weight: r.weight, reverse: r.multiplier === -1 });

function notifyOf(ctx: CollectContext, n: Partial<Record<'notify_backup' | 'notify_master' | 'notify_fault' | 'notify_stop' | 'notify', ScriptSpec>> & { notify_deleted?: ScriptSpec | true; notify_master_rx_lower_pri?: ScriptSpec }): DumpNotifyScripts {
  const cmd = (s: ScriptSpec | true | undefined) => (s === undefined || s === true ? undefined : ctx.command(s));
  const out = {
    backup: cmd(n.notify_backup),
    master: cmd(n.notify_master),
    fault: cmd(n.notify_fault),
    stop: cmd(n.notify_stop),
    deleted: cmd(n.notify_deleted),
    generic: cmd(n.notify),
    masterRxLowerPri: cmd(n.notify_master_rx_lower_pri),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as DumpNotifyScripts;
}

export class VrrpCollector {
  readonly #scripts: ScriptStatus[];
  readonly #files: FileStatus[];
  readonly #processes: TrackedProcessStatus[];

  constructor(
    readonly config: KeepalivedConfig,
    readonly view: VrrpView,
    readonly ctx: CollectContext,
    readonly clock: VrrpClock,
    readonly runtime: DumpRuntime,
  ) {
    const t = view.trackers();
    this.#scripts = t.scripts as ScriptStatus[];
    this.#files = t.files as FileStatus[];
    this.#processes = t.processes as TrackedProcessStatus[];
  }

  #source(r: RunnerView): string | undefined {
    const bytes = r.config.source ?? r.iface?.primaryAddress ?? null;
    return bytes && bytes.some((b) => b !== 0) ? addressText(bytes) : undefined;
  }

  #configOf(r: RunnerView): VrrpInstance | undefined {
    const byId = this.config.vrrp_instance[r.config.id];
    return byId?.name === r.config.name ? byId : this.config.vrrp_instance.find((v) => v.name === r.config.name);
  }

  instance(r: RunnerView): DumpInstance {
    const c = r.config;
    const v = this.#configOf(r);
    const g = this.config.global_defs;
    const t = c.timing;
    const name = c.name;
    const state = dumpState(r.state);
    const unicast = c.unicastPeers.length > 0;
    const strict = v?.strict_mode ?? g.vrrp_strict;
    const skipCheck = (v?.skip_check_adv_addr ?? false) || g.vrrp_skip_check_adv_addr;
    const sourceFromConfig = c.source !== undefined;
    const hasFlags =
      unicast ||
      (v?.unicast_configured ?? false) ||
      (v?.unicast_fault_no_peer ?? false) ||
      c.dontTrackPrimary ||
      (v?.linkbeat_use_polling ?? false) ||
      skipCheck ||
      sourceFromConfig ||
      (v?.track_src_ip ?? false) ||
      c.checkUnicastSource ||
      (v?.promote_secondaries ?? false) ||
      !t.preempt ||
      v?.use_vmac !== undefined ||
      v?.use_ipvlan !== undefined;
    const deadline = r.machine.nextDeadline();
    const master = this.runtime.master?.(name);
    const set = state === 'MASTER';
    const iface = c.interface;
    const scripts = c.tracks.filter((x) => x.kind === 'script');
    const effective = r.machine.effectivePriority;
    const drops = errorCounters(r.drops);
    const old = v?.old_unicast_checksum;
    return {
      name,
      version: t.version,
      ...(c.syncGroup !== null ? { syncGroup: this.view.model.syncGroups[c.syncGroup]?.name ?? '' } : {}),
      family: c.family,
      state,
      masterAddress: master?.address ?? null,
      masterPriority: master?.priority ?? 0,
      masterAdverIntUs: r.machine.masterAdverIntervalUs,
      hasFlags,
      unicast,
      unicastConfiguredOnly: !unicast && (v?.unicast_configured ?? false),
      unicastFaultNoPeers: v?.unicast_fault_no_peer ?? false,
      wantState: state === 'MASTER' || r.machine.wantsMaster ? 'MASTER' : state === 'FAULT' || state === 'STOP' ? 'BACKUP' : state,
      configFaults: 0,
      interfaceScriptFaults: r.machine.faultReasons.length,
      scriptsInit: scripts.filter((x) => x.kind === 'script' && this.#scripts.find((s) => s.id === x.id)?.state === 'init').length,
      lastTransitionUs: this.runtime.lastTransitionUs?.(name) ?? this.runtime.startedAtUs ?? this.clock.nowUs(),
      readTimeoutUs: deadline === null ? null : this.clock.nowUs() + (deadline - this.clock.monotonicUs()),
      masterDownTimerUs: masterDownIntervalUs(t.version, t.downTimerAdverts, effective, r.machine.masterAdverIntervalUs),
      ...(iface !== undefined ? { interface: iface } : {}),
      dontTrackPrimary: c.dontTrackPrimary,
      skipCheckAdvAddr: skipCheck,
      strict,
      ...(this.#source(r) !== undefined ? { sourceAddress: this.#source(r)! } : {}),
      sourceFromConfig,
      multicastGroup: addressText(c.group),
      garpDelay: t.garpMasterDelayUs / 1e6,
      garpRepeat: t.garpMasterRepeat,
      garpRefresh: t.garpMasterRefreshUs / 1e6,
      garpRefreshRepeat: t.garpMasterRefreshRepeat,
      garpLowerPrioDelay: v?.garp_lower_prio_delay ?? g.vrrp_garp_lower_prio_delay ?? t.garpMasterDelayUs / 1e6,
      garpLowerPrioRepeat: v?.garp_lower_prio_repeat ?? g.vrrp_garp_lower_prio_repeat ?? t.garpMasterRepeat,
      downTimerAdverts: t.downTimerAdverts,
      lowerPrioNoAdvert: t.lowerPrioNoAdvert,
      higherPrioSendAdvert: t.higherPrioSendAdvert,
      vrid: c.vrid,
      basePriority: t.priority,
      effectivePriority: effective,
      totalPriority: r.tracking?.total ?? effective,
      advertIntUs: t.advertIntervalUs,
      accept: v?.accept ?? !strict,
      nopreempt: !t.preempt,
      preemptDelay: t.preemptDelayUs / 1e6,
      promoteSecondaries: v?.promote_secondaries ?? false,
      auth: c.auth.type === 'pass' ? { type: 'pass', password: c.auth.password } : c.auth.type === 'ah' ? { type: 'ah' } : { type: 'none' },
      kernelRxBufSize: v?.kernel_rx_buf_size ?? 0,
      debug: v?.debug ?? 0,
      vips: c.vips.map((a) => formatIpAddress(a, iface, set)),
      evips: c.excludedVips.map((a) => formatIpAddress(a, iface, set)),
      vipSet: set,
      unicastTtl: unicast ? (c.unicastTtl ?? 255) : -1,
      checkUnicastSrc: c.checkUnicastSource,
      unicastPeers: c.unicastPeers.map((p) => ({ address: addressText(p.address), minTtl: p.minTtl ?? 0, maxTtl: p.maxTtl ?? 255 })),
      unicastChecksumCompat: old === 'config' ? 'config' : old === 'never' ? 'never' : 'no',
      // descriptors are keepalived's own; ours are not exposed
      sockets: r.iface ? { fdIn: -1, fdOut: -1 } : null,
      vroutes: [],
      vrules: [],
      trackInterfaces: c.tracks.filter((x) => x.kind === 'interface').map(refOf),
      trackScripts: scripts.map(refOf),
      trackScriptCommands: scripts.map((x) => {
        const s = x.kind === 'interface' ? undefined : this.view.model.scripts[x.id];
        return s?.args.length ? this.ctx.command({ command: s.args.join(' '), args: [...s.args] }).args : [];
      }),
      trackFiles: c.tracks.filter((x) => x.kind === 'file').map(refOf),
      trackProcesses: c.tracks.filter((x) => x.kind === 'process').map(refOf),
      smtpAlert: v?.smtp_alert ?? g.smtp_alert_vrrp ?? g.smtp_alert ?? false,
      notifyDeleted: v?.notify_deleted !== undefined,
      notify: v ? notifyOf(this.ctx, v) : {},
      notifyPriorityChanges: c.notifyPriorityChanges,
      stats: {
        advertRcvd: r.received.adverts,
        advertSent: r.sent.adverts,
        becomeMaster: r.transitions.becomeMaster,
        releaseMaster: r.transitions.releaseMaster,
        ...drops,
        priZeroRcvd: this.runtime.priorityZeroReceived?.(name) ?? 0,
        priZeroSent: r.sent.priorityZero,
      },
    };
  }

  /**
   * keepalived's socket pool: one socket per interface, family and unicast source, its
   * instances by VRID. Our daemon shares one port per interface; the dump shows keepalived's.
   */
  sockets(instances: readonly DumpInstance[]): DumpSocket[] {
    const pool = new Map<string, { s: Omit<DumpSocket, 'instances'>; members: { name: string; vrid: number }[] }>();
    for (const i of instances) {
      if (i.interface === undefined || i.sockets === null) continue;
      const src = i.unicast ? i.sourceAddress ?? '' : undefined;
      const key = `${i.interface}/${i.family}/${src ?? 'multicast'}`;
      let entry = pool.get(key);
      if (!entry) {
        entry = { s: { fdIn: i.sockets.fdIn, fdOut: i.sockets.fdOut, interface: i.interface, family: i.family, ...(src !== undefined ? { unicastSource: src } : {}), rxBufSize: 0 }, members: [] };
        pool.set(key, entry);
      }
      entry.members.push({ name: i.name, vrid: i.vrid });
    }
    return [...pool.values()].map((e) => ({ ...e.s, instances: e.members.sort((a, b) => a.vrid - b.vrid) }));
  }

  #groupRefs(lists: TrackLists): { interfaces: DumpTrackRef[]; scripts: DumpTrackRef[]; files: DumpTrackRef[]; processes: DumpTrackRef[] } {
    const obj = (t: TrackedObject, def: { weight: number; weight_reverse: boolean } | undefined): DumpTrackRef => ({
      name: t.name,
      weight: t.weight ?? def?.weight ?? 0,
      reverse: t.weight_reverse || (def?.weight_reverse ?? false),
    });
    const c = this.config;
    return {
      interfaces: lists.track_interface.map((t) => ({ name: t.name, weight: t.weight, reverse: t.weight_reverse })),
      scripts: lists.track_script.map((t) => obj(t, c.vrrp_script.find((s) => s.name === t.name))),
      files: lists.track_file.map((t) => obj(t, c.track_file.find((s) => s.name === t.name))),
      processes: lists.track_process.map((t) => obj(t, c.vrrp_track_process.find((s) => s.name === t.name))),
    };
  }

  syncGroups(instances: readonly DumpInstance[]): DumpSyncGroup[] {
    const g = this.config.global_defs;
    return this.view.groupStatus().map((st) => {
      const cfg = this.config.vrrp_sync_group.find((x) => x.name === st.name);
      const members = instances.filter((i) => st.members.includes(i.name));
      const refs = cfg ? this.#groupRefs(cfg) : { interfaces: [], scripts: [], files: [], processes: [] };
      return {
        name: st.name,
        state: dumpState(st.state),
        numMemberFault: members.filter((i) => i.state === 'FAULT').length,
        numMemberInit: members.filter((i) => i.state === 'INIT').length,
        members: st.members,
        trackingWeight: cfg?.sync_group_tracking_weight ?? false,
        smtpAlert: cfg?.smtp_alert ?? g.smtp_alert_vrrp ?? g.smtp_alert ?? false,
        ...(cfg?.notify_priority_changes !== undefined ? { notifyPriorityChanges: cfg.notify_priority_changes } : {}),
        trackInterfaces: refs.interfaces,
        trackScripts: refs.scripts,
        trackFiles: refs.files,
        trackProcesses: refs.processes,
        notify: cfg ? notifyOf(this.ctx, cfg) : {},
      };
    });
  }

  /** The instances tracking object `id` of `kind`, with their weights. */
  #trackers(kind: TrackRef['kind'], id: number): DumpTracking[] {
    const out: DumpTracking[] = [];
    for (const r of this.view.runners) {
      for (const t of r.config.tracks) {
        if (t.kind === kind && t.kind !== 'interface' && t.id === id) out.push({ instance: r.config.name, weight: t.weight, reverse: t.multiplier === -1 });
      }
    }
    return out;
  }

  scripts(): DumpScript[] {
    const out: DumpScript[] = [];
    for (const s of this.view.model.scripts) {
      const tracking = this.#trackers('script', s.id);
      if (tracking.length === 0) continue;
      const st = this.#scripts.find((x) => x.id === s.id);
      const state = st?.state ?? 'init';
      // keepalived's rise/fall counter as it stands after a steady verdict
      const result = state === 'ok' ? s.rise + s.fall - 1 : state === 'init' ? (s.initFail ? 0 : s.rise - 1) : 0;
      out.push({
        name: s.name,
        command: this.ctx.command({ command: s.args.join(' '), args: [...s.args] }, s.user),
        interval: s.intervalUs / 1e6,
        timeout: s.timeoutUs / 1e6,
        weight: s.weight,
        reverse: s.reverse,
        rise: s.rise,
        fall: s.fall,
        result,
        insecure: s.insecure,
        initState: state === 'init' ? (s.initFail ? 'INIT/FAILED' : 'INIT') : 'unknown',
        tracking,
        running: st?.running ? 'running' : 'idle',
      });
    }
    return out;
  }

  trackFiles(): DumpTrackFile[] {
    return this.view.model.files
      .map((f) => ({ f, tracking: this.#trackers('file', f.id) }))
      .filter((x) => x.tracking.length > 0)
      .map(({ f, tracking }) => {
        const st = this.#files.find((x) => x.id === f.id);
        return { name: f.name, path: st?.path ?? f.path, status: st?.value ?? 0, weight: f.weight, reverse: f.reverse, tracking };
      });
  }

  trackProcesses(): DumpTrackProcess[] {
    return this.view.model.processes
      .map((p) => ({ p, tracking: this.#trackers('process', p.id) }))
      .filter((x) => x.tracking.length > 0)
      .map(({ p, tracking }) => {
        const st = this.#processes.find((x) => x.id === p.id);
        const match = p.paramMatch ?? (p.params?.length ? 'exact' : undefined);
        return {
          name: p.name,
          process: p.process,
          ...(p.params?.length ? { params: p.params.join(' ') } : {}),
          ...(match !== undefined ? { paramMatch: match } : {}),
          quorum: p.quorum,
          ...(p.quorumMax < Number.MAX_SAFE_INTEGER ? { quorumMax: p.quorumMax } : {}),
          current: st?.count ?? 0,
          haveQuorum: st?.up ?? false,
          weight: p.weight,
          reverse: p.reverse,
          terminateDelay: p.terminateDelayUs / 1e6,
          forkDelay: p.forkDelayUs / 1e6,
          forkTimerRunning: false,
          terminateTimerRunning: false,
          fullCommand: p.fullCommand,
          tracking,
        };
      });
  }
}
