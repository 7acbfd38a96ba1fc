/**
 * keepalived's command line (keepalived(8), core/main.c `parse_cmdline()`), accepted unchanged so
 * that systemd units and lab scripts written for keepalived start keepalived-ts as they are.
 */
import { Command, Option } from 'commander';

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
    .option('--signum <sigfunc>', 'print the signal number for RELOAD, STOP, DATA, STATS, STATS_CLEAR, JSON and exit')
    .option('-t, --config-test [logfile]', 'check the configuration for errors and exit')
    .option('--perf [when]', 'collect perf data (accepted for compatibility)')
    .option('--debug [options]', 'debug options (accepted for compatibility)')
    .option('--no-mem-check', 'disable malloc() checking (accepted for compatibility)')
    .option('-v, --version', 'display the version and exit')
    .addOption(new Option('--dump-config', 'print the configuration model as JSON and exit (keepalived-ts)'))
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  return program;
}

/**
 * Signal numbers for `--signum` (lib/signals.c `get_signum()`); SIGRTMIN is 34 and SIGRTMAX 64 on
 * Linux, as glibc reports them to programs.
 */
export const SignalFunctions: Readonly<Record<string, number>> = {
  RELOAD: 1,
  STOP: 15,
  DATA: 10,
  STATS: 12,
  STATS_CLEAR: 63,
  JSON: 36,
};
