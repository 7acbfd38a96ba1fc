/**
 * A notify FIFO (notify_fifo, vrrp_notify_fifo): created if missing, opened read-write and
 * non-blocking as keepalived does, so that writing never blocks when no reader is there.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { nativeSockets } from '../native/index.js';
import type { Logger } from '../log.js';

export class NotifyFifo {
  readonly #fd: number;

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {
    nativeSockets().mkfifo(path, 0o600);
    this.#fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  }

  write(line: string): void {
    try {
      writeSync(this.#fd, line);
    } catch (e) {
      this.log.warn({ fifo: this.path, error: (e as NodeJS.ErrnoException).code }, 'notify fifo full or closed - line dropped');
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}
