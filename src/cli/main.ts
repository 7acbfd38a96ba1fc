/**
 * The command line: keepalived's flags, `-t/--config-test` with keepalived's exit codes, and
 * `--dump-config`. Composition only; the work is in src/config and src/io.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { release, type as osType, version as osVersion } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parseConfig, type ParseResult } from '../config/index.js';
import { nativeSockets } from '../native/index.js';
import { configTestExitCode, formatDiagnostic } from '../config/diagnostics.js';
import { nodeConfigFs } from '../io/node-config-fs.js';
import type { ConfigFs } from '../config/fs-port.js';
import { systemHostEnvironment } from '../io/host-environment.js';
import { buildProgram, formatVersion, signalNumberFor, type CliOptions, type VersionHost } from './options.js';
import { VERSION } from '../version.js';
import { howModulesLoaded, markStartup } from '../startup-timing.js';
import { runDaemon } from './daemon.js';
import type { IpvsClient } from '../ipvs/client.js';
// The lab, `ipvs` and `genhash` commands' modules are imported when those commands run: every
// module costs the daemon's start (~8 ms each in User-Mode Linux, docs/benchmarks.md).

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** keepalived's process exit codes (lib/scheduler.h `exit_code`). */
export const ExitCode = { Ok: 0, Fatal: 1, Config: 2, NoConfig: 6, ProgramError: 70 } as const;

export function runCli(argv: readonly string[], io: CliIo): number | Promise<number> {
  if (argv[0] === 'lab') return runLabCommand(argv.slice(1), io);
  if (argv[0] === 'ipvs') return runIpvsCommand(argv.slice(1), io);
  if (argv[0] === 'genhash') return import('./genhash.js').then((m) => m.runGenhashCommand(argv.slice(1), io));
  if (argv[0] === 'status') return import('./status-command.js').then((m) => m.runStatusCommand(argv.slice(1), io));
  const program = buildProgram();
  // keepalived acts on -v and --signum as getopt reaches them and exits: what follows is not read
  program.on('option:version', () => {
    throw new ImmediateOption('version');
  });
  program.on('option:signum', (value: string) => {
    throw new ImmediateOption('signum', value);
  });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof ImmediateOption) return e.kind === 'version' ? printVersion(io) : printSignum(e.value, io);
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
        io.stdout(program.helpInformation());
        return ExitCode.Ok;
      }
      io.stderr(`keepalived-ts: ${e.message.replace(/^error: /, '')}\n`);
      io.stderr(program.helpInformation());
      return ExitCode.Fatal;
    }
    throw e;
  }
  const opts = program.opts<CliOptions>();
  if (opts.httpListen && opts.configTest === undefined && opts.dumpConfig !== true) return checkHttpListen(opts.httpListen, io).then((ok) => (ok ? runAgent(opts, io) : ExitCode.Fatal));
  return runAgent(opts, io);
}

/** `--http-listen` values are checked before anything starts: a typo must not leave a daemon without its endpoint. */
async function checkHttpListen(values: readonly string[], io: CliIo): Promise<boolean> {
  const { parseHttpListen } = await import('../observe/http-server.js');
  const bad = values.filter((v) => parseHttpListen(v) === null);
  for (const v of bad) io.stderr(`keepalived-ts: --http-listen: expected HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, got '${v}'\n`);
  return bad.length === 0;
}

function runAgent(opts: CliOptions, io: CliIo): number | Promise<number> {

  if (opts.configTest !== undefined) return checkConfigInNamespace(opts, io);
  if (opts.dumpConfig) return checkConfig(opts, io, loadConfig(opts, io));
  limitMallocArenas();
  const small = mainFileForThisThread(opts, io);
  const first = small === null ? loadConfigOffHeap(opts, io) : Promise.resolve(loadConfig(opts, io, small));
  return first.then((result) => {
    markStartup('configRead');
    for (const d of result.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    if (result.includeFailed) return ExitCode.NoConfig;
    if (result.abortedIn !== undefined) return ExitCode.Config;
    if (configTestExitCode(result.diagnostics) === 4) return ExitCode.Fatal;
    return runDaemon(opts, result, io.stderr, () => loadConfigOffHeap(opts, io));
  });
}

class ImmediateOption {
  constructor(
    readonly kind: 'version' | 'signum',
    readonly value = '',
  ) {}
}

/** `-v`: keepalived's layout, on stderr as keepalived writes it (keepalived-exporter reads it there). */
function printVersion(io: CliIo): number {
  io.stderr(formatVersion(VERSION, versionHost()));
  return ExitCode.Ok;
}

function versionHost(): VersionHost {
  const host: VersionHost = { sysname: osType(), release: release(), kernelVersion: osVersion(), nodeVersion: process.version, moduleLoad: howModulesLoaded() };
  try {
    const pretty = /^PRETTY_NAME=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    // keepalived drops one leading and one trailing double quote
    if (pretty !== undefined) host.distro = pretty.replace(/^"/, '').replace(/"$/, '');
  } catch {
    // no os-release: no Distro line, as keepalived
  }
  try {
    host.linuxVersionCode = nativeSockets().constants.LINUX_VERSION_CODE;
  } catch {
    // addon not built: said so in the output
  }
  return host;
}

/** `--signum NAME`: the number on stdout, or keepalived's message and exit code 1. */
function printSignum(name: string, io: CliIo): number {
  if (name === '') {
    io.stderr('Missing parameter for option --signum\n');
    return ExitCode.Fatal;
  }
  const n = signalNumberFor(name);
  if (n === undefined) {
    io.stderr(`Unknown sigfunc ${name}\n`);
    return ExitCode.Fatal;
  }
  io.stdout(`${n}\n`);
  return ExitCode.Ok;
}

/** The daemon keeps two malloc arenas at most: the configuration worker's would otherwise stay behind it, mostly empty. */
function limitMallocArenas(): void {
  try {
    nativeSockets().limitMallocArenas(2);
  } catch {
    // no addon: only the memory figure suffers
  }
}

/**
 * -t with `net_namespace NAME` (or `-s NAME`, which overrides it): keepalived (core/main.c) reads
 * its global pass, enters the namespace, and checks the rest there, against that namespace's
 * interfaces. When it cannot enter it (core/namespaces.c set_namespaces(): no /run/netns/NAME,
 * or setns() refused), it logs so and exits 0 without checking further; only what its global pass
 * printed is shown.
 */
function checkConfigInNamespace(opts: CliOptions, io: CliIo): number {
  const first = loadConfig(opts, io);
  const name = opts.namespace ?? first.config.net_namespace;
  // a failed include or a missing value in the global pass ends keepalived before the namespace
  if (name === undefined || first.includeFailed || first.abortedIn === 'global') return checkConfig(opts, io, first);
  let addon: ReturnType<typeof nativeSockets>;
  try {
    addon = nativeSockets();
  } catch (e) {
    io.stderr(`keepalived-ts: cannot enter network namespace ${name} (${(e as Error).message}); checking in this one\n`);
    return checkConfig(opts, io, first);
  }
  try {
    addon.enterNetns(name);
  } catch (e) {
    const shown = first.diagnostics.filter((d) => (d.phase ?? 'global') === 'global').map((d) => `${formatDiagnostic(d)}\n`);
    shown.push(`info: Unable to set network namespace ${name} - exiting (${(e as Error).message})\n`);
    if (typeof opts.configTest === 'string') writeFileSync(opts.configTest, shown.join(''));
    else io.stderr(shown.join(''));
    return ExitCode.Ok;
  }
  // interfaces are those of the namespace now: read again
  return checkConfig(opts, io, loadConfig(opts, io));
}

/** -t / --config-test and --dump-config. */
function checkConfig(opts: CliOptions, io: CliIo, result: ParseResult): number {
  if (opts.configTest !== undefined) {
    // keepalived stops after its global pass when an include fails its checks.
    const shown = result.includeFailed ? result.diagnostics.filter((d) => (d.phase ?? 'global') === 'global') : result.diagnostics;
    const text = shown.map((d) => `${formatDiagnostic(d)}\n`).join('');
    if (typeof opts.configTest === 'string') writeFileSync(opts.configTest, text);
    else io.stderr(text);
    if (result.includeFailed) return ExitCode.NoConfig;
    return result.abortedIn !== undefined ? ExitCode.Config : configTestExitCode(result.diagnostics);
  }
  for (const d of result.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
  io.stdout(`${JSON.stringify(result.config, null, 2)}\n`);
  return configTestExitCode(result.diagnostics) === 4 ? ExitCode.NoConfig : ExitCode.Ok;
}

/** `keepalived-ts lab [options]`: the two-director failover drill in network namespaces. */
function runLabCommand(argv: readonly string[], io: CliIo): number | Promise<number> {
  const lab = new Command('keepalived-ts lab')
    .description('build a two-director lab in network namespaces, run a failover drill, measure it, clean up (root)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('--vrrp-version <2|3>', 'VRRP version', '2')
    .option('--advert-int <seconds>', 'advert_int of both directors', '1')
    .option('--agent <name>', 'run keepalived-ts or, to compare, Debian keepalived on both directors', 'keepalived-ts')
    .option('--keep', 'leave the lab running at the end')
    .option('--down', 'only remove a lab left running');
  try {
    lab.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? ExitCode.Ok : ExitCode.Fatal;
    throw e;
  }
  const o = lab.opts<{ vrrpVersion: string; advertInt: string; agent: string; keep?: boolean; down?: boolean }>();
  const version = Number(o.vrrpVersion);
  const advertInt = Number(o.advertInt);
  if ((version !== 2 && version !== 3) || !(advertInt > 0) || (version === 2 && !Number.isInteger(advertInt))) {
    io.stderr('keepalived-ts lab: --vrrp-version must be 2 or 3, --advert-int a positive number (whole seconds for VRRPv2)\n');
    return ExitCode.Fatal;
  }
  if (o.agent !== 'keepalived-ts' && o.agent !== 'keepalived') {
    io.stderr("keepalived-ts lab: --agent must be 'keepalived-ts' or 'keepalived'\n");
    return ExitCode.Fatal;
  }
  const agent = o.agent;
  return import('../lab/demo.js').then(({ labDown, runLab }) =>
    o.down ? labDown().then(() => ExitCode.Ok) : runLab({ version, advertInt, agent, keep: o.keep === true, out: (line) => io.stdout(`${line}\n`) }),
  );
}

/** `keepalived-ts ipvs [--json]`: the kernel's IPVS table as `ipvsadm -Ln` shows it. */
async function runIpvsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = new Command('keepalived-ts ipvs')
    .description("print the kernel's IPVS table in `ipvsadm -Ln` layout")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('--json', 'print JSON instead');
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? ExitCode.Ok : ExitCode.Fatal;
    throw e;
  }
  const [ipvs, { formatTable, tableJson }] = await Promise.all([import('../ipvs/client.js'), import('../ipvs/format.js')]);
  let client: IpvsClient | null = null;
  try {
    client = await ipvs.IpvsClient.open();
    const [info, table] = await Promise.all([client.info(), client.table()]);
    if (cmd.opts<{ json?: boolean }>().json) io.stdout(`${JSON.stringify(tableJson(info, table), null, 2)}\n`);
    else io.stdout(formatTable(info, table));
    return ExitCode.Ok;
  } catch (e) {
    io.stderr(`keepalived-ts ipvs: ${(e as Error).message}\n`);
    return ExitCode.Fatal;
  } finally {
    client?.close();
  }
}

/**
 * Main files up to this size are read in this thread at start when they include nothing and
 * repeat nothing (no `include`, `~SEQ`, `~LST`); larger or composed ones in the worker. Nothing
 * runs yet at start, so the worker buys no responsiveness there, and it costs its own Node.js
 * environment, the configuration modules loaded again and the model copied back: at 5,000 real
 * servers (540 KB) in User-Mode Linux the start took 19 s read here against 31 s through the
 * worker, for about the same resident memory once settled (on the host: 59 against 58 MB, and a
 * lower peak; at 10,000, 64 against 61 MB, hence the limit). Reloads always read in the worker: VRRP runs by then, and the
 * worker keeps a long read from delaying its adverts. docs/benchmarks.md, "Start".
 */
export const InThreadMaxBytes = 1024 * 1024;

/**
 * Where the first reading happens: null for the worker (large or composed files), else the main
 * file's bytes for this thread (undefined when it cannot be read: the reader reports that).
 */
function mainFileForThisThread(opts: CliOptions, io: CliIo): MainFileBytes | undefined | null {
  const path = resolve(io.cwd, opts.useFile);
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size > InThreadMaxBytes) return null;
    const bytes = Buffer.alloc(size);
    const n = readSync(fd, bytes, 0, size, 0);
    return /include|~SEQ|~LST/.test(bytes.toString('latin1', 0, n)) ? null : { path, bytes: bytes.subarray(0, n) };
  } catch {
    return undefined; // missing or unreadable: the reader reports it, as -t does
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The main file as read to choose where to parse it, handed to the reader instead of a second read. */
interface MainFileBytes {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** The daemon's reading: in a worker thread (src/config/off-heap.ts), else here if that fails. */
async function loadConfigOffHeap(opts: CliOptions, io: CliIo): Promise<ParseResult> {
  try {
    const { parseConfigOffHeap } = await import('../config/off-heap.js');
    return await parseConfigOffHeap(opts.useFile, { cwd: io.cwd, env: io.env, ...(opts.configId !== undefined ? { configId: opts.configId } : {}) });
  } catch (e) {
    io.stderr(`keepalived-ts: reading the configuration in a worker failed (${(e as Error).message}); reading it in the main thread\n`);
    return loadConfig(opts, io);
  }
}

function loadConfig(opts: CliOptions, io: CliIo, main?: MainFileBytes): ParseResult {
  // the main file's first read is served from `main`; any other read goes to the disk
  let served = main === undefined;
  const fs: ConfigFs = served
    ? nodeConfigFs
    : {
        ...nodeConfigFs,
        readFile: (path) => {
          if (served || resolve(io.cwd, path) !== main!.path) return nodeConfigFs.readFile(path);
          served = true;
          return main!.bytes;
        },
      };
  return parseConfig(opts.useFile, {
    fs,
    host: systemHostEnvironment(),
    cwd: io.cwd,
    env: io.env,
    ...(opts.configId !== undefined ? { configId: opts.configId } : {}),
  });
}
