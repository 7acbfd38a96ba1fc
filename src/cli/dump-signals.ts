/**
 * keepalived's dump signals, answered with keepalived 2.2.7's files (src/dump/):
 * - SIGUSR1: keepalived_parent.data, plus keepalived.data (VRRP) and keepalived_check.data
 *   (checkers) for the subsystems that run;
 * - SIGUSR2: keepalived.stats; SIGRTMAX-1 (keepalived's STATS_CLEAR) writes it, then zeroes;
 * - SIGRTMIN+2 (keepalived's JSON, 36): keepalived.json.
 * Our own JSON views go beside them as keepalived-ts.data.json (USR1) and
 * keepalived-ts.stats.json (USR2). Every file is written to a temporary name and renamed.
 */
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { DumpSnapshot } from '../dump/snapshot.js';
import type { StatsBaseline } from '../dump/keepalived-stats.js';
import type { DaemonSnapshotter, DaemonSources } from './daemon-snapshot.js';
import { keepalivedSignals, onNumberedSignal } from '../native/signals.js';

/**
 * The modules that collect and write the dumps, imported at the first dump signal rather than at
 * start (a dozen modules: each costs the daemon's start, ~8 ms in User-Mode Linux).
 */
const dumpModules = async () => {
  const [collect, checkData, data, json, stats, write] = await Promise.all([
    import('../dump/collect.js'),
    import('../dump/check-data.js'),
    import('../dump/keepalived-data.js'),
    import('../dump/keepalived-json.js'),
    import('../dump/keepalived-stats.js'),
    import('../dump/write.js'),
  ]);
  return { ...collect, ...checkData, ...data, ...json, ...stats, ...write };
};

/** Our JSON views (not keepalived's layout), beside keepalived's files. */
export const OwnDumpFiles = { data: 'keepalived-ts.data.json', stats: 'keepalived-ts.stats.json' } as const;

export interface DumpSignalSources extends DaemonSources {
  log: Logger;
  /** The daemon's snapshots (made before the instances start, for their transition times). */
  snapshotter: DaemonSnapshotter;
  /** `-u/--umask` as given on the command line (keepalived reads it with strtol base 0). */
  umask?: string;
  /** `-i` (config id / instance name) and `-s` (namespace), for data_use_instance names. */
  instanceName?: string;
  namespace?: string;
}

function parseUmask(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^0x/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^0/.test(text) ? Number.parseInt(text, 8) : Number.parseInt(text, 10);
  return Number.isInteger(n) && n >= 0 && n <= 0o777 ? n : undefined;
}

/** Install the handlers; returns the function that removes them. Call before the VRRP daemon starts (transition times). */
export function installDumpSignals(src: DumpSignalSources): () => void {
  const { log, hub, snapshotter } = src;
  // made at the first stats dump (it holds only what STATS_CLEAR cleared)
  let baseline: StatsBaseline | null = null;
  const umask = parseUmask(src.umask);
  // keepalived's tmp_dir as the environment has it now (dumpDirectory(), once its module is loaded)
  const tmpdirAtStart = process.env.TMPDIR;

  const snapshot = (): Promise<DumpSnapshot> => snapshotter.snapshot(umask !== undefined ? { umask } : {});

  // one dump at a time; a signal during a dump is answered after it, not lost
  let chain: Promise<void> = Promise.resolve();
  const run = (what: string, task: (m: Awaited<ReturnType<typeof dumpModules>>, directory: string) => Promise<string[]>): void => {
    chain = chain
      .then(async () => {
        const m = await dumpModules();
        return task(m, m.dumpDirectory({ TMPDIR: tmpdirAtStart }));
      })
      .then((files) => log.info({ files }, `${what} dumped`))
      .catch((e: Error) => log.error({ error: e.message }, `cannot write the ${what} dump`));
  };

  const onData = (): void =>
    run('data', async (m, directory) => {
      const { dataDumpPath, DumpFiles } = m;
      const vrrp = src.vrrp();
      const checkers = src.checkers();
      const s = await snapshot();
      const c = src.config();
      const instanceName = src.instanceName ?? c.instance;
      const networkNamespace = src.namespace ?? c.net_namespace;
      const naming = {
        directory,
        dataUseInstance: c.global_defs.data_use_instance,
        ...(instanceName !== undefined ? { instanceName } : {}),
        ...(networkNamespace !== undefined ? { networkNamespace } : {}),
      };
      const files: [string, string][] = [[dataDumpPath(DumpFiles.parentData, naming), m.formatParentData(s)]];
      if (vrrp) files.push([dataDumpPath(DumpFiles.data, naming), m.formatVrrpData(s)]);
      if (checkers) files.push([dataDumpPath(DumpFiles.checkData, naming), m.formatCheckData(s)]);
      const ipvs = checkers?.controller;
      const own = {
        vrrp_instance: vrrp?.status() ?? [],
        vrrp_sync_group: vrrp?.groupStatus() ?? [],
        tracked: vrrp?.trackers() ?? null,
        virtual_server: ipvs ? [...ipvs.desired.values()].map((d) => ({ origin: d.origin, service: d.service, dests: [...d.dests.values()] })) : [],
        checkers: checkers?.status().checkers ?? [],
      };
      files.push([join(directory, OwnDumpFiles.data), `${JSON.stringify(own, null, 2)}\n`]);
      for (const [path, text] of files) await m.writeDumpFile(path, text, s.globals.umask);
      return files.map(([p]) => p);
    });

  const onStats = (clear: boolean): void =>
    run(clear ? 'stats (then cleared)' : 'stats', async (m, directory) => {
      const vrrp = src.vrrp();
      const s = await snapshot();
      const files: string[] = [];
      if (vrrp) {
        baseline ??= new m.StatsBaseline();
        const path = join(directory, m.DumpFiles.stats);
        await m.writeDumpFile(path, m.formatVrrpStats(baseline.apply(s)), s.globals.umask);
        files.push(path);
        if (clear) baseline.clear(s);
      }
      const own = join(directory, OwnDumpFiles.stats);
      await m.writeDumpFile(own, `${JSON.stringify(hub.counters(), null, 2)}\n`, s.globals.umask);
      files.push(own);
      return files;
    });

  const onJson = (): void =>
    run('JSON', async (m, directory) => {
      const vrrp = src.vrrp();
      const s = await snapshot();
      const text = vrrp ? m.formatVrrpJson(s) : null;
      if (text === null) return []; // keepalived writes none without instances
      const path = join(directory, m.DumpFiles.json);
      await m.writeDumpFile(path, text, s.globals.umask);
      return [path];
    });

  const usr1 = (): void => onData();
  const usr2 = (): void => onStats(false);
  process.on('SIGUSR1', usr1);
  process.on('SIGUSR2', usr2);
  const undo: (() => void)[] = [() => process.off('SIGUSR1', usr1), () => process.off('SIGUSR2', usr2)];
  try {
    const numbers = keepalivedSignals();
    undo.push(onNumberedSignal(numbers.JSON, onJson), onNumberedSignal(numbers.STATS_CLEAR, () => onStats(true)));
  } catch (e) {
    log.warn({ error: (e as Error).message }, 'keepalived\'s JSON and STATS_CLEAR signals cannot be caught without the native addon');
  }
  return () => {
    for (const u of undo.splice(0)) u();
  };
}
