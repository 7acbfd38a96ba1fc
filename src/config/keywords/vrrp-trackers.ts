/**
 * The objects VRRP instances and sync groups track: `vrrp_script`, `vrrp_track_process` and
 * `track_file` (alias `vrrp_track_file`) (keepalived: vrrp/vrrp_parser.c, lib/track_file.c).
 */
import { block, type KeywordTable, type Parser, type ScriptSpec } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { readInt, readUnsigned, readTimerUs } from '../values.js';
import { Grade } from '../diagnostics.js';
import { commandString, defaultScriptUserFails } from '../validate/script-user.js';

export interface VrrpScript {
  name: string;
  script?: ScriptSpec;
  /** Seconds between runs. */
  interval: number;
  /** Seconds before a run counts as failed; defaults to interval. */
  timeout?: number;
  weight: number;
  weight_reverse: boolean;
  rise: number;
  fall: number;
  user?: { user: string; group?: string };
  init_fail: boolean;
}

export interface TrackProcess {
  name: string;
  process?: string;
  /** Arguments that must match (with param_match). */
  params?: string[];
  param_match?: 'exact' | 'initial' | 'partial';
  full_command: boolean;
  weight: number;
  weight_reverse: boolean;
  quorum: number;
  quorum_max?: number;
  /** Seconds (`delay` sets both). */
  terminate_delay?: number;
  fork_delay?: number;
}

export interface TrackFile {
  name: string;
  file?: string;
  weight: number;
  weight_reverse: boolean;
  init_file?: { value: number; overwrite: boolean };
}

type C = KeepalivedConfig;

function positiveSeconds(what: string) {
  return (s: VrrpScript, st: { words: readonly string[] }, p: Parser, field: 'interval' | 'timeout'): void => {
    const n = readUnsigned(p, st.words[1], 0, 4294);
    if (n === null) {
      p.error(`(${s.name}): vrrp script ${what} '${st.words[1] ?? ''}' invalid - ignoring`);
      return;
    }
    if (n === 0) p.error(`(${s.name}): vrrp script ${what} must be greater than 0, setting to 1`);
    s[field] = Math.max(1, n);
  };
}

function weightWithReverse<T extends { weight: number; weight_reverse: boolean }>(min: number, max: number, label: (t: T) => string) {
  return (t: T, st: { words: readonly string[] }, p: Parser): void => {
    const n = readInt(p, st.words[1], min, max);
    if (n === null) p.error(`${label(t)} weight ${st.words[1] ?? ''} must be in [${min}, ${max}]`);
    else t.weight = n;
    const opt = st.words[2];
    if (opt === 'reverse') t.weight_reverse = true;
    else if (opt !== undefined) p.error(`${label(t)} unknown weight option ${opt}`);
  };
}

function scriptUserOf(p: Parser, words: readonly string[]): { user: string; group?: string } | null {
  const user = words[1];
  const group = words[2];
  if (user === undefined || !p.host.lookupUser(user) || (group !== undefined && !p.host.lookupGroup(group))) return null;
  return group === undefined ? { user } : { user, group };
}

/** vrrp_script blocks whose last `user` line did not resolve (removed when the block closes). */
const userFailed = new WeakSet<VrrpScript>();

/** Which scripts a vrrp_script block owns, so a removed block's script is not security-checked. */
const vrrpScriptKeywords: KeywordTable<VrrpScript> = {
  script: (s, st, p) => {
    const spec = p.readScript(st);
    if (spec) s.script = spec;
  },
  interval: (s, st, p) => positiveSeconds('interval')(s, st, p, 'interval'),
  timeout: (s, st, p) => positiveSeconds('timeout')(s, st, p, 'timeout'),
  weight: weightWithReverse<VrrpScript>(-253, 253, (s) => `vrrp_script ${s.name}`),
  rise: (s, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 2147483647);
    if (n === null) p.error(`(${s.name}): vrrp script rise value '${st.words[1] ?? ''}' invalid, defaulting to 1`);
    s.rise = n ?? 1;
  },
  fall: (s, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 2147483647);
    if (n === null) p.error(`(${s.name}): vrrp script fall value '${st.words[1] ?? ''}' invalid, defaulting to 1`);
    s.fall = n ?? 1;
  },
  user: (s, st, p) => {
    // keepalived (vrrp_vscript_user_handler): a user that does not resolve removes the script
    // when its block closes; a later good `user` line keeps it
    const u = scriptUserOf(p, st.words);
    if (u) {
      s.user = u;
      userFailed.delete(s);
    } else {
      p.error(`Unable to set uid/gid for script ${commandString(s.script)}`);
      userFailed.add(s);
    }
  },
  init_fail: (s) => {
    s.init_fail = true;
  },
};

function seconds(field: 'terminate_delay' | 'fork_delay') {
  return (t: TrackProcess, st: { words: readonly string[] }, p: Parser): void => {
    const us = readTimerUs(p, st.words[1], 0, 3600_000_000);
    if (us === null) p.error(`Invalid track_process ${field} ${st.words[1] ?? ''} for ${t.name}`);
    else t[field] = us / 1e6;
  };
}

const trackProcessKeywords: KeywordTable<TrackProcess> = {
  process: (t, st, p) => {
    if (t.process !== undefined) {
      p.error(`Process already set for track process ${t.name} - ignoring ${st.words[1] ?? ''}`);
      return;
    }
    if (st.words[1] === undefined) {
      p.error(`track_process ${t.name} process requires a name`);
      return;
    }
    t.process = st.words[1];
    if (st.words.length > 2) {
      t.params = st.words.slice(2);
      t.param_match ??= 'exact';
      t.full_command = true;
    }
  },
  param_match: (t, st, p) => {
    const w = st.words[1];
    if (w === undefined) t.param_match = 'exact';
    else if (w === 'initial' || w === 'partial') t.param_match = w;
    else p.error(`Invalid param_match value ${w} for track_process ${t.name}`);
    t.full_command = true;
  },
  weight: weightWithReverse<TrackProcess>(-254, 254, (t) => `track_process ${t.name}`),
  quorum: (t, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 65535);
    if (n === null) p.error(`Invalid quorum ${st.words[1] ?? ''} for track_process ${t.name}`);
    else t.quorum = n;
  },
  quorum_max: (t, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 65535);
    if (n === null) p.error(`Invalid quorum_max ${st.words[1] ?? ''} for track_process ${t.name}`);
    else {
      t.quorum_max = n;
      // keepalived: quorum_max 0 means "no process may run" (quorum 0)
      if (n === 0 && t.quorum <= 1) t.quorum = 0;
    }
  },
  // keepalived: `delay` sets both delays; whichever of them is written last counts
  delay: (t, st, p) => {
    const us = readTimerUs(p, st.words[1], 0, 3600_000_000);
    if (us === null) p.error(`Invalid track_process delay ${st.words[1] ?? ''} for ${t.name}`);
    else t.fork_delay = t.terminate_delay = us / 1e6;
  },
  terminate_delay: seconds('terminate_delay'),
  fork_delay: seconds('fork_delay'),
  full_command: (t) => {
    t.full_command = true;
  },
};

const trackFileKeywords: KeywordTable<TrackFile> = {
  file: (t, st, p) => {
    if (t.file !== undefined) p.error(`File already set for track file ${t.name} - ignoring ${st.words[1] ?? ''}`);
    else if (st.words[1] === undefined) p.error(`track_file ${t.name} file requires a path`);
    else t.file = st.words[1];
  },
  weight: weightWithReverse<TrackFile>(-254, 254, (t) => `track file ${t.name}`),
  init_file: (t, st, p) => {
    let value = 0;
    let overwrite = false;
    for (const w of st.words.slice(1)) {
      if (w === 'overwrite') overwrite = true;
      else {
        const n = readInt(p, w, -2147483648, 2147483647);
        if (n === null) {
          p.error(`track file ${t.name} init_file value '${w}' is invalid`);
          return;
        }
        value = n;
      }
    }
    t.init_file = { value, overwrite };
  },
};

function named<T extends { name: string }>(list: (c: C) => T[], make: (name: string) => T, what: string) {
  return (c: C, st: { words: readonly string[] }, p: Parser): T | null => {
    const name = st.words[1];
    if (name === undefined) {
      p.error(`${what} name missing - skipping`);
      return null;
    }
    if (list(c).some((t) => t.name === name)) {
      p.error(`${what} ${name} already defined - ignoring`);
      return null;
    }
    const t = make(name);
    list(c).push(t);
    return t;
  };
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

const trackFileBlock = block(
  named((c) => c.track_file, (name): TrackFile => ({ name, weight: 1, weight_reverse: false }), 'track_file'),
  trackFileKeywords,
  (t, c, p) => {
    if (t.file === undefined) {
      p.error(`No file set for track_file ${t.name} - removing`);
      removeFrom(c.track_file, t);
    }
  },
);

export const vrrpTrackerRootKeywords: KeywordTable<C> = {
  vrrp_script: block(
    named(
      (c) => c.vrrp_script,
      (name): VrrpScript => ({ name, interval: 1, weight: 0, weight_reverse: false, rise: 1, fall: 1, init_fail: false }),
      'vrrp_script',
    ),
    vrrpScriptKeywords,
    (s, c, p) => {
      if (s.script === undefined) {
        p.error(`No script set for vrrp_script ${s.name} - removing`);
        removeFrom(c.vrrp_script, s);
      } else if (userFailed.has(s) || (s.user === undefined && defaultScriptUserFails(p))) {
        if (!userFailed.has(s)) p.error(`Unable to set default user for vrrp script ${s.name} - removing`);
        removeFrom(c.vrrp_script, s);
        p.forgetScript(s.script);
      }
    },
  ),
  vrrp_track_process: block(
    named(
      (c) => c.vrrp_track_process,
      (name): TrackProcess => ({ name, full_command: false, weight: 0, weight_reverse: false, quorum: 1 }),
      'vrrp_track_process',
    ),
    trackProcessKeywords,
    (t, c, p) => {
      if (t.process === undefined) {
        p.error(`No process specified for track process ${t.name} - removing`);
        removeFrom(c.vrrp_track_process, t);
      } else if (t.quorum_max !== undefined && t.quorum_max < t.quorum) {
        p.error(`quorum_max ${t.quorum_max} must be >= quorum ${t.quorum} for track_process ${t.name} - setting to quorum`);
        t.quorum_max = t.quorum;
      }
    },
  ),
  track_file: trackFileBlock,
  vrrp_track_file: (c, st, p) => {
    // keepalived only logs this (trackers/track_file.c vrrp_track_file_handler(), log_message):
    // it never counts as a configuration error, and `keepalived -t` does not show it
    p.report(Grade.Info, '"vrrp_track_file" is deprecated, please use "track_file"');
    trackFileBlock(c, st, p);
  },
};
