/**
 * The first bytes of a file, opened without blocking (a FIFO or device must not hang the
 * daemon), as keepalived reads tracked files and script headers.
 */
import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';

/** Up to `max` bytes from the start, or why not: it cannot be opened, or the read failed. */
export function readFileHead(path: string, max: number): Buffer | 'unopenable' | 'unreadable' {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return 'unopenable';
  }
  try {
    const buf = Buffer.alloc(max);
    return buf.subarray(0, readSync(fd, buf, 0, max, 0));
  } catch {
    return 'unreadable';
  } finally {
    closeSync(fd);
  }
}
