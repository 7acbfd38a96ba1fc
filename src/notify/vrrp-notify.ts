/**
 * What keepalived runs and writes when an instance or a sync group changes state
 * (vrrp_notify.c), as data. Pure: the new state in, the scripts with their exact arguments and
 * the FIFO line out. Order: notify_<state>, then `notify` with `INSTANCE|GROUP name STATE
 * priority` appended (priority 0 for a group), then the FIFO line.
 */
import type { ScriptSpec } from '../config/parser.js';
import type { VrrpInstance } from '../config/keywords/vrrp-instance.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** The notify scripts of an instance or a sync group. */
export interface NotifyScripts {
  readonly master?: ScriptSpec;
  readonly backup?: ScriptSpec;
  readonly fault?: ScriptSpec;
  readonly stop?: ScriptSpec;
  /** `notify`: gets the four arguments appended. */
  readonly generic?: ScriptSpec;
}

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

const stateScript: Record<NotifyState, 'master' | 'backup' | 'fault' | 'stop'> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' };

export function notification(kind: 'INSTANCE' | 'GROUP', name: string, scripts: NotifyScripts, state: NotifyState, priority: number): Notification {
  const calls: ScriptCall[] = [];
  const own = scripts[stateScript[state]];
  if (own) calls.push({ keyword: `notify_${stateScript[state]}`, spec: own, args: [...own.args] });
  if (scripts.generic) calls.push({ keyword: 'notify', spec: scripts.generic, args: [...scripts.generic.args, kind, name, state, String(priority)] });
  return { scripts: calls, fifoLine: `${kind} "${name}" ${state} ${priority}\n` };
}

/** The FIFO line of `notify_priority_changes`: MASTER_PRIORITY or BACKUP_PRIORITY with the new priority. */
export function priorityFifoLine(name: string, master: boolean, priority: number): string {
  return `INSTANCE "${name}" ${master ? 'MASTER' : 'BACKUP'}_PRIORITY ${priority}\n`;
}

export function notifyScriptsOf(n: { notify_master?: ScriptSpec; notify_backup?: ScriptSpec; notify_fault?: ScriptSpec; notify_stop?: ScriptSpec; notify?: ScriptSpec }): NotifyScripts {
  return {
    ...(n.notify_master ? { master: n.notify_master } : {}),
    ...(n.notify_backup ? { backup: n.notify_backup } : {}),
    ...(n.notify_fault ? { fault: n.notify_fault } : {}),
    ...(n.notify_stop ? { stop: n.notify_stop } : {}),
    ...(n.notify ? { generic: n.notify } : {}),
  };
}

export function instanceNotification(v: VrrpInstance, state: NotifyState, priority: number): Notification {
  return notification('INSTANCE', v.name, notifyScriptsOf(v), state, priority);
}
