/**
 * keepalived's script-security check (lib/notify.c `check_script_secure()`, and the callers
 * vrrp/vrrp.c `check_vrrp_script_security()`, check/check_data.c, core/main.c): when
 * `enable_script_security` is off and any configured script exists and would be run, keepalived
 * reports a SECURITY VIOLATION (`-t` exits 6). With it on, scripts in a path that a non-root
 * user could write are disabled.
 */
import type { KeepalivedConfig } from '../model.js';
import type { Parser, RegisteredScript } from '../parser.js';
import type { Phase } from '../diagnostics.js';
import { Grade } from '../diagnostics.js';
import type { HostEnvironment } from '../environment.js';

const S_IWGRP = 0o020;
const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;

/** Which pass checks the scripts of a keyword. */
function passOf(keyword: string): Phase {
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

function runsAsRoot(config: KeepalivedConfig, script: RegisteredScript, host: HostEnvironment): boolean {
  const user = script.spec.user ?? config.global_defs.script_user?.user;
  if (user === undefined) return host.lookupUser('keepalived_script') === null;
  const entry = host.lookupUser(user);
  return entry === null || entry.uid === 0 || entry.gid === 0;
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
    const pass = passOf(script.keyword);
    if (!active[pass]) continue;
    const program = script.spec.args[0];
    if (program === undefined) continue;
    const file = resolveScript(p.host, program);
    if (file === null) continue;
    found[pass].any = true;
    if (runsAsRoot(config, script, p.host) && securityPaths(p.host, program, file).some((path) => pathIsInsecure(p.host, path))) {
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
