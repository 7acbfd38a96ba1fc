/**
 * keepalived's command line (keepalived(8), core/main.c `parse_cmdline()`), accepted unchanged so
 * that systemd units and lab scripts written for keepalived start keepalived-ts as they are.
 */
import { Command, Option } from 'commander';
import { keepalivedSignals } from '../native/signals.js';
import type { ModuleLoad } from '../bundle-loader.js';

export const DefaultConfigFile = '/etc/keepalived/keepalived.conf';

export interface CliOptions {
  useFile: string;
  vrrp?: boolean;
  check?: boolean;
  no_bfd?: boolean;
  all?: boolean;
  logConsole?: boolean;
  logDetail?: boolean;
  logFacility?: string;
  logFile?: string;
  flushLogFile?: boolean;
  syslog?: boolean;
  umask?: string;
  releaseVips?: boolean;
  dontReleaseVrrp?: boolean;
  dontReleaseIpvs?: boolean;
  dontRespawn?: boolean;
  dontFork?: boolean;
  dumpConf?: boolean;
  pid?: string;
  vrrp_pid?: string;
  checkers_pid?: string;
  bfd_pid?: string;
  addressMonitoring?: boolean;
  snmp?: boolean;
  snmpAgentSocket?: string;
  namespace?: string;
  coreDump?: boolean;
  coreDumpPattern?: string | boolean;
  allConfig?: boolean;
  configId?: string;
  ignoreSigint?: boolean;
  signum?: string;
  configTest?: string | boolean;
  perf?: string | boolean;
  debug?: string | boolean;
  memCheck?: boolean;
  version?: boolean;
  dumpConfig?: boolean;
  /** keepalived-ts's own: `--http-listen HOST:PORT` (repeatable) for /metrics, /status, /healthz. */
  httpListen?: string[];
}

export function buildProgram(): Command {
  const program = new Command('keepalived-ts');
  program
    .description('A keepalived-compatible VRRP and health-check agent for Linux LVS/IPVS directors')
    .helpOption('-h, --help', 'display this help and exit')
    .option('-f, --use-file <file>', 'use the specified configuration file', DefaultConfigFile)
    .option('-P, --vrrp', 'only run the VRRP subsystem')
    .option('-C, --check', 'only run the health-checker subsystem')
    .option('-B, --no_bfd', 'do not run the BFD subsystem')
    .option('--all', 'run all subsystems, even if they have no configuration')
    .option('-l, --log-console', 'log messages to the local console')
    .option('-D, --log-detail', 'detailed log messages')
    .option('-S, --log-facility <facility>', 'syslog facility: 0-7, local0-7, user or daemon')
    .option('-g, --log-file <file>', 'log to a file')
    .option('--flush-log-file', 'flush the log file after each write')
    .option('-G, --no-syslog', 'do not log through syslog')
    .option('-u, --umask <mask>', 'umask for files created')
    .option('-X, --release-vips', 'drop VIPs and VIP routes on exit even if not master')
    .option('-V, --dont-release-vrrp', 'do not remove VRRP VIPs and routes on shutdown')
    .option('-I, --dont-release-ipvs', 'do not remove IPVS topology on shutdown')
    .option('-R, --dont-respawn', 'do not respawn children')
    .option('-n, --dont-fork', 'do not fork the daemon process')
    .option('-d, --dump-conf', 'dump the configuration data')
    .option('-p, --pid <file>', 'use the specified pidfile for the parent process')
    .option('-r, --vrrp_pid <file>', 'use the specified pidfile for the VRRP child process')
    .option('-c, --checkers_pid <file>', 'use the specified pidfile for the checkers child process')
    .option('-b, --bfd_pid <file>', 'use the specified pidfile for the BFD child process')
    .option('-a, --address-monitoring', 'report all address additions and deletions notified by netlink')
    .option('-x, --snmp', 'enable SNMP subsystem')
    .option('-A, --snmp-agent-socket <file>', 'SNMP agent socket')
    .option('-s, --namespace <name>', 'run in the network namespace NAME (overrides config)')
    .option('-m, --core-dump', 'produce a core dump if terminated abnormally')
    .option('-M, --core-dump-pattern [pattern]', 'also set /proc/sys/kernel/core_pattern')
    .option('-e, --all-config', "don't load if any configuration file is missing or cannot be read")
    .option('-i, --config-id <id>', 'skip lines beginning @ that do not match the id (default: host name up to the first dot)')
    .option('--ignore-sigint', 'ignore SIGINT (for debugging)')
    .option('--signum <sigfunc>', 'print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON and exit')
    .option('-t, --config-test [logfile]', 'check the configuration for errors and exit')
    .option('--perf [when]', 'collect perf data (accepted for compatibility)')
    .option('--debug [options]', 'debug options (accepted for compatibility)')
    .option('--no-mem-check', 'disable malloc() checking (accepted for compatibility)')
    .option('-v, --version', 'display the version and exit')
    .option(
      '--http-listen <host:port>',
      'keepalived-ts: serve /metrics (Prometheus), /status (JSON) and /healthz on HOST:PORT (repeatable; 127.0.0.1:9165 recommended)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .addOption(new Option('--dump-config', 'print the configuration model as JSON and exit (keepalived-ts)'))
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  return program;
}

/**
 * `--signum NAME`: the number keepalived 2.2.7 prints for it (lib/signals.c `get_signum()`: exact,
 * case-sensitive names; JSON as in a build with --enable-json; TDUMP only exists in THREAD_DUMP
 * builds, which Debian's is not), with SIGRTMIN/SIGRTMAX from the C library at run time.
 * undefined for a name keepalived does not know.
 */
export function signalNumberFor(name: string, signals: Readonly<Record<string, number>> = keepalivedSignals()): number | undefined {
  return Object.hasOwn(signals, name) ? signals[name] : undefined;
}

/**
 * The keepalived release whose behaviour keepalived-ts follows and claims in `-v`. Tools decide by
 * this number what to expect: keepalived-exporter takes the second word of the first line
 * (`v2.2.7`) and asks `--signum` only from 1.3.8 on (below that it exits when it needs JSON), and
 * reads the script states of the data dump from 1.4.0 on; the signal numbers and the dump files
 * keepalived-ts writes are 2.2.7's. Our own name and version follow in brackets, where keepalived
 * puts its release date.
 */
export const KeepalivedCompatVersion = '2.2.7';

/** What `-v` reports about the machine (gathered by the caller, so that the layout is testable). */
export interface VersionHost {
  /** uname: sysname, release, version. */
  sysname: string;
  release: string;
  kernelVersion: string;
  /** /etc/os-release PRETTY_NAME, if any. */
  distro?: string;
  /** The addon's LINUX_VERSION_CODE, if the addon loads. */
  linuxVersionCode?: number;
  nodeVersion: string;
  /** How the modules were loaded (src/bundle-loader.ts). */
  moduleLoad?: ModuleLoad;
}

/**
 * keepalived's `-v` text (core/main.c, option 'v'), which it writes to stderr. The option lines
 * describe keepalived-ts in keepalived's vocabulary, since tools grep them: `--enable-json` in the
 * configure options is how keepalived-exporter decides that SIGJSON and /tmp/keepalived.json exist.
 * Only what keepalived-ts does is claimed (no SNMP, DBus, BFD, VMACs, nftables).
 */
const ModuleLoadText = {
  bundle: 'bundled modules, no V8 code cache',
  'bundle-cache-rejected': 'bundled modules, V8 code cache rejected',
  'bundle-code-cache': 'bundled modules, V8 code cache',
} as const;

export function formatVersion(ownVersion: string, host: VersionHost): string {
  const lines = [`Keepalived v${KeepalivedCompatVersion} (keepalived-ts v${ownVersion})`, ''];
  lines.push('Copyright(C) the keepalived-ts authors (MIT licence); keepalived is Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>', '');
  const code = host.linuxVersionCode;
  if (code !== undefined) lines.push(`Built with kernel headers for Linux ${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`);
  else lines.push("Built without the native addon (run 'npm install')");
  lines.push(`Running on ${host.sysname} ${host.release} ${host.kernelVersion}`);
  if (host.distro !== undefined) lines.push(`Distro: ${host.distro}`);
  lines.push(`Node.js ${host.nodeVersion}${host.moduleLoad !== undefined && host.moduleLoad !== 'files' ? ` (${ModuleLoadText[host.moduleLoad]})` : ''}`, '');
  lines.push('configure options: --enable-json --enable-regex --with-init=systemd', '');
  lines.push('Config options:  LVS REGEX VRRP VRRP_AUTH JSON INIT=systemd SYSTEMD_NOTIFY', '');
  lines.push('System options:  LIBIPVS_NETLINK IPVS_DEST_ATTR_ADDR_FAMILY IPVS_64BIT_STATS IPVS_TUN_TYPE SO_MARK');
  return `${lines.join('\n')}\n`;
}
