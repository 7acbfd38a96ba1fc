/**
 * What VRRP instances and sync groups track (keepalived's vrrp_script, track_file and
 * vrrp_track_process), as the runtime sees them: resolved from the configuration once (stable
 * ids, times in µs, defaults applied), read-only. The trackers in this folder turn them into
 * reports; src/vrrp/tracking.ts turns reports into priorities and faults.
 */

/** A `vrrp_script`. */
export interface ResolvedScript {
  /** Stable id: index in the configuration's vrrp_script list. */
  readonly id: number;
  readonly name: string;
  /** Program and arguments, as configured (keepalived runs them without a shell when it can). */
  readonly args: readonly string[];
  /** `user USER [GROUP]` of the script, else the global script user applies. */
  readonly user?: { readonly user: string; readonly group?: string };
  readonly intervalUs: number;
  /** Run time after which the script is killed and the run counts as failed (default: interval). */
  readonly timeoutUs: number;
  readonly rise: number;
  readonly fall: number;
  /** Never run: in a path others could write, with enable_script_security (keepalived disables it). */
  readonly insecure: boolean;
  /** `init_fail`: the script starts failed rather than unknown. */
  readonly initFail: boolean;
  /** The script's own weight and `reverse`; a track_script entry may override them. */
  readonly weight: number;
  readonly reverse: boolean;
}

/** A `track_file` (`vrrp_track_file`). */
export interface ResolvedTrackFile {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly weight: number;
  readonly reverse: boolean;
  /** `init_file [VALUE] [overwrite]`: create the file with VALUE when missing (or always with overwrite). */
  readonly initFile?: { readonly value: number; readonly overwrite: boolean };
}

/** A `vrrp_track_process`. */
export interface ResolvedTrackProcess {
  readonly id: number;
  readonly name: string;
  /** Process name (matched against /proc/PID/comm) or, with `fullCommand`, the program path/argv[0]. */
  readonly process: string;
  /** Arguments to match against the command line (with `paramMatch`). */
  readonly params?: readonly string[];
  readonly paramMatch?: 'exact' | 'initial' | 'partial';
  readonly fullCommand: boolean;
  readonly quorum: number;
  /** Upper bound of the quorum (default: no bound, Number.MAX_SAFE_INTEGER). */
  readonly quorumMax: number;
  /** Wait after the quorum is gained before reporting it (`fork_delay`, or `delay`), µs. */
  readonly forkDelayUs: number;
  /** Wait after the quorum is lost before reporting it (`terminate_delay`, or `delay`), µs. */
  readonly terminateDelayUs: number;
  readonly weight: number;
  readonly reverse: boolean;
}

/** A change reported by a tracker. */
export type TrackerReport =
  /** A script's rise/fall verdict changed (ok), or it was disabled (not found, insecure). */
  | { readonly kind: 'script'; readonly id: number; readonly status: 'init' | 'ok' | 'failed' | 'disabled' }
  /** A tracked file's value (0 when missing or unreadable, as keepalived). */
  | { readonly kind: 'file'; readonly id: number; readonly value: number }
  /** A tracked process's quorum was gained or lost. */
  | { readonly kind: 'process'; readonly id: number; readonly up: boolean }
  /** An interface's link went up or down (running and up, as keepalived's IF_FLAGS_UP). */
  | { readonly kind: 'interface'; readonly name: string; readonly up: boolean };
