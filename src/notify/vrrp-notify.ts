/**
 * What keepalived runs and writes when an instance changes state (vrrp_notify.c), as data.
 * Pure: the instance and its new state in, the scripts with their exact arguments and the FIFO
 * line out. Order: notify_<state>, then `notify` with the four arguments appended, then FIFO.
 */
import type { ScriptSpec } from '../config/parser.js';
import type { VrrpInstance } from '../config/keywords/vrrp-instance.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export interface ScriptCall {
  /** The keyword that configured it, for logs. */
  keyword: string;
  spec: ScriptSpec;
  args: string[];
}

export interface Notification {
  scripts: ScriptCall[];
  fifoLine: string;
}

const stateKeyword: Record<NotifyState, keyof VrrpInstance> = {
  MASTER: 'notify_master',
  BACKUP: 'notify_backup',
  FAULT: 'notify_fault',
  STOP: 'notify_stop',
};

export function instanceNotification(v: VrrpInstance, state: NotifyState, priority: number): Notification {
  const scripts: ScriptCall[] = [];
  const own = v[stateKeyword[state]] as ScriptSpec | undefined;
  if (own) scripts.push({ keyword: stateKeyword[state], spec: own, args: [...own.args] });
  if (v.notify) scripts.push({ keyword: 'notify', spec: v.notify, args: [...v.notify.args, 'INSTANCE', v.name, state, String(priority)] });
  return { scripts, fifoLine: `INSTANCE "${v.name}" ${state} ${priority}\n` };
}
