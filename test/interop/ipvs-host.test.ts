/**
 * On a kernel without IPVS (this host's): one clear error, a non-zero exit under -C and for
 * `keepalived-ts ipvs`, and the VRRP side keeps running when both subsystems are configured.
 * Root; the VRRP case runs in a throwaway network namespace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns } from '../helpers/netns.js';

const cli = join(process.cwd(), 'dist/cli.js');
let dir: string;
let ns: Netns;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-ipvs-'));
  ns = Netns.create(['eth0']);
  ns.exec('ip', ['addr', 'add', '192.0.2.10/24', 'dev', 'eth0']);
  ns.exec('ip', ['link', 'set', 'peer0', 'up']); // carrier for eth0
});
afterAll(() => {
  ns?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const lvs = `
virtual_server 192.0.2.100 80 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 192.0.2.21 80 {
    weight 1
  }
}
`;
const vrrp = `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 255
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`;

function pidArgs(tag: string): string[] {
  return ['-p', join(dir, `${tag}.pid`), '-r', join(dir, `${tag}-vrrp.pid`), '-c', join(dir, `${tag}-checkers.pid`)];
}

describe('without IPVS in the kernel', () => {
  it('-C says so once and exits non-zero', () => {
    writeFileSync(join(dir, 'lvs.conf'), lvs);
    const r = spawnSync('node', [cli, '-C', '-n', '-l', '-f', join(dir, 'lvs.conf'), ...pidArgs('c')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.includes('IPVS: not available'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('is the ip_vs module loaded?');
  });

  it('keepalived-ts ipvs exits non-zero with the reason', () => {
    const r = spawnSync('node', [cli, 'ipvs'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^keepalived-ts ipvs: the kernel has no IPVS/);
  });

  it('the VRRP side still runs when both are configured', async () => {
    writeFileSync(join(dir, 'both.conf'), vrrp + lvs);
    const p = spawn('ip', ['netns', 'exec', ns.name, 'node', cli, '-n', '-l', '-f', join(dir, 'both.conf'), ...pidArgs('b')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    p.stderr.on('data', (b: Buffer) => (log += b.toString()));
    try {
      for (let i = 0; i < 100 && !log.includes('Entering MASTER STATE'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(log).toContain('IPVS: not available');
      expect(log).toContain('Entering MASTER STATE');
      expect(ns.exec('ip', ['-4', 'addr', 'show', 'dev', 'eth0']).stdout).toContain('192.0.2.100/24');
    } finally {
      p.kill('SIGTERM');
      await new Promise((r) => p.on('exit', r));
    }
    expect(ns.exec('ip', ['-4', 'addr', 'show', 'dev', 'eth0']).stdout).not.toContain('192.0.2.100/24');
  });
});
