/**
 * Where and how keepalived writes its dump files. keepalived (lib/utils.c fopen_safe) creates a
 * temporary file beside the target with mkostemp (owner-only), sets its mode to
 * 0666 & ~umask (umask 0177 by default, so rw-------) and renames it over the target, so no
 * other user can open the new file and a symlink at the target is replaced, not followed. We
 * do the same, but rename once the text is written: a reader never sees a partial file.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { DefaultUmask } from './collect-globals.js';

/** keepalived's tmp_dir: $TMPDIR when it is an absolute path, else /tmp. */
export function dumpDirectory(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const t = env.TMPDIR;
  return t !== undefined && t.startsWith('/') ? t : '/tmp';
}

export interface DumpNaming {
  readonly directory: string;
  /** global_defs `data_use_instance`. */
  readonly dataUseInstance?: boolean;
  /** `-i`'s instance name / `instance` keyword, and `net_namespace`. */
  readonly instanceName?: string;
  readonly networkNamespace?: string;
}

/**
 * The path of a `.data` dump (open_dump_file()): with data_use_instance and an instance or
 * namespace, `keepalived.NS_INSTANCE.data`. keepalived.stats and keepalived.json never carry
 * them (use `join(directory, name)`).
 */
export function dataDumpPath(fileName: string, n: DumpNaming): string {
  if (n.dataUseInstance && (n.instanceName !== undefined || n.networkNamespace !== undefined)) {
    const dot = fileName.lastIndexOf('.');
    const ns = n.networkNamespace ?? '';
    const sep = n.instanceName !== undefined && n.networkNamespace !== undefined ? '_' : '';
    return join(n.directory, `${fileName.slice(0, dot)}.${ns}${sep}${n.instanceName ?? ''}${fileName.slice(dot)}`);
  }
  return join(n.directory, fileName);
}

export const DumpFiles = {
  /** SIGUSR1, VRRP process. */
  data: 'keepalived.data',
  /** SIGUSR1, checker process. */
  checkData: 'keepalived_check.data',
  /** SIGUSR1, parent process. */
  parentData: 'keepalived_parent.data',
  /** SIGUSR2 (and SIGRTMAX-1, which also clears the counters). */
  stats: 'keepalived.stats',
  /** SIGRTMIN+2 (signal 36 on Linux/glibc). */
  json: 'keepalived.json',
} as const;

/** Write `text` to `path` atomically with keepalived's mode (0666 & ~umask). */
export async function writeDumpFile(path: string, text: string, umask: number = DefaultUmask): Promise<void> {
  const tmp = join(dirname(path), `${basename(path)}${randomBytes(6).toString('base64url').slice(0, 6)}`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.chmod(0o666 & ~umask);
    await fh.writeFile(text);
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
