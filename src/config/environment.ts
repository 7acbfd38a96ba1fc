/**
 * Facts about the host that keepalived consults while reading a configuration: which network
 * interfaces exist, the host name, users and groups, and files scripts point at. The CLI fills
 * this from the real system (src/io/host-environment.ts); tests give fixed values.
 */
import type { ConfigFs } from './fs-port.js';

export interface ScriptFileStat {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface HostEnvironment {
  /** Interface names present on the host, or null to skip every interface check. */
  readonly interfaces: ReadonlySet<string> | null;
  readonly hostname: string;
  /** Users by name (uid, primary gid); null if unknown. */
  readonly lookupUser: (name: string) => { uid: number; gid: number } | null;
  readonly lookupGroup: (name: string) => { gid: number } | null;
  /** lstat/stat of a file a script names; null if it does not exist. */
  readonly statPath: (path: string, followLinks: boolean) => ScriptFileStat | null;
  /** Resolve symlinks of a path (realpath(3)); null if it cannot be resolved. */
  readonly realPath: (path: string) => string | null;
  /** $PATH used to find bare script names. */
  readonly path: string;
  /** The uid keepalived-ts runs as. */
  readonly uid: number;
}

export interface ParseOptions {
  readonly fs: ConfigFs;
  readonly host: HostEnvironment;
  /** `-i/--config-id`; defaults to the host name up to its first dot. */
  readonly configId?: string;
  readonly cwd: string;
  readonly random?: (min: number, max: number) => number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}
