/**
 * Test helpers for the configuration reader: an in-memory file system and host, and
 * `parseText()` to parse a configuration given as a string.
 */
import type { ConfigFs, FileStat } from '../../src/config/fs-port.js';
import type { HostEnvironment, ScriptFileStat } from '../../src/config/environment.js';
import { parseConfig, type ParseResult } from '../../src/config/index.js';
import { Grade, type Diagnostic } from '../../src/config/diagnostics.js';

export interface MemoryFile {
  content: string | Uint8Array;
  mode?: number;
  uid?: number;
}

export function memoryFs(files: Record<string, string | MemoryFile>): ConfigFs & { statFull(path: string): ScriptFileStat | null } {
  const entries = new Map<string, MemoryFile>();
  for (const [path, f] of Object.entries(files)) entries.set(path, typeof f === 'string' ? { content: f } : f);
  const isDir = (path: string): boolean => {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return path === '/' || [...entries.keys()].some((k) => k.startsWith(prefix));
  };
  const normalise = (path: string): string => {
    const parts: string[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') parts.pop();
      else parts.push(part);
    }
    return `/${parts.join('/')}`;
  };
  const statFull = (raw: string): ScriptFileStat | null => {
    const path = normalise(raw);
    const f = entries.get(path);
    if (f) return { isFile: true, isDirectory: false, mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: 0 };
    if (isDir(path)) return { isFile: false, isDirectory: true, mode: 0o755, uid: 0, gid: 0 };
    return null;
  };
  return {
    readFile(raw: string): Uint8Array {
      const f = entries.get(normalise(raw));
      if (!f) throw Object.assign(new Error(`ENOENT: ${raw}`), { code: isDir(normalise(raw)) ? 'EISDIR' : 'ENOENT' });
      return typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
    },
    readdir(raw: string): string[] | null {
      const path = normalise(raw);
      if (!isDir(path)) return null;
      const prefix = path === '/' ? '/' : `${path}/`;
      const names = new Set<string>();
      for (const k of entries.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      return [...names];
    },
    stat(raw: string): FileStat | null {
      const s = statFull(raw);
      return s ? { isFile: s.isFile, isDirectory: s.isDirectory, mode: s.mode } : null;
    },
    statFull,
  };
}

export interface ParseTextOptions {
  /** Other files, by absolute path; the main file is /etc/keepalived/keepalived.conf. */
  files?: Record<string, string | MemoryFile>;
  interfaces?: string[] | null;
  configId?: string;
  hostname?: string;
  users?: Record<string, { uid: number; gid: number }>;
  env?: Record<string, string>;
}

export const MainConfigPath = '/etc/keepalived/keepalived.conf';

export function testHost(fs: ReturnType<typeof memoryFs>, opts: ParseTextOptions = {}): HostEnvironment {
  const users = opts.users ?? { root: { uid: 0, gid: 0 } };
  return {
    interfaces: opts.interfaces === null ? null : new Set(opts.interfaces ?? ['lo', 'eth0', 'eth1', 'eth2', 'eth3']),
    hostname: opts.hostname ?? 'director1.example',
    lookupUser: (name) => users[name] ?? null,
    lookupGroup: (name) => (name === 'root' ? { gid: 0 } : null),
    statPath: (path) => fs.statFull(path),
    realPath: (path) => (fs.statFull(path) ? path : null),
    path: '/usr/sbin:/usr/bin:/sbin:/bin',
    uid: 0,
  };
}

export function parseText(conf: string, opts: ParseTextOptions = {}): ParseResult {
  const fs = memoryFs({ [MainConfigPath]: conf, ...opts.files });
  return parseConfig(MainConfigPath, {
    fs,
    host: testHost(fs, opts),
    cwd: '/',
    random: (min) => min,
    ...(opts.configId !== undefined ? { configId: opts.configId } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
}

/** Diagnostics that change the `-t` exit code (everything but Info). */
export function problems(result: ParseResult): Diagnostic[] {
  return result.diagnostics.filter((d) => d.grade !== Grade.Info);
}

/** Compact `line: message` strings, handy in assertions. */
export function messages(result: ParseResult, all = false): string[] {
  return (all ? result.diagnostics : problems(result)).map((d) => `${d.location?.line ?? '-'}: ${d.message}`);
}
