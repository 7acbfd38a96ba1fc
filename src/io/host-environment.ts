/**
 * The host facts the configuration checks consult, read from the running system: interface
 * names of the current network namespace, the host name, users and groups, and file metadata
 * for script-security checks.
 */
import { hostname } from 'node:os';
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { HostEnvironment, ScriptFileStat } from '../config/environment.js';

/** Interface names in this process's network namespace (`/proc/self/net/dev` follows `ip netns exec`). */
export function readInterfaceNames(devTable: string): Set<string> {
  const names = new Set<string>();
  for (const line of devTable.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon > 0) names.add(line.slice(0, colon).trim());
  }
  return names;
}

/** Entries of a colon-separated database such as /etc/passwd or /etc/group, keyed by name. */
export function readColonDatabase(text: string): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const name = fields[0];
    if (name !== undefined && !entries.has(name)) entries.set(name, fields);
  }
  return entries;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function toScriptStat(path: string, followLinks: boolean): ScriptFileStat | null {
  try {
    const st = followLinks ? statSync(path) : lstatSync(path);
    return { isFile: st.isFile(), isDirectory: st.isDirectory(), mode: st.mode, uid: st.uid, gid: st.gid };
  } catch {
    return null;
  }
}

export function systemHostEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): HostEnvironment {
  const devTable = readText('/proc/self/net/dev');
  const users = readColonDatabase(readText('/etc/passwd') ?? '');
  const groups = readColonDatabase(readText('/etc/group') ?? '');
  return {
    interfaces: devTable === null ? null : readInterfaceNames(devTable),
    hostname: hostname(),
    lookupUser(name) {
      const fields = users.get(name);
      if (!fields) return null;
      const uid = Number(fields[2]);
      const gid = Number(fields[3]);
      return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
    },
    lookupGroup(name) {
      const fields = groups.get(name);
      if (!fields) return null;
      const gid = Number(fields[2]);
      return Number.isInteger(gid) ? { gid } : null;
    },
    statPath: toScriptStat,
    realPath(path) {
      try {
        return realpathSync.native(path);
      } catch {
        return null;
      }
    },
    path: env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
  };
}
