/** The configuration reader's file-system port, on the real file system. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { ConfigFs, FileStat } from '../config/fs-port.js';

export const nodeConfigFs: ConfigFs = {
  readFile(path: string): Uint8Array {
    return readFileSync(path);
  },
  readdir(path: string): string[] | null {
    try {
      return readdirSync(path);
    } catch {
      return null;
    }
  },
  stat(path: string): FileStat | null {
    try {
      const st = statSync(path);
      return { isFile: st.isFile(), isDirectory: st.isDirectory(), mode: st.mode & 0o7777 };
    } catch {
      return null;
    }
  },
};
