/**
 * Throwaway network namespaces for tests (root needed; CI runs as root). Each namespace gets a
 * unique name and is deleted by `destroy()`, also after a failed test.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

let counter = 0;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function check(r: SpawnSyncReturns<string>, what: string): void {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}`);
}

function ip(args: string[]): void {
  check(spawnSync('ip', args, { encoding: 'utf8' }), `ip ${args.join(' ')}`);
}

export class Netns {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** A namespace with lo up and, for each name given, a veth interface of that name (up). */
  static create(interfaces: readonly string[] = []): Netns {
    const name = `kts-${process.pid}-${++counter}`;
    ip(['netns', 'add', name]);
    const ns = new Netns(name);
    try {
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
      interfaces.forEach((ifname, i) => {
        ip(['-n', name, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `peer${i}`]);
        ip(['-n', name, 'link', 'set', ifname, 'up']);
      });
    } catch (e) {
      ns.destroy();
      throw e;
    }
    return ns;
  }

  exec(command: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): RunResult {
    const r = spawnSync('ip', ['netns', 'exec', this.name, command, ...args], {
      encoding: 'utf8',
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 30_000,
    });
    if (r.error) throw new Error(`${command}: ${r.error.message}`);
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  destroy(): void {
    spawnSync('ip', ['netns', 'del', this.name], { encoding: 'utf8' });
  }
}
