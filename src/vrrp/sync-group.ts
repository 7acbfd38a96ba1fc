/**
 * A `vrrp_sync_group` at run time (keepalived vrrp_sync.c): its members move together.
 * - A member whose down timer expires becomes MASTER only when every other member wants MASTER
 *   too (vrrp_sync_can_goto_master); the last one to want it takes them all (vrrp_sync_master).
 * - A member that leaves MASTER for BACKUP takes the others out of MASTER (vrrp_sync_backup).
 * - A member in FAULT for a reason of its own puts the others in FAULT (vrrp_sync_fault) until
 *   no member has a fault of its own; then they all return to BACKUP.
 * The group's state is derived from its members' (FAULT if any is, else BACKUP if any is, else
 * MASTER) and announced once per change, after the members' own notifications: the group's
 * notify_<state>, `notify GROUP name STATE 0` and the FIFO line `GROUP "name" STATE 0`.
 *
 * It reacts to members' changes through the event hub, synchronously, so a whole group changes
 * state within one event; it is pure apart from the edges it is given.
 */
import type { EventHub, HubEvent } from '../events/hub.js';
import type { Logger } from '../log.js';
import { notification, type NotifyState } from '../notify/vrrp-notify.js';
import type { InstanceEdges, SyncMembership } from './instance-runner.js';
import type { ResolvedSyncGroup } from './resolve.js';
import type { SyncEvent, VrrpState, VrrpStateMachine } from './state-machine.js';
import { NotifyTimeoutMs, StopNotifyTimeoutMs } from './instance-runner.js';

/** What the group needs of a member runner. */
export interface SyncMember {
  readonly config: { readonly id: number; readonly name: string };
  readonly machine: VrrpStateMachine;
  readonly state: VrrpState;
  /** In FAULT for a reason of its own (not the group's). */
  readonly ownFault: boolean;
  sync(event: SyncEvent): void;
  groupFault(faulted: boolean, groupName: string): void;
}

export class SyncGroupRunner implements SyncMembership {
  #state: VrrpState = 'INIT';
  #members: SyncMember[] = [];
  #propagating = false;
  #faultedByGroup = false;
  readonly #unsubscribe: () => void;

  constructor(
    readonly group: ResolvedSyncGroup,
    private readonly edges: Pick<InstanceEdges, 'runScript' | 'writeFifo' | 'defer'>,
    private readonly log: Logger,
    private readonly hub: EventHub,
  ) {
    this.#unsubscribe = hub.subscribe((e) => this.#onEvent(e));
  }

  get state(): VrrpState {
    return this.#state;
  }

  get name(): string {
    return this.group.name;
  }

  /** The member runners (created after the group, since each needs the group as its gate). */
  attach(members: SyncMember[]): void {
    this.#members = members;
  }

  /**
   * After a reload: take the state of members that kept theirs without announcing it again
   * (keepalived keeps a group's state across a reload), then bring the group's faults in line.
   */
  adopt(): void {
    this.#faultedByGroup = this.#members.some((m) => m.machine.faultReasons.includes(`sync group ${this.name}`));
    const derived = this.#derived();
    if (derived !== null) this.#state = derived;
    this.#propagating = true;
    try {
      this.#syncFaults();
    } finally {
      this.#propagating = false;
    }
    this.#update();
  }

  /** `fifo_write_vrrp_states_on_reload`: the group's state line again. */
  writeStateToFifo(): void {
    const state = this.#state;
    if (state === 'MASTER' || state === 'BACKUP' || state === 'FAULT') this.edges.writeFifo(notification('GROUP', this.name, this.group.notify, state, 0).fifoLine);
  }

  canBecomeMaster(machine: VrrpStateMachine): boolean {
    if (this.#state === 'MASTER') return true;
    // only when everyone wants to: prefer BACKUP to thrashing
    return this.#members.every((m) => m.machine === machine || m.machine.wantsMaster);
  }

  #onEvent(e: HubEvent): void {
    if ((e.type !== 'vrrp-state' && e.type !== 'vrrp-fault') || this.#propagating) return;
    const member = this.#members.find((m) => m.config.id === e.instance);
    if (!member) return;
    this.#propagating = true;
    try {
      const others = this.#members.filter((m) => m !== member);
      // a 'vrrp-fault' event only needs the fault sync below
      if (e.type === 'vrrp-state' && e.to === 'MASTER') {
        if (others.some((m) => m.state === 'BACKUP')) this.log.info({ group: this.name }, `VRRP_Group(${this.name}) Syncing instances to MASTER state`);
        for (const m of others) if (m.state === 'BACKUP') m.sync({ type: 'sync-master' });
      } else if (e.type === 'vrrp-state' && e.from === 'MASTER' && e.to === 'BACKUP') {
        if (others.some((m) => m.state === 'MASTER')) this.log.info({ group: this.name }, `VRRP_Group(${this.name}) Syncing instances to BACKUP state`);
        for (const m of others) if (m.state === 'MASTER') m.sync({ type: 'sync-backup' });
      }
      this.#syncFaults();
    } finally {
      this.#propagating = false;
    }
    this.#update();
  }

  /** FAULT for all while any member has a fault of its own; back when none has. */
  #syncFaults(): void {
    const anyOwnFault = this.#members.some((m) => m.ownFault);
    if (anyOwnFault && !this.#faultedByGroup) {
      this.#faultedByGroup = true;
      this.log.info({ group: this.name }, `VRRP_Group(${this.name}) Syncing instances to FAULT state`);
      for (const m of this.#members) if (!m.ownFault) m.groupFault(true, this.name);
    } else if (!anyOwnFault && this.#faultedByGroup) {
      this.#faultedByGroup = false;
      for (const m of this.#members) m.groupFault(false, this.name);
    } else if (anyOwnFault) {
      // a member whose own fault cleared stays in FAULT with the group
      for (const m of this.#members) if (!m.ownFault && m.state !== 'FAULT') m.groupFault(true, this.name);
    }
  }

  /** The group's state from its members' (null while all are in INIT). */
  #derived(): VrrpState | null {
    const states = this.#members.map((m) => m.state).filter((s) => s !== 'INIT');
    if (states.length === 0) return null;
    return states.includes('STOP')
      ? states.every((s) => s === 'STOP')
        ? 'STOP'
        : this.#state
      : states.includes('FAULT')
        ? 'FAULT'
        : states.includes('BACKUP')
          ? 'BACKUP'
          : 'MASTER';
  }

  #update(): void {
    const next = this.#derived();
    if (next === null || next === this.#state) return;
    const from = this.#state;
    this.#state = next;
    this.hub.publish({ type: 'sync-group-state', group: this.group.id, name: this.name, from, to: next });
    // after the members' own notifications, which a takeover defers too
    this.edges.defer(() => this.#notify(next));
  }

  #notify(state: VrrpState): void {
    if (state === 'INIT') return;
    this.log.info({ group: this.name, state }, `VRRP_Group(${this.name}) ${state}`);
    const n = notification('GROUP', this.name, this.group.notify, state as NotifyState, 0);
    const timeout = state === 'STOP' ? StopNotifyTimeoutMs : NotifyTimeoutMs;
    for (const s of n.scripts) void this.edges.runScript(`${this.name} ${s.keyword}`, s.args, s.spec, timeout);
    this.edges.writeFifo(n.fifoLine);
  }

  close(): void {
    this.#unsubscribe();
  }
}
