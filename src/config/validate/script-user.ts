/**
 * Who runs each script, decided while the configuration is read, as keepalived 2.2.7 decides it
 * (lib/notify.c set_default_script_user / get_default_script_user / notify_script_init,
 * core/global_parser.c script_user_handler, vrrp/vrrp_parser.c vrrp_vscript_end_handler):
 *
 * - `script_user` that does not resolve is "Error setting global script uid/gid"; from then on
 *   no script can get the default user.
 * - Without `script_user`, the default user is `keepalived_script` when it exists, else keepalived
 *   itself; but with `enable_script_security` and no such user, the default user cannot be set:
 *   "Unable to set default user keepalived_script for script" is reported once (where the first
 *   script needing it is read) and every script needing the default user is dropped.
 * - A notify-style script line (`notify_master CMD [USER [GROUP]]`, notify_up, quorum_up,
 *   startup_script, ...) names its own user in its third word, so an unquoted
 *   `notify_master /bin/sh /etc/keepalived/master.sh` asks for the user
 *   "/etc/keepalived/master.sh". An unknown user or group drops the script silently (keepalived
 *   only logs it).
 *
 * A dropped script is not stored, so it is neither run nor counted by the security check.
 */
import { Grade, PhaseOrder, type Diagnostic, type Phase } from '../diagnostics.js';
import type { KeepalivedConfig } from '../model.js';
import type { Parser, ScriptSpec } from '../parser.js';

interface State {
  config: KeepalivedConfig | null;
  /** `script_user` failed to resolve (keepalived's default_user_fail, set by the global handler). */
  globalFailed: boolean;
  /** The "Unable to set default user keepalived_script" report, and the pass it was made in. */
  reported: { diagnostic: Diagnostic; phase: Phase } | null;
}

const states = new WeakMap<Parser, State>();

function stateOf(p: Parser): State {
  let s = states.get(p);
  if (!s) {
    s = { config: null, globalFailed: false, reported: null };
    states.set(p, s);
  }
  return s;
}

/** Lets the checks below read `script_user` and `enable_script_security` as the file sets them. */
export function bindScriptUsers(p: Parser, config: KeepalivedConfig): void {
  stateOf(p).config = config;
}

/** global_defs `script_user` named a user or group that does not exist. */
export function globalScriptUserFailed(p: Parser): void {
  stateOf(p).globalFailed = true;
}

/**
 * keepalived's get_default_script_user() failing: true when a script that names no user of its
 * own cannot run and must be dropped. Reports the failure to find keepalived_script once.
 */
export function defaultScriptUserFails(p: Parser): boolean {
  const s = stateOf(p);
  if (s.globalFailed) return true;
  const g = s.config?.global_defs;
  if (!g || g.script_user !== undefined || !g.enable_script_security) return false;
  if (p.host.lookupUser('keepalived_script') !== null) return false;
  // keepalived reports it once, in the first of its passes (global, checker, VRRP) that asks;
  // we read the file once, so a request from an earlier pass moves the report there.
  if (s.reported && PhaseOrder.indexOf(s.reported.phase) <= PhaseOrder.indexOf(p.phase)) return true;
  if (s.reported) {
    const i = p.sink.diagnostics.indexOf(s.reported.diagnostic);
    if (i >= 0) p.sink.diagnostics.splice(i, 1);
  }
  const before = p.sink.diagnostics.length;
  p.report(Grade.GeneralError, 'Unable to set default user keepalived_script for script');
  const diagnostic = p.sink.diagnostics[before];
  s.reported = diagnostic ? { diagnostic, phase: p.phase } : null;
  return true;
}

/**
 * Script keywords keepalived reads with set_script_params_array() alone (vrrp_script's `script`,
 * MISC_CHECK's `misc_path`): the user comes from their block's `user`, not from the line, and a
 * bare one sets nothing and says nothing. The others go through notify_script_init().
 */
export const blockUserScriptKeywords: ReadonlySet<string> = new Set(['script', 'misc_path']);

/**
 * keepalived's notify_script_init(): whether a notify-style script is kept. The words after the
 * command are USER [GROUP]; without them the default user applies. Scripts of `vrrp_script` and
 * MISC_CHECK are decided when their block closes.
 */
export function notifyScriptKept(p: Parser, keyword: string, spec: ScriptSpec): boolean {
  if (blockUserScriptKeywords.has(keyword)) return true;
  const program = spec.args[0] ?? '';
  if (spec.user !== undefined) {
    if (p.host.lookupUser(spec.user) === null) {
      p.report(Grade.Info, `Script user '${spec.user}' does not exist`);
    } else if (spec.group !== undefined && p.host.lookupGroup(spec.group) === null) {
      p.report(Grade.Info, `Script group '${spec.group}' does not exist`);
    } else return true;
    p.report(Grade.Info, `Invalid user/group for ${keyword} script ${program} - ignoring`);
    return false;
  }
  if (!defaultScriptUserFails(p)) return true;
  p.report(Grade.Info, `Failed to set default user for ${keyword} script ${program} - ignoring`);
  return false;
}

/** keepalived's cmd_str(): each word in single quotes. */
export function commandString(spec: ScriptSpec | undefined): string {
  return spec ? spec.args.map((a) => `'${a}'`).join(' ') : '';
}
