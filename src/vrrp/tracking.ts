/**
 * Effective priority and tracking faults of one instance, from the state of what it tracks
 * (keepalived: vrrp_track.c initialise_*_tracking_priorities, process_script_update_priority,
 * process_update_track_process_status; trackers/track_file.c). Pure: states in, verdict out;
 * the caller diffs verdicts and feeds the state machine.
 *
 * Per tracked object with weight w and multiplier m (-1 for `reverse`):
 *   w = 0: the instance is in FAULT while the object is down (up with reverse);
 *   w > 0: +w·m while the object is up;  w < 0: w·m while it is down.
 * A tracked file contributes value·w·m (at most 253; -254 or less is a FAULT); with w = 0 a
 * non-zero value (zero with reverse) is a FAULT. A script that has not returned yet contributes
 * nothing, and an unweighted one holds the instance in a quiet FAULT (no notification) until it
 * does. A disabled script (missing, insecure) is not tracked at all. An address owner's priority
 * never changes; the others' is clamped to 1..254.
 */
import type { TrackRef } from './resolve.js';
import { PriorityOwner } from './state-machine.js';

export type ScriptStatus = 'init' | 'ok' | 'failed' | 'disabled';

/** The current state of every tracked object, as the trackers last reported it. */
export interface TrackedStates {
  interfaceUp(name: string): boolean;
  script(id: number): ScriptStatus;
  fileValue(id: number): number;
  processUp(id: number): boolean;
  bfdUp(id: number): boolean;
}

export interface TrackingVerdict {
  /** Base priority plus every contribution, before clamping. */
  total: number;
  /** 1..254 (or 255 for an owner). */
  effective: number;
  /** One reason per tracked object holding the instance in FAULT (`script chk_haproxy`, ...). */
  faults: string[];
  /** Unweighted scripts without a result yet: FAULT without notification (keepalived's num_script_init). */
  pending: string[];
}

export const MaxFileStatus = 253;
export const FileFaultStatus = -254;

/** A boolean tracked object's contribution to the priority, or 'fault'. */
export function upDownContribution(weight: number, multiplier: 1 | -1, up: boolean): number | 'fault' {
  if (weight === 0) return up !== (multiplier === 1) ? 'fault' : 0;
  if (up) return weight > 0 ? weight * multiplier : 0;
  return weight < 0 ? weight * multiplier : 0;
}

/** A tracked file's contribution, or 'fault'. */
export function fileContribution(weight: number, multiplier: 1 | -1, value: number): number | 'fault' {
  const status = weight === 0 ? ((value !== 0) === (multiplier === 1) ? FileFaultStatus : 0) : value * weight * multiplier;
  if (status <= FileFaultStatus) return 'fault';
  return Math.min(status, MaxFileStatus);
}

export function trackingVerdict(basePriority: number, refs: readonly TrackRef[], states: TrackedStates): TrackingVerdict {
  let total = basePriority;
  const faults: string[] = [];
  const pending: string[] = [];
  for (const r of refs) {
    let c: number | 'fault';
    switch (r.kind) {
      case 'interface':
        c = upDownContribution(r.weight, r.multiplier, states.interfaceUp(r.name));
        break;
      case 'script': {
        const s = states.script(r.id);
        if (s === 'disabled') continue;
        if (s === 'init') {
          if (r.weight === 0) pending.push(`script ${r.name}`);
          continue;
        }
        c = upDownContribution(r.weight, r.multiplier, s === 'ok');
        break;
      }
      case 'file':
        c = fileContribution(r.weight, r.multiplier, states.fileValue(r.id));
        break;
      case 'process':
        c = upDownContribution(r.weight, r.multiplier, states.processUp(r.id));
        break;
      case 'bfd':
        c = upDownContribution(r.weight, r.multiplier, states.bfdUp(r.id));
        break;
    }
    if (c === 'fault') faults.push(`${r.kind === 'interface' ? 'interface' : r.kind} ${r.name}`);
    else total += c;
  }
  const effective = basePriority === PriorityOwner ? PriorityOwner : Math.max(1, Math.min(PriorityOwner - 1, total));
  return { total: basePriority === PriorityOwner ? basePriority : total, effective, faults, pending };
}
