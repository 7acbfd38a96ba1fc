/**
 * `keepalived-ts -t` with `net_namespace NAME` or `-s NAME` checks the configuration inside that
 * namespace, as keepalived 2.2.7 does (core/main.c): its interfaces are the ones that count. A
 * namespace it cannot enter ends the check with exit 0, after the global pass's messages.
 * Runs dist/cli.js in a child (entering a namespace moves the process for good).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns } from '../../helpers/netns.js';

const root = resolve(import.meta.dirname, '../../..');
const cli = join(root, 'dist/cli.js');

const instanceOn = (ifname: string): string => `vrrp_instance VI_1 {
    interface ${ifname}
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`;

describe('-t in a network namespace', () => {
  let ns: Netns;
  let dir: string;
  const check = (text: string, args: string[] = []): { status: number | null; stderr: string } => {
    const file = join(dir, `k${Math.random().toString(36).slice(2)}.conf`);
    writeFileSync(file, text);
    const r = spawnSync(cli, ['-t', '-f', file, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
  };

  beforeAll(() => {
    expect(existsSync(cli), 'run npm run build first').toBe(true);
    ns = Netns.create(['kt17t0']);
    dir = mkdtempSync(join(tmpdir(), 'kts-netns-'));
  });
  afterAll(() => {
    ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("checks interfaces in the configuration's net_namespace", () => {
    // kt17t0 exists only in the namespace: here it is missing
    const here = check(instanceOn('kt17t0'));
    expect(here.status).toBe(5);
    expect(here.stderr).toContain('Non-existent interface specified in configuration');
    expect(check(`net_namespace ${ns.name}\n${instanceOn('kt17t0')}`)).toEqual({ status: 0, stderr: '' });
    const absent = check(`net_namespace ${ns.name}\n${instanceOn('kt17t9')}`);
    expect(absent.status).toBe(5);
    expect(absent.stderr).toMatch(/:3: error: 'interface': WARNING - interface kt17t9 for vrrp_instance VI_1 doesn't exist/);
  });

  it('lets -s override net_namespace', () => {
    expect(check(instanceOn('kt17t0'), ['-s', ns.name]).status).toBe(0);
    expect(check(`net_namespace ${ns.name}-absent\n${instanceOn('kt17t0')}`, ['-s', ns.name]).status).toBe(0);
    expect(check(`net_namespace ${ns.name}\n${instanceOn('kt17t0')}`, ['-s', `${ns.name}-absent`]).status).toBe(0);
  });

  it('stops with exit 0 after the global messages when the namespace cannot be entered', () => {
    const r = check(`net_namespace ${ns.name}-absent\nbogus_keyword\n${instanceOn('kt17t9')}`);
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/:2: warning: Unknown keyword 'bogus_keyword'$/);
    expect(lines[1]).toBe(`info: Unable to set network namespace ${ns.name}-absent - exiting (/run/netns/${ns.name}-absent: No such file or directory)`);
  });
});
