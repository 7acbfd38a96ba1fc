/**
 * The daemon's read-only windows: the control socket (`keepalived-ts status`, always, next to
 * the pid file) and, with `--http-listen`, the HTTP server of /metrics, /status and /healthz.
 * Neither is needed to hold VIPs: a failure to open one is logged and the daemon runs on.
 * Their modules are imported here, after the subsystems started, so they cost the start nothing.
 */
import type { Logger } from '../log.js';
import type { CliOptions } from './options.js';
import type { DaemonSnapshotter, DaemonSources } from './daemon-snapshot.js';
import { DefaultPidFiles } from './pid-files.js';

export interface ObserverSetup {
  opts: CliOptions;
  log: Logger;
  sources: DaemonSources;
  snapshotter: DaemonSnapshotter;
  wanted(): { vrrp: boolean; checkers: boolean };
  stopping(): boolean;
}

export async function startObservers(setup: ObserverSetup): Promise<{ close(): Promise<void> }> {
  const { opts, log } = setup;
  const [{ DaemonObserver }, { ControlSocketServer, controlSocketPath }] = await Promise.all([import('../observe/observer.js'), import('../observe/control-socket.js')]);
  const observer = new DaemonObserver({ sources: setup.sources, snapshotter: setup.snapshotter, wanted: setup.wanted, stopping: setup.stopping });
  const closers: (() => Promise<void> | void)[] = [() => observer.close()];

  const socketPath = controlSocketPath(opts.pid ?? DefaultPidFiles.main);
  try {
    const control = await ControlSocketServer.start({ path: socketPath, status: () => observer.status(), log });
    closers.unshift(() => control.close());
  } catch (e) {
    log.warn({ path: socketPath, error: (e as Error).message }, 'cannot open the control socket: `keepalived-ts status` will not reach this daemon');
  }

  if (opts.httpListen && opts.httpListen.length > 0) {
    const { ObservabilityServer, parseHttpListen } = await import('../observe/http-server.js');
    // the values were checked when the command line was read
    const listen = opts.httpListen.map((t) => parseHttpListen(t)!);
    try {
      const http = await ObservabilityServer.start({ listen, log, routes: { metrics: () => observer.metrics(), status: () => observer.status(), health: () => observer.health() } });
      closers.unshift(() => http.close());
      log.info({ listen: opts.httpListen }, 'HTTP: serving /metrics, /status and /healthz');
    } catch (e) {
      log.error({ error: (e as Error).message }, 'HTTP: cannot listen - /metrics, /status and /healthz are not served');
    }
  }
  return {
    close: async () => {
      for (const c of closers.splice(0)) await Promise.resolve(c()).catch(() => undefined);
    },
  };
}
