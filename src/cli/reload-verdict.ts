/**
 * Whether a configuration read at a reload (SIGHUP) may replace the running one. Pure.
 *
 * keepalived reloads whatever it read, unless `reload_check_config` is set in the running
 * configuration: then it runs its own `--config-test=FILE` first and refuses a file that fails
 * it ("New config failed validation, see FILE for details"). keepalived-ts refuses in more
 * cases, because a reload that stops every instance is the worst outcome there is:
 * - a file that could not be read, that stops keepalived's reading, or that keepalived could
 *   not run with (`-t` exit codes 2 and 4, a failed checked include);
 * - with `reload_check_config`, any `-t` problem (exit code other than 0);
 * - a file that configures nothing to run (an empty, truncated or binary file) while the running
 *   one does: stopping every VIP takes a restart with such a file, not a reload.
 */
import type { ParseResult } from '../config/index.js';
import { configTestExitCode, ConfigTestExit, formatDiagnostic, inReportOrder } from '../config/diagnostics.js';
import type { KeepalivedConfig } from '../config/model.js';

export type ReloadVerdict = { ok: true } | { ok: false; reason: string };

const runsSomething = (c: KeepalivedConfig): boolean => c.vrrp_instance.length > 0 || c.virtual_server.length > 0;

export function reloadVerdict(next: ParseResult | null, running: KeepalivedConfig): ReloadVerdict {
  if (next === null) return { ok: false, reason: 'the configuration could not be read' };
  const exit = configTestExitCode(next.diagnostics);
  if (next.abortedIn !== undefined) return { ok: false, reason: 'the configuration stops keepalived reading it' };
  if (exit === ConfigTestExit.CannotRun) return { ok: false, reason: 'the configuration cannot be used' };
  if (next.includeFailed) return { ok: false, reason: 'a checked include failed' };
  if (running.global_defs.reload_check_config !== undefined && exit !== ConfigTestExit.Ok) {
    return { ok: false, reason: `New config failed validation, see ${running.global_defs.reload_check_config || '/dev/null'} for details` };
  }
  if (runsSomething(running) && !runsSomething(next.config)) {
    return { ok: false, reason: 'the new configuration has no vrrp_instance and no virtual_server (empty or not a keepalived configuration); stop the daemon to run nothing' };
  }
  return { ok: true };
}

/** The diagnostics as `keepalived-ts -t` prints them, one per line (for the reload_check_config file and the log). */
export function diagnosticLines(next: ParseResult): string[] {
  return inReportOrder(next.diagnostics).map(formatDiagnostic);
}
