/**
 * A lab of network namespaces on a Linux bridge, for the failover demo and the interop tests:
 * `<prefix>-sw` holds bridge br0; hosts `<prefix>-h1..hN` each have eth0 on it with
 * 192.0.2.(10+i)/24 (documentation addresses only). Set up with iproute2 (`ip`); this is test
 * and demo tooling, not the agent's kernel edge.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

export class NetnsLab {
  readonly switchNs: string;

  constructor(readonly prefix: string) {
    if (!/^[a-z][a-z0-9-]{0,11}$/.test(prefix)) throw new Error(`lab prefix '${prefix}' must be short, lower case letters, digits or '-'`);
    this.switchNs = `${prefix}-sw`;
  }

  host(i: number): string {
    return `${this.prefix}-h${i}`;
  }

  static address(i: number): string {
    return `192.0.2.${10 + i}`;
  }

  ip(...args: string[]): string {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * Create the switch and `hosts` hosts (removing any previous lab of this prefix first). With
   * `segments` 2, a second bridge br1 links every host's eth1, addressed 198.51.100.(10+i)/24.
   */
  up(hosts: number, segments: 1 | 2 = 1): void {
    this.down();
    this.ip('netns', 'add', this.switchNs);
    this.ip('-n', this.switchNs, 'link', 'set', 'lo', 'up');
    this.ip('-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0');
    this.ip('-n', this.switchNs, 'link', 'set', 'br0', 'up');
    if (segments === 2) {
      this.ip('-n', this.switchNs, 'link', 'add', 'br1', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', 'mcast_snooping', '0');
      this.ip('-n', this.switchNs, 'link', 'set', 'br1', 'up');
    }
    for (let i = 1; i <= hosts; i++) {
      const ns = this.host(i);
      this.ip('netns', 'add', ns);
      this.ip('-n', ns, 'link', 'set', 'lo', 'up');
      this.ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', this.switchNs);
      this.ip('-n', this.switchNs, 'link', 'set', `p${i}`, 'master', 'br0');
      this.ip('-n', this.switchNs, 'link', 'set', `p${i}`, 'up');
      this.ip('-n', ns, 'addr', 'add', `${NetnsLab.address(i)}/24`, 'dev', 'eth0');
      this.ip('-n', ns, 'link', 'set', 'eth0', 'up');
      if (segments === 2) {
        this.ip('-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', `q${i}`, 'netns', this.switchNs);
        this.ip('-n', this.switchNs, 'link', 'set', `q${i}`, 'master', 'br1');
        this.ip('-n', this.switchNs, 'link', 'set', `q${i}`, 'up');
        this.ip('-n', ns, 'addr', 'add', `198.51.100.${10 + i}/24`, 'dev', 'eth1');
        this.ip('-n', ns, 'link', 'set', 'eth1', 'up');
      }
    }
  }

  namespaces(): string[] {
    const out = this.ip('netns', 'list');
    return out
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n === this.switchNs || new RegExp(`^${this.prefix}-h[0-9]+$`).test(n));
  }

  /** Kill every process in the lab's namespaces and delete them. */
  down(): void {
    for (const ns of this.namespaces()) {
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        const pids = this.ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
        for (const pid of pids) {
          try {
            process.kill(pid, signal);
          } catch {
            // gone
          }
        }
        if (pids.length) execFileSync('sleep', ['0.3']);
      }
    }
    for (const ns of this.namespaces()) this.ip('netns', 'del', ns);
  }

  /** Run a command in a namespace, in its own process group (so the group can be killed). */
  spawn(ns: string, command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', ns, command, ...args], { detached: true, stdio: 'ignore', ...opts });
  }

  exec(ns: string, command: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** IPv4 addresses on a host's eth0. */
  addresses(ns: string, dev = 'eth0'): string[] {
    const out = this.ip('-n', ns, '-4', '-o', 'addr', 'show', 'dev', dev);
    return [...out.matchAll(/inet ([0-9.]+)\//g)].map((m) => m[1]!);
  }

  static available(): boolean {
    return process.getuid?.() === 0 && existsSync('/usr/sbin/ip') ? true : process.getuid?.() === 0 && existsSync('/sbin/ip');
  }
}
