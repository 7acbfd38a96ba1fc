/**
 * What the configuration reader needs from the file system. The reader itself stays free of
 * `node:fs`; `src/io/node-config-fs.ts` implements this port for real files and tests may
 * supply an in-memory one.
 */
export interface FileStat {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  /** Permission bits (st_mode & 0o7777). */
  readonly mode: number;
}

export interface ConfigFs {
  /** Reads a whole file; throws an Error with a `code` (ENOENT, EACCES, EISDIR...) on failure. */
  readFile(path: string): Uint8Array;
  /** Entry names of a directory, or null if it cannot be read. */
  readdir(path: string): string[] | null;
  /** stat(2) following links, or null if the path does not exist. */
  stat(path: string): FileStat | null;
}
