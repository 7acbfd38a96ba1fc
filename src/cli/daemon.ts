/**
 * Running the agent (no -t): pid files, signals and the VRRP daemon. keepalived-ts stays in
 * the foreground whether or not -n is given (systemd runs it as Type=simple).
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { ParseResult } from '../config/index.js';
import { createLogger } from '../log.js';
import { VrrpDaemon } from '../vrrp/daemon.js';
import type { CliOptions } from './options.js';

export const DefaultPidFiles = {
  main: '/run/keepalived.pid',
  vrrp: '/run/keepalived_vrrp.pid',
};

/** keepalived's data and stats dumps (SIGUSR1, SIGUSR2). */
export const DataFile = '/tmp/keepalived.data';
export const StatsFile = '/tmp/keepalived.stats';

function pidAlive(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

export async function runDaemon(opts: CliOptions, result: ParseResult, stderr: (t: string) => void): Promise<number> {
  const log = createLogger({ name: 'keepalived-ts', level: opts.logDetail ? 'debug' : 'info' });
  if (opts.check) {
    stderr('keepalived-ts: the health-checker subsystem (-C) is not implemented yet\n');
    return 1;
  }
  const pidFiles = [opts.pid ?? DefaultPidFiles.main, opts.vrrp_pid ?? DefaultPidFiles.vrrp];
  for (const f of pidFiles) {
    const other = pidAlive(f);
    if (other !== null) {
      stderr(`keepalived-ts: daemon is already running (pid ${other} in ${f})\n`);
      return 1;
    }
  }
  for (const f of pidFiles) writeFileSync(f, `${process.pid}\n`);
  const removePidFiles = (): void => {
    for (const f of pidFiles) {
      try {
        if (existsSync(f) && readFileSync(f, 'utf8').trim() === String(process.pid)) unlinkSync(f);
      } catch {
        // best effort
      }
    }
  };

  const daemon = new VrrpDaemon(result.config, { log });
  log.info({ config: opts.useFile, instances: result.config.vrrp_instance.length }, 'Starting VRRP child process');
  try {
    await daemon.start();
  } catch (e) {
    log.error({ error: (e as Error).message }, 'cannot start the VRRP subsystem');
    await daemon.stop().catch(() => undefined);
    removePidFiles();
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'Stopping');
      void daemon
        .stop()
        .catch((e: Error) => log.error({ error: e.message }, 'error while stopping'))
        .finally(() => {
          removePidFiles();
          log.info('Stopped');
          resolve(0);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    if (!opts.ignoreSigint) process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => log.warn('reload (SIGHUP) is not implemented yet - configuration unchanged'));
    process.on('SIGUSR1', () => {
      writeFileSync(DataFile, `${JSON.stringify({ vrrp_instance: daemon.status() }, null, 2)}\n`);
      log.info({ file: DataFile }, 'data dumped');
    });
    process.on('SIGUSR2', () => {
      const stats = daemon.status().map((s) => ({ name: s.name, sent: s.sent, received: s.received, dropped: s.dropped }));
      writeFileSync(StatsFile, `${JSON.stringify({ vrrp_instance: stats, unknown_vrid: daemon.unknownVrid }, null, 2)}\n`);
      log.info({ file: StatsFile }, 'stats dumped');
    });
  });
}
