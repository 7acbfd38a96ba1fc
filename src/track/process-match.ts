/**
 * Whether a process is one a `vrrp_track_process` counts, matched as keepalived 2.2.7 does
 * (keepalived/core/track_process.c: read_procs, check_process, check_params). Pure.
 *
 * - Without `full_command` the process name is compared, exactly, with /proc/PID/comm. The
 *   kernel keeps at most 15 characters of it, and keepalived does not shorten the configured
 *   name: a longer name never matches (use full_command).
 * - With `full_command` (implied by parameters or param_match) argv[0] must equal the
 *   configured process exactly (no basename, no path search), then the parameters are checked
 *   as the NUL-separated bytes keepalived compares:
 *   - none configured and no param_match: any parameters;
 *   - exact: the same parameters, no more, no fewer (no parameters configured: none allowed);
 *   - partial: the process's first parameters are the configured ones, more may follow;
 *   - initial: as partial, except that the last configured parameter need only begin the
 *     process's corresponding parameter.
 */
import type { ResolvedTrackProcess } from './types.js';

/** What is read of a process: its comm and its command line, when the trackers need them. */
export interface ProcessIdentity {
  /** /proc/PID/comm without its newline. */
  readonly comm?: string;
  /** /proc/PID/cmdline split at its NULs (see parseCmdline). */
  readonly argv?: readonly string[];
}

/** /proc/PID/comm (or the comm field of /proc/PID/stat): the name without the trailing newline. */
export function parseComm(raw: string): string {
  return raw.endsWith('\n') ? raw.slice(0, -1) : raw;
}

/**
 * /proc/PID/cmdline: the arguments, each terminated by a NUL. Empty for kernel threads and
 * zombies. A process that rewrote its arguments (setproctitle) may leave no final NUL.
 */
export function parseCmdline(raw: string): string[] {
  if (raw === '') return [];
  const parts = raw.split('\0');
  if (raw.endsWith('\0')) parts.pop();
  return parts;
}

/** Whether the tracked process's parameters are to be checked, and how (keepalived's param_match). */
function paramMatchOf(spec: ResolvedTrackProcess): 'none' | 'exact' | 'initial' | 'partial' {
  if (spec.paramMatch) return spec.paramMatch;
  // keepalived: configuring parameters sets param_match to exact
  return spec.params && spec.params.length > 0 ? 'exact' : 'none';
}

/**
 * check_params: the process's parameters and the configured ones compared as keepalived does,
 * as strings of NUL-terminated arguments.
 */
export function paramsMatch(match: 'none' | 'exact' | 'initial' | 'partial', configured: readonly string[], actual: readonly string[]): boolean {
  if (match === 'none') return true;
  const want = configured.map((p) => `${p}\0`).join('');
  const have = actual.map((p) => `${p}\0`).join('');
  switch (match) {
    case 'exact':
      return have === want;
    case 'partial':
      return have.startsWith(want);
    case 'initial':
      // the configured string without its final NUL: the last parameter may continue
      return have.startsWith(want.slice(0, -1));
  }
}

/** Whether the process counts for the tracked process (its `process` and parameters). */
export function processMatches(spec: ResolvedTrackProcess, proc: ProcessIdentity): boolean {
  if (!spec.fullCommand) return proc.comm !== undefined && proc.comm === spec.process;
  const argv = proc.argv;
  if (!argv || argv.length === 0 || argv[0] !== spec.process) return false;
  return paramsMatch(paramMatchOf(spec), spec.params ?? [], argv.slice(1));
}

/** Which /proc files the specs need read: comm for name matches, cmdline for full_command ones. */
export function neededReads(specs: readonly ResolvedTrackProcess[]): { comm: boolean; cmdline: boolean } {
  return { comm: specs.some((s) => !s.fullCommand), cmdline: specs.some((s) => s.fullCommand) };
}
