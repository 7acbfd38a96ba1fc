import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main.js';
import { buildProgram, type CliOptions } from '../../../src/cli/options.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kt-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  return { code, stdout, stderr };
}

const goodConf = `global_defs {
  router_id director1
}
virtual_server 192.0.2.10 80 {
  delay_loop 6
  lvs_sched wrr
  lvs_method DR
  protocol TCP
  real_server 198.51.100.11 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
`;

describe('keepalived-ts -t', () => {
  it('accepts a usable configuration with exit 0 and prints nothing that matters', () => {
    const r = run('-t', '-f', writeConf('good.conf', goodConf));
    expect(r.stderr).not.toMatch(/error|warning/);
    expect(r.code).toBe(0);
  });

  it('exits 5 and names file:line and the keyword for an unknown keyword', () => {
    const path = writeConf('unknown.conf', 'global_defs {\n  router_id x\n  bogus_keyword 1\n}\n');
    const r = run('--config-test', '-f', path);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${path}:3:`);
    expect(r.stderr).toContain("'bogus_keyword'");
  });

  it('exits 6 when an includem file is missing (keepalived refuses the whole configuration)', () => {
    const path = writeConf('includem.conf', 'global_defs {\n  router_id x\n}\nincludem /nonexistent-kt/*.conf.missing\n');
    const r = run('-t', '-f', path);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`${path}:4:`);
  });

  it('fails with a message, not a stack trace, when the main file does not exist', () => {
    const r = run('-t', '-f', join(dir, 'absent.conf'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('absent.conf');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports binary garbage with a location and a non-zero exit', () => {
    const path = join(dir, 'garbage.conf');
    writeFileSync(path, Buffer.from([0x00, 0xff, 0x7b, 0x0a, 0x7d, 0x7d, 0x0a, 0x81, 0x22, 0x0a]));
    const r = run('-t', '-f', path);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:`));
  });

  it('writes the diagnostics to the file given to -t', () => {
    const path = writeConf('logged.conf', 'nonsense_root_keyword\n');
    const log = join(dir, 'test.log');
    const r = run(`--config-test=${log}`, '-f', path);
    expect(r.code).toBe(5);
    expect(readFileSync(log, 'utf8')).toContain("'nonsense_root_keyword'");
  });

  it('selects @id lines with -i', () => {
    const path = writeConf('conditional.conf', '@alpha global_defs {\n@alpha   router_id a\n@alpha }\n@beta bogus_kw\n');
    expect(run('-t', '-f', path, '-i', 'alpha').code).toBe(0);
    expect(run('-t', '-f', path, '-i', 'beta').code).toBe(5);
  });
});

// The loopback interface makes `-t` fail (keepalived refuses VRRP on lo), but the model is still dumped.
const vrrpConf = `${goodConf}vrrp_instance VI_1 {
  state BACKUP
  interface lo
  virtual_router_id 51
  priority 150
  virtual_ipaddress {
    192.0.2.10/24
  }
}
`;

describe('keepalived-ts --dump-config', () => {
  it('prints the model as JSON with keepalived keyword names', () => {
    const r = run('--dump-config', '-f', writeConf('dump.conf', vrrpConf));
    expect(r.code).toBe(0);
    const model = JSON.parse(r.stdout);
    expect(model.global_defs.router_id).toBe('director1');
    expect(model.vrrp_instance[0].name).toBe('VI_1');
    expect(model.vrrp_instance[0].virtual_router_id).toBe(51);
    expect(model.vrrp_instance[0].priority).toBe(150);
    expect(model.virtual_server[0].lvs_sched).toBe('wrr');
    expect(model.virtual_server[0].real_server[0].weight).toBe(3);
    expect(model.virtual_server[0].real_server[0].checkers[0].type).toBe('TCP_CHECK');
  });
});

describe('keepalived flags', () => {
  it('prints the version with -v', () => {
    const r = run('-v');
    expect(r.code).toBe(0);
    // keepalived's layout, on stderr (more in version-signum.test.ts)
    expect(r.stderr).toMatch(/^Keepalived v\d+\.\d+\.\d+ \(keepalived-ts v\d+\.\d+\.\d+\)\n/);
  });

  it('answers --signum like keepalived', () => {
    expect(run('--signum=RELOAD').stdout).toBe('1\n');
    expect(run('--signum', 'STOP').stdout).toBe('15\n');
    expect(run('--signum=DATA').stdout).toBe('10\n');
    expect(run('--signum=STATS').stdout).toBe('12\n');
    expect(run('--signum=JSON').stdout).toBe('36\n');
    const bad = run('--signum=foo');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Unknown sigfunc foo\n');
  });

  it('accepts the flags keepalived units and lab scripts pass', () => {
    const path = writeConf('flags.conf', goodConf);
    const r = run(
      '-t', '-f', path, '-n', '-l', '-D', '-P', '-C', '-R', '-S', '7',
      '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid'), '-b', join(dir, 'b.pid'),
      '--dont-fork', '--log-console', '--log-detail', '--vrrp_pid', join(dir, 'v2.pid'),
    );
    expect(r.code).toBe(0);
  });

  it('maps the pid-file flags to the options the daemon reads', () => {
    const program = buildProgram();
    program.parse(['-p', 'main.pid', '-r', 'vrrp.pid', '-c', 'checkers.pid', '-b', 'bfd.pid', '-B'], { from: 'user' });
    const o = program.opts<CliOptions>();
    expect([o.pid, o.vrrp_pid, o.checkers_pid, o.bfd_pid, o.no_bfd]).toEqual(['main.pid', 'vrrp.pid', 'checkers.pid', 'bfd.pid', true]);
  });

  it('rejects an unknown option with exit 1 and the usage', () => {
    const r = run('--no-such-flag');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--no-such-flag');
    expect(r.stderr).toContain('Usage:');
  });

  it('prints help with -h', () => {
    const r = run('-h');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--config-test');
  });
});

describe('keepalived-ts genhash', () => {
  /** The async commands write after runCli returns: collect until they settle. */
  async function runAsync(...argv: string[]) {
    const out = { stdout: '', stderr: '' };
    const code = await runCli(argv, { stdout: (t) => (out.stdout += t), stderr: (t) => (out.stderr += t), cwd: dir, env: {} });
    return { code, ...out };
  }

  it('prints the MD5 of the body a url returns, and fails clearly when nothing answers', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_q, s) => s.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const ok = await runAsync('genhash', '-s', '127.0.0.1', '-p', String(port), '-u', '/index.html');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe('HTTP status = 200\nbody bytes = 5\nMD5SUM = 5d41402abc4b2a76b9719d911017c592\n');
      const bad = await runAsync('genhash', '-s', '127.0.0.1', '-p', String(port), '-u', '/', '-t', 'x');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('invalid --port or --timeout');
    } finally {
      await new Promise((r) => server.close(r));
    }
    const refused = await runAsync('genhash', '-s', '127.0.0.1', '-p', String(port), '-u', '/');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('keepalived-ts genhash: GET /: connection refused (ECONNREFUSED)\n');
  });
});
