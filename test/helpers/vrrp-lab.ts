/**
 * Interop test harness: a NetnsLab with keepalived (Debian's) and keepalived-ts as VRRP peers,
 * a tcpdump capture on the bridge, and tshark to decode it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NetnsLab } from '../../src/lab/netns.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
/** The command, run as users run it (its own first line gives node's flags, which the code cache needs). */
export const commandPath = join(repoRoot, 'dist/cli.js');

export interface PeerConfig {
  version: 2 | 3;
  advertInt: number;
  priority: number;
  vrid?: number;
  vip?: string;
  nopreempt?: boolean;
  /** Unicast: our address and the peer's. */
  unicast?: { src: string; peer: string };
}

export function vrrpConfig(c: PeerConfig): string {
  return `global_defs {
  router_id lab
  vrrp_version ${c.version}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${c.vrid ?? 51}
  priority ${c.priority}
  advert_int ${c.advertInt}
${c.nopreempt ? '  nopreempt\n' : ''}${c.unicast ? `  unicast_src_ip ${c.unicast.src}\n  unicast_peer {\n    ${c.unicast.peer}\n  }\n` : ''}  virtual_ipaddress {
    ${c.vip ?? '192.0.2.100/24'}
  }
}
`;
}

export type Agent = 'keepalived' | 'keepalived-ts';

export function peerLog(p: Peer): string {
  return readFileSync(join(p.dir, 'log'), 'utf8');
}

export interface Peer {
  agent: Agent;
  host: number;
  child: ChildProcess;
  dir: string;
  pidFile: string;
}

export class VrrpLab {
  readonly lab: NetnsLab;
  readonly dir: string;
  #capture: ChildProcess | null = null;

  constructor(prefix: string) {
    this.lab = new NetnsLab(prefix);
    this.dir = join('/tmp', `kts-${prefix}`);
  }

  up(hosts: number, segments: 1 | 2 = 1): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    this.lab.up(hosts, segments);
  }

  down(): void {
    this.stopCapture();
    this.lab.down();
  }

  /** @param extraArgs keepalived-ts's own options (e.g. --http-listen), after keepalived's */
  start(agent: Agent, host: number, config: string, extraArgs: readonly string[] = []): Peer {
    const dir = join(this.dir, `h${host}-${agent}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, config);
    const pidFile = join(dir, 'main.pid');
    const args = ['-n', '-l', '-D', '-f', conf, '-p', pidFile, '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), '-b', join(dir, 'bfd.pid'), ...extraArgs];
    const [cmd, cmdArgs] = agent === 'keepalived' ? ['keepalived', args] : [commandPath, args];
    // both agents log to the console with -l: keep it for failures
    const log = openSync(join(dir, 'log'), 'w');
    const child = this.lab.spawn(this.lab.host(host), cmd, cmdArgs, { stdio: ['ignore', log, log] });
    closeSync(log);
    return { agent, host, child, dir, pidFile };
  }

  /** Kill the peer's whole process group at once (a crash). */
  crash(p: Peer): void {
    if (p.child.pid !== undefined) process.kill(-p.child.pid, 'SIGKILL');
  }

  /** SIGTERM to the daemon (its main pid), as systemd stops it; resolves when it has exited. */
  async terminate(p: Peer, timeoutMs = 5000): Promise<void> {
    const pid = await waitFor(() => (existsSync(p.pidFile) ? Number(readFileSync(p.pidFile, 'utf8')) : null), 5000, 'pid file');
    process.kill(pid, 'SIGTERM');
    await waitFor(() => (p.child.exitCode !== null || p.child.signalCode !== null ? true : null), timeoutMs, `${p.agent} exit`);
  }

  holders(hosts: number, vip = '192.0.2.100', dev = 'eth0'): number[] {
    const out: number[] = [];
    for (let i = 1; i <= hosts; i++) if (this.lab.addresses(this.lab.host(i), dev).includes(vip)) out.push(i);
    return out;
  }

  /** @param filter tcpdump's filter (a flood test keeps its own packets out of the file) */
  startCapture(filter = 'proto 112 or arp'): string {
    const file = join(this.dir, `capture-${Date.now()}.pcap`);
    this.#capture = spawn('ip', ['netns', 'exec', this.lab.switchNs, 'tcpdump', '-i', 'br0', '--immediate-mode', '-U', '-w', file, filter], {
      stdio: 'ignore',
      detached: true,
    });
    return file;
  }

  stopCapture(): void {
    if (this.#capture?.pid !== undefined && this.#capture.exitCode === null) {
      execFileSync('sleep', ['0.3']); // let the last packets reach the file
      try {
        process.kill(-this.#capture.pid, 'SIGINT');
      } catch {
        // gone
      }
      execFileSync('sleep', ['0.3']);
    }
    this.#capture = null;
  }
}

export interface CapturedAdvert {
  time: number;
  src: string;
  priority: number;
  version: number;
  checksumGood: boolean;
  ttl: number;
  vrid: number;
}
export interface CapturedArp {
  time: number;
  address: string;
}

/** Decode a capture with tshark: VRRP adverts and gratuitous ARPs. */
export function decodeCapture(file: string): { adverts: CapturedAdvert[]; arps: CapturedArp[] } {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'vrrp.prio', '-e', 'vrrp.version', '-e', 'vrrp.checksum.status', '-e', 'ip.ttl', '-e', 'arp.isgratuitous', '-e', 'arp.src.proto_ipv4', '-e', 'vrrp.virt_rtr_id'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const adverts: CapturedAdvert[] = [];
  const arps: CapturedArp[] = [];
  for (const line of out.split('\n')) {
    const [time, src, prio, version, status, ttl, gratuitous, arpSrc, vrid] = line.split('|');
    if (!time) continue;
    if (prio) adverts.push({ time: Number(time), src: src!, priority: Number(prio), version: Number(version), checksumGood: status === '1', ttl: Number(ttl), vrid: Number(vrid) });
    else if (gratuitous === '1' || gratuitous === 'True') arps.push({ time: Number(time), address: arpSrc! });
  }
  return { adverts, arps };
}

export async function waitFor<T>(probe: () => T | null | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
