/**
 * Logging: pino, JSON lines on stderr (journald keeps them; `-l`/`--log-console` as keepalived).
 * Messages keep keepalived's wording where operators grep for it ("Entering MASTER STATE").
 */
import { pino, destination, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export interface LogOptions {
  level?: string;
  /** Process name in every line (keepalived_vrrp, ...). */
  name?: string;
}

export function createLogger(opts: LogOptions = {}): PinoLogger {
  return pino({ level: opts.level ?? 'info', base: { name: opts.name ?? 'keepalived-ts', pid: process.pid } }, destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, -t). */
export function silentLogger(): PinoLogger {
  return pino({ level: 'silent' });
}
