/**
 * Running the agent (no -t): pid files, signals, the VRRP daemon and the IPVS controller.
 * keepalived forks one child per subsystem; keepalived-ts runs both in one process (with the
 * same pid files) and stays in the foreground whether or not -n is given (systemd Type=simple).
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { ParseResult } from '../config/index.js';
import { createLogger } from '../log.js';
import { VrrpDaemon } from '../vrrp/daemon.js';
import { CheckerDaemon } from '../check/daemon.js';
import type { CliOptions } from './options.js';
import { nativeSockets } from '../native/index.js';
import { notActedOn, notActedOnWarning } from './not-acted-on.js';
import { EventHub } from '../events/hub.js';
import type { Logger } from '../log.js';
import { diagnosticLines, reloadVerdict } from './reload-verdict.js';
import { SystemdNotifier } from '../systemd/notify.js';
import { installDumpSignals } from './dump-signals.js';
import { DaemonSnapshotter } from './daemon-snapshot.js';
import { startObservers } from './observers.js';
import { ReloadTimeFile } from '../reload/time-file-watcher.js';
import { DefaultPidFiles } from './pid-files.js';

export { DefaultPidFiles };


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

/** `reload_check_config FILE`: the new file's -t diagnostics, as keepalived's config-test child writes them there. */
function writeCheckLog(file: string, lines: readonly string[], log: Logger): void {
  if (file === '/dev/null') return;
  try {
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  } catch (e) {
    log.warn({ file, error: (e as Error).message }, 'cannot write the reload_check_config log');
  }
}

/** What reading the configuration and starting left free in malloc goes back to the system. */
function releaseStartupMemory(): void {
  try {
    nativeSockets().trimMemory();
  } catch {
    // no addon
  }
}

/** Which subsystems run: -P only VRRP, -C only checkers/IPVS, else those with configuration (all with --all). */
export function subsystems(opts: CliOptions, config: ParseResult['config']): { vrrp: boolean; checkers: boolean } {
  if (opts.vrrp) return { vrrp: true, checkers: false };
  if (opts.check) return { vrrp: false, checkers: true };
  return { vrrp: opts.all === true || config.vrrp_instance.length > 0, checkers: opts.all === true || config.virtual_server.length > 0 };
}

/**
 * @param reparse reads the configuration again (SIGHUP); null keeps the running one
 */
export async function runDaemon(
  opts: CliOptions,
  result: ParseResult,
  stderr: (t: string) => void,
  reparse: () => Promise<ParseResult | null> | ParseResult | null = () => null,
): Promise<number> {
  const log = createLogger({ name: 'keepalived-ts', level: opts.logDetail ? 'debug' : 'info' });
  // systemd's notify protocol (Type=notify): a no-op without NOTIFY_SOCKET; the variables are
  // taken out of the environment so that scripts do not inherit them
  const systemd = new SystemdNotifier({ unsetEnvironment: true, onError: (msg) => log.warn(`systemd notify: ${msg}`) });
  systemd.startWatchdog();
  // what runs: a reload can start a subsystem whose blocks were added (keepalived starts the child)
  const run = subsystems(opts, result.config);
  const subsystemPidFile = { vrrp: opts.vrrp_pid ?? DefaultPidFiles.vrrp, checkers: opts.checkers_pid ?? DefaultPidFiles.checkers };
  const pidFiles = [opts.pid ?? DefaultPidFiles.main];
  if (run.vrrp) pidFiles.push(subsystemPidFile.vrrp);
  if (run.checkers) pidFiles.push(subsystemPidFile.checkers);
  for (const f of pidFiles) {
    const other = pidAlive(f);
    if (other !== null) {
      stderr(`keepalived-ts: daemon is already running (pid ${other} in ${f})\n`);
      systemd.close();
      return 1;
    }
  }
  for (const f of pidFiles) writeFileSync(f, `${process.pid}\n`);
  const addPidFile = (f: string): void => {
    pidFiles.push(f);
    writeFileSync(f, `${process.pid}\n`);
  };
  const removePidFiles = (): void => {
    for (const f of pidFiles) {
      try {
        if (existsSync(f) && readFileSync(f, 'utf8').trim() === String(process.pid)) unlinkSync(f);
      } catch {
        // best effort
      }
    }
  };

  const warnNotActedOn = (config: ParseResult['config']): void => {
    const scope = opts.namespace !== undefined ? { ...run, namespace: opts.namespace } : run;
    const warning = notActedOnWarning(notActedOn(config, scope));
    if (warning) log.warn({ keywords: notActedOn(config, scope) }, warning);
  };
  warnNotActedOn(result.config);

  // the one event hub: subsystems publish their changes and register their counters here
  const hub = new EventHub((e) => log.error({ error: (e as Error).message }, 'event subscriber failed'));
  let checkers: CheckerDaemon | null = null;
  const startCheckers = async (config: ParseResult['config']): Promise<CheckerDaemon | null> => {
    log.info({ config: opts.useFile, virtual_servers: config.virtual_server.length }, 'Starting Healthcheck child process');
    const started = await CheckerDaemon.start(config, log);
    if (started) hub.registerCounters('checker_pool', () => started.status().pool);
    return started;
  };
  if (run.checkers) {
    checkers = await startCheckers(result.config);
    if (!checkers && !run.vrrp) {
      removePidFiles();
      systemd.close();
      return 1;
    }
  }

  let daemon = run.vrrp ? new VrrpDaemon(result.config, { log, hub }) : null;
  // keepalived's dump files on USR1, USR2, JSON (36) and STATS_CLEAR; set up before the
  // instances start so that their transition times are known
  let running = result.config;
  const sources = { hub, config: () => running, vrrp: () => daemon, checkers: () => checkers };
  const snapshotter = new DaemonSnapshotter(sources);
  const removeDumpSignals = installDumpSignals({
    ...sources,
    log,
    snapshotter,
    ...(opts.umask !== undefined ? { umask: opts.umask } : {}),
    ...(opts.configId !== undefined ? { instanceName: opts.configId } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  });
  if (daemon) {
    log.info({ config: opts.useFile, instances: result.config.vrrp_instance.length }, 'Starting VRRP child process');
    try {
      await daemon.start();
    } catch (e) {
      log.error({ error: (e as Error).message }, 'cannot start the VRRP subsystem');
      await daemon.stop().catch(() => undefined);
      await checkers?.stop(opts.dontReleaseIpvs).catch(() => undefined);
      removePidFiles();
      removeDumpSignals();
      snapshotter.close();
      systemd.close();
      return 1;
    }
  }

  releaseStartupMemory();
  const statusLine = (): string => {
    const parts: string[] = [];
    if (daemon) parts.push(`${daemon.runners.length} VRRP instances (${daemon.runners.filter((r) => r.state === 'MASTER').length} MASTER)`);
    if (checkers) parts.push(`${checkers.controller.desired.size} virtual servers`);
    return parts.length > 0 ? `Running: ${parts.join(', ')}` : 'Running: nothing configured';
  };
  log.info(`Started. ${statusLine()}`);
  let stopping = false;
  const observers = await startObservers({
    opts,
    log,
    sources,
    snapshotter,
    wanted: () => subsystems(opts, running),
    stopping: () => stopping,
  });
  systemd.ready(statusLine());
  return new Promise<number>((resolve) => {
    // a configuration with nothing to run (static blocks only) still runs until stopped, as
    // keepalived does; without a handle Node.js would end the process
    const alive = setInterval(() => undefined, 1 << 30);
    let reloadTimeFile: ReloadTimeFile | null = null;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      reloadTimeFile?.close();
      systemd.stopping(`Stopping (${signal})`);
      log.info({ signal }, 'Stopping');
      void Promise.all([daemon?.stop(opts.dontReleaseVrrp !== true), checkers?.stop(opts.dontReleaseIpvs)])
        .catch((e: Error) => log.error({ error: e.message }, 'error while stopping'))
        .finally(async () => {
          await observers.close();
          snapshotter.close();
          removePidFiles();
          clearInterval(alive);
          removeDumpSignals();
          systemd.close();
          log.info('Stopped');
          resolve(0);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    if (!opts.ignoreSigint) process.on('SIGINT', () => stop('SIGINT'));
    // Reloads run one at a time; signals that arrive meanwhile collapse into one more reload,
    // which reads the file as it is then (a storm of HUPs costs two reads, not one each).
    let reloadRunning = false;
    let reloadQueued = false;
    const keptUp = (): number => daemon?.runners.reduce((n, r) => n + r.advertsKeptUp, 0) ?? 0;
    const reload = async (): Promise<void> => {
      const startedMs = performance.now();
      const keptUpBefore = keptUp();
      for (const r of daemon?.runners ?? []) r.takeLongestAdvertGapUs();
      const next = await reparse();
      const checkFile = running.global_defs.reload_check_config;
      if (checkFile !== undefined && next) writeCheckLog(checkFile || '/dev/null', diagnosticLines(next), log);
      const verdict = reloadVerdict(next, running);
      if (!verdict.ok) {
        log.error({ diagnostics: next ? diagnosticLines(next).slice(0, 20) : [] }, `Reload refused: ${verdict.reason} - keeping the running configuration`);
        return;
      }
      const config = next!.config;
      if (next!.diagnostics.length > 0) log.warn({ diagnostics: diagnosticLines(next!).slice(0, 20), count: next!.diagnostics.length }, 'Reload: the new configuration has problems (keepalived-ts -t lists them)');
      // a subsystem that did not run and now has blocks starts, as keepalived starts its child
      // on SIGHUP (main.c propagate_signal, running_vrrp() / running_checker())
      const wanted = subsystems(opts, config);
      const ranBefore = { vrrp: daemon !== null, checkers: checkers !== null };
      if (wanted.vrrp && !daemon) {
        const started = new VrrpDaemon(config, { log, hub });
        log.info({ config: opts.useFile, instances: config.vrrp_instance.length }, 'Reload: starting VRRP child process');
        try {
          await started.start();
          daemon = started;
          run.vrrp = true;
          addPidFile(subsystemPidFile.vrrp);
        } catch (e) {
          log.error({ error: (e as Error).message }, 'Reload: cannot start the VRRP subsystem');
          await started.stop().catch(() => undefined);
        }
      }
      if (wanted.checkers && !checkers) {
        checkers = await startCheckers(config);
        if (checkers) {
          run.checkers = true;
          addPidFile(subsystemPidFile.checkers);
        }
      }
      warnNotActedOn(config);
      if (daemon && ranBefore.vrrp) {
        const r = await daemon.reload(config);
        if (r) log.info({ kept: r.kept.length, added: r.added, removed: r.removed }, 'Reload: VRRP instances reconciled');
      }
      if (checkers && ranBefore.checkers) {
        const r = await checkers.reload(config);
        log.info({ ...r.applied, failed: r.failed }, 'Reload: IPVS table reconciled');
      }
      running = config;
      releaseStartupMemory();
      // advertsKeptUp: adverts the addon sent on time while this reload held the event loop up
      // longestAdvertGapMs: of the MASTERs' adverts sent meanwhile (kept up or not), as the addon saw them go out
      const longestGapUs = Math.max(0, ...(daemon?.runners ?? []).map((r) => r.takeLongestAdvertGapUs()));
      log.info({ ms: Math.round(performance.now() - startedMs), advertsKeptUp: keptUp() - keptUpBefore, longestAdvertGapMs: Math.round(longestGapUs / 100) / 10 }, 'Reload finished');
    };
    /** @param cause SIGHUP, or reload_time_file when the scheduled time came */
    const requestReload = (cause: string): void => {
      if (stopping) return;
      if (reloadRunning) {
        log.info(reloadQueued ? `Reload requested (${cause}): one is already queued` : `Reload requested (${cause}): queued after the one running`);
        reloadQueued = true;
        return;
      }
      log.info(`Reloading ... (${cause})`);
      reloadRunning = true;
      systemd.reloading('Reloading');
      void (async () => {
        do {
          reloadQueued = false;
          await reload().catch((e: Error) => log.error({ error: e.message }, 'Reload failed - keeping the running configuration'));
        } while (reloadQueued && !stopping);
        reloadRunning = false;
        if (stopping) return;
        watchReloadTimeFile();
        // READY=1 also after a refused reload: the running configuration goes on
        systemd.ready(statusLine());
      })();
    };
    process.on('SIGHUP', () => requestReload('SIGHUP'));
    // reload_time_file: started again after every reload from the configuration then running (a
    // refused reload too), as keepalived restarts its monitor; that also re-reads a file kept by
    // reload_repeat, whose time is then tomorrow
    const watchReloadTimeFile = (): void => {
      reloadTimeFile?.close();
      reloadTimeFile = null;
      const path = running.global_defs.reload_time_file;
      if (path === undefined) return;
      reloadTimeFile = new ReloadTimeFile({ path, repeat: running.global_defs.reload_repeat, log, onReload: () => requestReload('reload_time_file') });
      reloadTimeFile.start();
    };
    watchReloadTimeFile();
  });
}