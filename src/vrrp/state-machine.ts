/**
 * The VRRP state machine of one instance (RFC 3768 §6.4, RFC 5798 §6.4, RFC 9568), with
 * keepalived's choices where the RFCs leave room. Pure: events and the time come in, actions
 * go out; it opens no socket and reads no clock. Times are integer microseconds from any origin.
 *
 * The driver calls `handle(event, now)` for each event and, whenever `nextDeadline()` is not
 * null, delivers `{ type: 'timer' }` at that time.
 */

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export const PriorityOwner = 255;
export const PriorityStop = 0;

export interface InstanceTimingConfig {
  version: 2 | 3;
  /** Configured priority, 1..255 (255 = address owner). */
  priority: number;
  /** Configured advert interval, µs. */
  advertIntervalUs: number;
  /** keepalived's `nopreempt` false, the RFC's Preempt_Mode. */
  preempt: boolean;
  /** `preempt_delay`, µs (0 = none). */
  preemptDelayUs: number;
  /** Our primary (source) address, for breaking equal-priority ties. */
  primaryAddress: Uint8Array;
  /** Configured initial state: only an owner that wants MASTER starts as MASTER. */
  wantMaster: boolean;
  /** `down_timer_adverts` (3). */
  downTimerAdverts: number;
  /** `garp_master_delay` µs (0 = no second burst), `garp_master_repeat`, `garp_master_refresh` µs, `garp_master_refresh_repeat`. */
  garpMasterDelayUs: number;
  garpMasterRepeat: number;
  garpMasterRefreshUs: number;
  garpMasterRefreshRepeat: number;
  /** Do not answer a lower-priority advert with one of ours (keepalived `lower_prio_no_advert`). */
  lowerPrioNoAdvert: boolean;
  /** Send an advert before yielding to a higher-priority master (`higher_prio_send_advert`). */
  higherPrioSendAdvert: boolean;
}

export type VrrpEvent =
  | { type: 'startup' }
  | { type: 'timer' }
  /** A valid advertisement for this instance (VRID, version, authentication already checked). */
  | { type: 'advert'; from: Uint8Array; priority: number; intervalUs: number }
  /** A cause of FAULT began; `quiet` causes (an unweighted script without a result yet) enter FAULT without notification. */
  | { type: 'fault'; reason: string; quiet?: boolean }
  /** One fault is over (`reason` as given to 'fault'); without a reason, all of them. */
  | { type: 'fault-cleared'; reason?: string }
  /** Effective priority from tracking (never applied to an owner). */
  | { type: 'priority'; effective: number }
  | { type: 'shutdown' };

/** Events a sync group sends to its members (keepalived vrrp_sync.c). */
export type SyncEvent =
  /** Every member wants MASTER: become MASTER now. */
  | { type: 'sync-master' }
  /** A member left MASTER for BACKUP: leave MASTER too (no priority-0 advert). */
  | { type: 'sync-backup' };

/** What an instance in a sync group asks its group before becoming MASTER. */
export interface SyncGate {
  canBecomeMaster(machine: VrrpStateMachine): boolean;
}

export type VrrpAction =
  | { type: 'send-advert'; priority: number }
  | { type: 'add-addresses' }
  | { type: 'remove-addresses' }
  /** Send `repeat` rounds of gratuitous ARP / unsolicited NA for every virtual address. */
  | { type: 'send-gratuitous'; repeat: number }
  /** A state change; `quiet` ones are neither logged nor notified (keepalived's init FAULT while scripts have no result). */
  | { type: 'state'; from: VrrpState; to: VrrpState; priority: number; reason: string; quiet?: boolean }
  /** The effective priority changed (for notify_priority_changes). */
  | { type: 'priority'; from: number; to: number }
  /** A member of a sync group whose down timer expired waits for the others to want MASTER too. */
  | { type: 'want-master' }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

/** RFC 3768 §6.1 / RFC 5798 §6.1 Skew_Time in µs, as keepalived computes it. */
export function skewTimeUs(version: 2 | 3, priority: number, masterAdverIntervalUs: number): number {
  if (version === 2) return Math.floor(((256 - priority) * 1_000_000) / 256);
  return Math.floor(((256 - priority) * Math.floor(masterAdverIntervalUs / 10_000) * 625) / 16);
}

/** Master_Down_Interval in µs. */
export function masterDownIntervalUs(version: 2 | 3, downTimerAdverts: number, priority: number, masterAdverIntervalUs: number): number {
  return downTimerAdverts * masterAdverIntervalUs + skewTimeUs(version, priority, masterAdverIntervalUs);
}

function compareAddresses(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export class VrrpStateMachine {
  #state: VrrpState = 'INIT';
  #effective: number;
  /** Master_Adver_Interval: ours when master; the master's (v3) when backup. */
  #masterAdverIntervalUs: number;
  /** The running Master_Down timer (BACKUP) or Adver timer (MASTER). */
  #timerAt: number | null = null;
  /** When a lower-priority master may be preempted (preempt_delay), or null. */
  #preemptAt: number | null = null;
  #garpDelayAt: number | null = null;
  #garpRefreshAt: number | null = null;
  /** Causes of FAULT, each quiet or not. */
  #faultReasons = new Map<string, boolean>();
  /** keepalived's wantstate MASTER: the down timer expired but the sync group held us back. */
  #wantMaster = false;

  #config: InstanceTimingConfig;
  #gate: SyncGate | null;

  /** @param gate the sync group's say on becoming MASTER (none outside a group) */
  constructor(config: InstanceTimingConfig, gate: SyncGate | null = null) {
    this.#config = config;
    this.#gate = gate;
    this.#effective = config.priority;
    this.#masterAdverIntervalUs = config.advertIntervalUs;
  }

  get config(): InstanceTimingConfig {
    return this.#config;
  }
  get gate(): SyncGate | null {
    return this.#gate;
  }

  /**
   * A reload changed the instance's configuration (its identity kept): the state, the running
   * timers and the counters stay. An owner's priority is 255 from now on; a MASTER's new
   * advert interval applies from its next advert (sooner if the new one is shorter); a
   * refresh interval is re-armed. Tracking then sets the effective priority (a 'priority' event).
   */
  reconfigure(config: InstanceTimingConfig, gate: SyncGate | null, now: number): VrrpAction[] {
    const before = this.#config;
    this.#config = config;
    this.#gate = gate;
    const out: VrrpAction[] = [];
    if (config.priority === PriorityOwner && this.#effective !== PriorityOwner) this.#forcePriority(PriorityOwner, now, out);
    else if (before.priority === PriorityOwner && config.priority !== PriorityOwner) this.#forcePriority(config.priority, now, out);
    if (before.advertIntervalUs !== config.advertIntervalUs) {
      if (this.#state === 'MASTER') {
        this.#masterAdverIntervalUs = config.advertIntervalUs;
        if (this.#timerAt !== null && this.#timerAt > now + config.advertIntervalUs) this.#timerAt = now + config.advertIntervalUs;
      } else if (this.#state === 'BACKUP' && config.version === 2) {
        // VRRPv2 times the master's absence by its own advert_int; from the next advert on
        this.#masterAdverIntervalUs = config.advertIntervalUs;
      }
    }
    if (this.#state === 'MASTER' && before.garpMasterRefreshUs !== config.garpMasterRefreshUs) {
      this.#garpRefreshAt = config.garpMasterRefreshUs > 0 ? now + config.garpMasterRefreshUs : null;
    }
    if (!config.preempt) this.#preemptAt = null;
    return out;
  }

  #forcePriority(to: number, now: number, out: VrrpAction[]): void {
    const before = this.#effective;
    this.#effective = to;
    out.push({ type: 'log', level: 'info', message: `Changing effective priority from ${before} to ${to}` });
    out.push({ type: 'priority', from: before, to });
    if (this.#state === 'MASTER') {
      out.push({ type: 'send-advert', priority: to });
      this.#timerAt = now + this.#config.advertIntervalUs;
    }
  }

  get state(): VrrpState {
    return this.#state;
  }
  get effectivePriority(): number {
    return this.#effective;
  }
  get masterAdverIntervalUs(): number {
    return this.#masterAdverIntervalUs;
  }
  get isOwner(): boolean {
    return this.config.priority === PriorityOwner;
  }
  /** MASTER, or BACKUP with a down timer that expired (sync groups). */
  get wantsMaster(): boolean {
    return this.#state === 'MASTER' || (this.#state === 'BACKUP' && this.#wantMaster);
  }
  get faultReasons(): string[] {
    return [...this.#faultReasons.keys()];
  }

  nextDeadline(): number | null {
    let next = this.#timerAt;
    for (const t of [this.#garpDelayAt, this.#garpRefreshAt]) if (t !== null && (next === null || t < next)) next = t;
    return next;
  }

  handle(event: VrrpEvent | SyncEvent, now: number): VrrpAction[] {
    const out: VrrpAction[] = [];
    switch (event.type) {
      case 'sync-master':
        if (this.#state === 'BACKUP') this.#becomeMaster(now, 'sync group', out);
        break;
      case 'sync-backup':
        if (this.#state === 'MASTER') {
          this.#leaveMaster(out);
          this.#enterBackup(now, 'sync group', out);
        }
        break;
      case 'startup':
        this.#startup(now, out);
        break;
      case 'timer':
        this.#timer(now, out);
        break;
      case 'advert':
        if (this.#state === 'BACKUP') this.#backupReceive(event, now, out);
        else if (this.#state === 'MASTER') this.#masterReceive(event, now, out);
        break;
      case 'fault':
        this.#fault(event.reason, event.quiet === true, out);
        break;
      case 'fault-cleared':
        this.#faultCleared(event.reason, now, out);
        break;
      case 'priority':
        this.#setPriority(event.effective, now, out);
        break;
      case 'shutdown':
        this.#shutdown(out);
        break;
    }
    return out;
  }

  #downInterval(): number {
    return masterDownIntervalUs(this.config.version, this.config.downTimerAdverts, this.#effective, this.#masterAdverIntervalUs);
  }

  #setState(to: VrrpState, reason: string, out: VrrpAction[], quiet = false): void {
    const from = this.#state;
    this.#state = to;
    out.push({ type: 'state', from, to, priority: this.#effective, reason, ...(quiet ? { quiet } : {}) });
  }

  #allFaultsQuiet(): boolean {
    for (const quiet of this.#faultReasons.values()) if (!quiet) return false;
    return true;
  }

  #startup(now: number, out: VrrpAction[]): void {
    if (this.#state !== 'INIT') return;
    // keepalived never assumes it holds an address at start
    out.push({ type: 'remove-addresses' });
    if (this.#faultReasons.size > 0) {
      this.#setState('FAULT', this.faultReasons.join(', '), out, this.#allFaultsQuiet());
      return;
    }
    if (this.isOwner && this.config.wantMaster) {
      this.#becomeMaster(now, 'address owner (priority 255)', out);
      return;
    }
    this.#enterBackup(now, 'init', out);
  }

  #enterBackup(now: number, reason: string, out: VrrpAction[]): void {
    this.#masterAdverIntervalUs = this.config.advertIntervalUs;
    this.#wantMaster = false;
    this.#preemptAt = null;
    this.#garpDelayAt = null;
    this.#garpRefreshAt = null;
    this.#setState('BACKUP', reason, out);
    this.#timerAt = now + this.#downInterval();
  }

  #becomeMaster(now: number, reason: string, out: VrrpAction[]): void {
    this.#masterAdverIntervalUs = this.config.advertIntervalUs;
    this.#wantMaster = false;
    // the advert goes first, so that the old master drops the addresses at once
    out.push({ type: 'send-advert', priority: this.#effective });
    out.push({ type: 'add-addresses' });
    out.push({ type: 'send-gratuitous', repeat: this.config.garpMasterRepeat });
    this.#garpDelayAt = this.config.garpMasterDelayUs > 0 ? now + this.config.garpMasterDelayUs : null;
    this.#garpRefreshAt = this.config.garpMasterRefreshUs > 0 ? now + this.config.garpMasterRefreshUs : null;
    this.#preemptAt = null;
    this.#setState('MASTER', reason, out);
    this.#timerAt = now + this.config.advertIntervalUs;
  }

  #leaveMaster(out: VrrpAction[]): void {
    out.push({ type: 'remove-addresses' });
    this.#garpDelayAt = null;
    this.#garpRefreshAt = null;
  }

  #timer(now: number, out: VrrpAction[]): void {
    if (this.#state === 'MASTER') {
      if (this.#garpDelayAt !== null && now >= this.#garpDelayAt) {
        this.#garpDelayAt = null;
        out.push({ type: 'send-gratuitous', repeat: this.config.garpMasterRepeat });
      }
      if (this.#garpRefreshAt !== null && now >= this.#garpRefreshAt) {
        this.#garpRefreshAt = now + this.config.garpMasterRefreshUs;
        out.push({ type: 'send-gratuitous', repeat: this.config.garpMasterRefreshRepeat });
      }
      if (this.#timerAt !== null && now >= this.#timerAt) {
        out.push({ type: 'send-advert', priority: this.#effective });
        // keep to the schedule rather than drift by each wake-up's lateness
        this.#timerAt += this.config.advertIntervalUs;
        if (this.#timerAt <= now) this.#timerAt = now + this.config.advertIntervalUs;
      }
    } else if (this.#state === 'BACKUP') {
      if (this.#timerAt !== null && now >= this.#timerAt) this.#downTimerExpired(now, out);
    }
  }

  /** keepalived vrrp_state_goto_master(): a sync group member waits until every member wants MASTER. */
  #downTimerExpired(now: number, out: VrrpAction[]): void {
    if (this.#gate && !this.#gate.canBecomeMaster(this)) {
      this.#wantMaster = true;
      this.#timerAt = now + this.#downInterval();
      out.push({ type: 'want-master' });
      return;
    }
    this.#becomeMaster(now, 'master down timer expired', out);
  }

  #backupReceive(a: Extract<VrrpEvent, { type: 'advert' }>, now: number, out: VrrpAction[]): void {
    if (a.priority === PriorityStop) {
      // the master is leaving: take over after Skew_Time only
      this.#timerAt = now + skewTimeUs(this.config.version, this.#effective, this.#masterAdverIntervalUs);
      out.push({ type: 'log', level: 'info', message: 'received priority 0 advert: master stepping down' });
      return;
    }
    const higherOrEqual = a.priority >= this.#effective;
    if (higherOrEqual) this.#preemptAt = null;
    else if (this.config.preempt && this.config.preemptDelayUs > 0 && this.#preemptAt === null) {
      this.#preemptAt = now + this.config.preemptDelayUs;
    }
    const delaying = this.#preemptAt !== null && now < this.#preemptAt;
    if (!this.config.preempt || higherOrEqual || delaying) {
      this.#wantMaster = false;
      if (this.config.version === 3) this.#masterAdverIntervalUs = a.intervalUs;
      this.#timerAt = now + this.#downInterval();
      return;
    }
    out.push({ type: 'log', level: 'info', message: `received lower priority (${a.priority}) advert - discarding` });
  }

  #masterReceive(a: Extract<VrrpEvent, { type: 'advert' }>, now: number, out: VrrpAction[]): void {
    if (a.priority === PriorityStop) {
      out.push({ type: 'send-advert', priority: this.#effective });
      this.#timerAt = now + this.config.advertIntervalUs;
      return;
    }
    const theirsHigher =
      a.priority > this.#effective || (a.priority === this.#effective && compareAddresses(a.from, this.config.primaryAddress) > 0);
    if (theirsHigher) {
      if (this.config.higherPrioSendAdvert) out.push({ type: 'send-advert', priority: this.#effective });
      this.#leaveMaster(out);
      this.#enterBackup(now, `received higher priority advert (${a.priority})`, out);
      if (this.config.version === 3) {
        this.#masterAdverIntervalUs = a.intervalUs;
        this.#timerAt = now + this.#downInterval();
      }
      return;
    }
    if (!this.config.lowerPrioNoAdvert) {
      // RFC 9568 §6.4.3: answer at once so that the lower-priority router yields
      out.push({ type: 'send-advert', priority: this.#effective });
      this.#timerAt = now + this.config.advertIntervalUs;
    }
    out.push({ type: 'log', level: 'info', message: `received lower priority (${a.priority}) advert - forcing new election` });
  }

  #fault(reason: string, quiet: boolean, out: VrrpAction[]): void {
    const wasQuiet = this.#faultReasons.size > 0 && this.#allFaultsQuiet();
    if (this.#faultReasons.get(reason) === quiet) return;
    this.#faultReasons.set(reason, quiet);
    if (this.#state === 'INIT' || this.#state === 'STOP') return;
    if (this.#state === 'FAULT') {
      // a quiet FAULT (scripts without a result) becomes a real one: notify it now
      if (wasQuiet && !quiet) this.#setState('FAULT', reason, out);
      return;
    }
    if (this.#state === 'MASTER') {
      out.push({ type: 'send-advert', priority: PriorityStop });
      this.#leaveMaster(out);
    }
    this.#timerAt = null;
    this.#preemptAt = null;
    this.#wantMaster = false;
    this.#setState('FAULT', reason, out, quiet);
  }

  #faultCleared(reason: string | undefined, now: number, out: VrrpAction[]): void {
    if (this.#faultReasons.size === 0) return;
    if (reason === undefined) this.#faultReasons.clear();
    else this.#faultReasons.delete(reason);
    if (this.#faultReasons.size > 0 || this.#state !== 'FAULT') return;
    if (this.isOwner && this.config.wantMaster) this.#becomeMaster(now, 'fault cleared (address owner)', out);
    else this.#enterBackup(now, 'fault cleared', out);
  }

  #setPriority(effective: number, now: number, out: VrrpAction[]): void {
    if (this.isOwner) return;
    const clamped = Math.max(1, Math.min(254, effective));
    if (clamped === this.#effective) return;
    const before = this.#effective;
    this.#effective = clamped;
    out.push({ type: 'log', level: 'info', message: `Changing effective priority from ${before} to ${clamped}` });
    out.push({ type: 'priority', from: before, to: clamped });
    if (this.#state === 'MASTER') {
      // the new priority goes out at once rather than at the next advert
      out.push({ type: 'send-advert', priority: clamped });
      this.#timerAt = now + this.config.advertIntervalUs;
    }
    if (this.#state === 'BACKUP' && this.#timerAt !== null) {
      // move the running down timer by the change in Skew_Time (keepalived)
      const v = this.config.version;
      this.#timerAt += skewTimeUs(v, clamped, this.#masterAdverIntervalUs) - skewTimeUs(v, before, this.#masterAdverIntervalUs);
      if (this.#timerAt < now) this.#timerAt = now;
    }
  }

  #shutdown(out: VrrpAction[]): void {
    if (this.#state === 'STOP') return;
    if (this.#state === 'MASTER') {
      out.push({ type: 'send-advert', priority: PriorityStop });
      this.#leaveMaster(out);
    }
    this.#timerAt = null;
    this.#preemptAt = null;
    this.#garpDelayAt = null;
    this.#garpRefreshAt = null;
    this.#setState('STOP', 'shutdown', out);
  }
}
