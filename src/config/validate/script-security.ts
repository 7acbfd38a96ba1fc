/**
 * keepalived's script-security check (lib/notify.c `check_script_secure()`, and the callers
 * vrrp/vrrp.c `check_vrrp_script_security()`, check/check_data.c, core/main.c): when
 * `enable_script_security` is off and any configured script exists and would be run, keepalived
 * reports a SECURITY VIOLATION (`-t` exits 6). With it on, scripts in a path that a non-root
 * user could write are disabled.
 */
import type { KeepalivedConfig } from '../model.js';
import type { Parser, RegisteredScript, ScriptSpec } from '../parser.js';
import type { Phase } from '../diagnostics.js';
import { Grade } from '../diagnostics.js';
import type { HostEnvironment, ScriptFileStat } from '../environment.js';

const S_IWGRP = 0o020;
const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;

/** Which pass checks the scripts of a keyword. */
export function scriptPass(keyword: string): Phase {
  if (['misc_path', 'notify_up', 'notify_down', 'quorum_up', 'quorum_down', 'lvs_notify_fifo_script'].includes(keyword)) return 'check';
  if (keyword === 'startup_script' || keyword === 'shutdown_script') return 'global';
  return 'vrrp';
}

/** The file a script would run, or null if keepalived would not find it. */
export function resolveScript(host: HostEnvironment, program: string): string | null {
  const trimmed = program.replace(/^<[ \t]*/, '');
  if (program.startsWith('<') && trimmed.startsWith('/')) return null; // "</file": only checks the file opens
  if (!program.includes('/')) {
    for (const dir of host.path.split(':')) {
      const candidate = `${dir === '' ? '.' : dir}/${program}`;
      const st = host.statPath(candidate, true);
      if (st?.isFile && st.mode & 0o111) return host.realPath(candidate);
    }
    return null;
  }
  const real = host.realPath(program);
  if (real === null) return null;
  const st = host.statPath(real, true);
  return st?.isFile ? real : null;
}

/** True if some component of the path could be changed by a non-root user (`check_security()`). */
export function pathIsInsecure(host: HostEnvironment, path: string): boolean {
  const parts = path.split('/').filter((s) => s !== '');
  let prefix = '';
  const paths = ['/', ...parts.map((part) => (prefix = `${prefix}/${part}`))];
  for (const [i, p] of paths.entries()) {
    const st = host.statPath(p, false);
    if (!st) return true;
    const last = i === paths.length - 1;
    if (!last && !st.isDirectory) return true;
    const writableByOthers = (st.gid !== 0 && st.mode & S_IWGRP) || st.mode & S_IWOTH;
    if (st.uid !== 0 || ((((st.isDirectory && !(st.mode & S_ISVTX)) || st.isFile) && writableByOthers) as boolean)) return true;
  }
  return false;
}

/**
 * The paths keepalived checks for a script (check_script_secure): the script is run by its
 * realpath, the symlinks of the configured path resolved away (so /bin/true on a merged-/usr
 * system is /usr/bin/true, and /bin, a symlink, is not checked); when the configured file name
 * differs from the real one, it is run by that name in the real directory, and both that path
 * and the real file are checked.
 */
function securityPaths(host: HostEnvironment, program: string, real: string): string[] {
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  if (!program.includes('/') || base(program) === base(real)) return [real];
  const renamed = `${real.slice(0, real.lastIndexOf('/') + 1)}${base(program)}`;
  return host.statPath(renamed, true) ? [renamed, real] : [real];
}

/** The `user` of the MISC_CHECK whose misc_path is `spec`, from a per-configuration index. */
const miscUsers = new WeakMap<KeepalivedConfig, Map<ScriptSpec, { user: string; group?: string } | undefined>>();
function miscUserOf(config: KeepalivedConfig, spec: ScriptSpec): { user: string; group?: string } | undefined {
  let index = miscUsers.get(config);
  if (!index) {
    index = new Map();
    for (const vs of config.virtual_server) {
      for (const rs of vs.real_server) for (const c of rs.checkers) if (c.type === 'MISC_CHECK' && c.misc_path) index.set(c.misc_path, c.user);
    }
    miscUsers.set(config, index);
  }
  return index.get(spec);
}

/** The user and group a script runs as (null: keepalived itself), as its block or line says. */
function identityOf(config: KeepalivedConfig, script: RegisteredScript, host: HostEnvironment): { uid: number; gid: number } {
  // a vrrp_script's user comes from its block's `user` line, a MISC_CHECK's from its block's
  // `user` line; words after their `script` / `misc_path` are ignored
  const own =
    script.keyword === 'script'
      ? config.vrrp_script.find((s) => s.script === script.spec)?.user
      : script.keyword === 'misc_path'
        ? miscUserOf(config, script.spec)
        : script.spec.user !== undefined
        ? { user: script.spec.user, ...(script.spec.group !== undefined ? { group: script.spec.group } : {}) }
        : undefined;
  const who = own ?? config.global_defs.script_user ?? (host.lookupUser('keepalived_script') ? { user: 'keepalived_script' } : undefined);
  const self = { uid: host.uid, gid: host.uid === 0 ? 0 : -1 };
  if (!who) return self;
  const u = host.lookupUser(who.user);
  if (!u) return self;
  const g = who.group !== undefined ? host.lookupGroup(who.group) : null;
  return { uid: u.uid, gid: g ? g.gid : u.gid };
}

/** What keepalived's check_script_secure() finds for a script (its SC_* flags, in short). */
export interface ScriptVerdict {
  /** "</file" tests that a file opens: nothing is executed (SC_SYSTEM). */
  readonly system: boolean;
  /** Not found or not accessible (SC_NOTFOUND). */
  readonly notFound: boolean;
  /** A file was found (SC_ISSCRIPT): it counts for the SECURITY VIOLATION report. */
  readonly isScript: boolean;
  /** Its user may execute it (SC_EXECUTABLE). */
  readonly executable: boolean;
  /** Run as root and some part of its path is writable by others (SC_INSECURE). */
  readonly insecure: boolean;
}

/** keepalived's is_executable(): root needs any x bit; others the owner's, group's or others' one. */
function executableBy(st: ScriptFileStat, who: { uid: number; gid: number }): boolean {
  if (who.uid === 0) return (st.mode & 0o111) !== 0;
  if (who.uid === st.uid) return (st.mode & 0o100) !== 0;
  return who.gid === st.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
}

export function scriptVerdict(config: KeepalivedConfig, script: RegisteredScript, host: HostEnvironment): ScriptVerdict {
  const none = { system: false, notFound: false, isScript: false, executable: false, insecure: false };
  const program = script.spec.args[0];
  if (program === undefined) return { ...none, notFound: true };
  if (/^<[ \t]*\//.test(program)) return { ...none, system: true };
  const file = resolveScript(host, program);
  if (file === null) return { ...none, notFound: true };
  const st = host.statPath(file, true);
  if (!st) return { ...none, notFound: true };
  const who = identityOf(config, script, host);
  const executable = executableBy(st, who);
  const asRoot = who.uid === 0 || who.gid === 0;
  const insecure = executable && asRoot && securityPaths(host, program, file).some((path) => pathIsInsecure(host, path));
  return { ...none, isScript: true, executable, insecure };
}

/**
 * keepalived's check_vrrp_script_security() (vrrp/vrrp.c), first thing once the VRRP side is
 * read: every vrrp_script whose program is not found, not executable by its user or, with
 * enable_script_security, insecure, is disabled, removed from every instance and sync group that
 * tracks it and dropped (so the daemon never runs nor tracks it, and the instances run as if it
 * were not there).
 */
export function disableTrackScripts(config: KeepalivedConfig, p: Parser): void {
  const secure = config.global_defs.enable_script_security;
  const disabled = new Set<string>();
  for (const s of config.vrrp_script) {
    const registered = s.script && p.scripts.find((r) => r.spec === s.script);
    if (!registered) continue;
    const v = scriptVerdict(config, registered, p.host);
    if (v.system) continue;
    if (secure && v.insecure) p.report(Grade.GeneralError, `Disabling track script ${s.name} due to insecure`, null);
    else if (v.notFound) p.report(Grade.GeneralError, `Disabling track script ${s.name} since not found/accessible`, null);
    else if (v.executable) continue;
    registered.spec.insecure = true;
    disabled.add(s.name);
  }
  if (disabled.size === 0) return;
  config.vrrp_script = config.vrrp_script.filter((s) => !disabled.has(s.name));
  for (const owner of [...config.vrrp_instance, ...config.vrrp_sync_group]) {
    owner.track_script = owner.track_script.filter((t) => !disabled.has(t.name));
  }
}

/**
 * Whether the checker process drops a script of its own, with or without enable_script_security
 * (check/check_data.c check_check_script_security()): a MISC_CHECK whose script is inhibited
 * (insecure with script security), not found or not executable by its user is removed
 * (check/check_misc.c check_misc_script_security(); a "</file" test stays), and a notify_up,
 * notify_down, quorum_up, quorum_down or lvs_notify_fifo_script that is inhibited, not found or
 * not executable is freed (lib/notify.c check_notify_script_secure(); a "</file" test too, as it
 * is never "executable"). The checker daemon never runs a script so marked (`insecure`).
 */
export function checkerDropsScript(keyword: string, v: ScriptVerdict, secure: boolean): boolean {
  if ((secure && v.insecure) || v.notFound) return true;
  return keyword === 'misc_path' ? !v.executable && !v.system : !v.executable;
}

export function checkScriptSecurity(config: KeepalivedConfig, p: Parser): void {
  const active: Record<Phase, boolean> = {
    global: true,
    check: config.virtual_server.length > 0,
    vrrp: config.vrrp_instance.length > 0,
    bfd: false,
  };
  const found: Record<Phase, { any: boolean; insecure: boolean }> = {
    global: { any: false, insecure: false },
    check: { any: false, insecure: false },
    vrrp: { any: false, insecure: false },
    bfd: { any: false, insecure: false },
  };
  const secure = config.global_defs.enable_script_security;
  for (const script of p.scripts) {
    const pass = scriptPass(script.keyword);
    if (!active[pass]) continue;
    const program = script.spec.args[0];
    if (program === undefined) continue;
    const verdict = scriptVerdict(config, script, p.host);
    if (pass === 'check' && checkerDropsScript(script.keyword, verdict, secure)) script.spec.insecure = true;
    if (!verdict.isScript) continue;
    found[pass].any = true;
    if (verdict.insecure) {
      found[pass].insecure = true;
      if (secure) {
        p.report(Grade.Info, `Unsafe permissions found for script '${program}' - disabling.`, script.location);
        script.spec.insecure = true;
      }
    }
  }
  if (secure) return;
  const saved = p.phase;
  const what: Record<Phase, string> = { global: 'start/shutdown scripts', check: 'check scripts', vrrp: 'scripts', bfd: 'scripts' };
  for (const pass of ['global', 'check', 'vrrp'] as const) {
    if (!found[pass].any) continue;
    p.phase = pass;
    p.report(
      Grade.Security,
      `SECURITY VIOLATION - ${what[pass]} are being executed but script_security not enabled.${found[pass].insecure ? ' There are insecure scripts.' : ''}`,
      null,
    );
  }
  p.phase = saved;
}
