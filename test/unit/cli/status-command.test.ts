import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatStatusTable, runStatusCommand } from '../../../src/cli/status-command.js';
import { ControlSocketServer } from '../../../src/observe/control-socket.js';
import type { InstanceStatusView, StatusDocument } from '../../../src/observe/status-model.js';
import { silentLogger } from '../../../src/log.js';

const counters: InstanceStatusView['counters'] = {
  adverts_sent: 0,
  adverts_received: 0,
  become_master: 0,
  release_master: 0,
  priority_zero_sent: 0,
  priority_zero_received: 0,
  errors: {},
};

const doc: StatusDocument = {
  version: '0.1.0',
  pid: 1234,
  started_at: '2025-01-01T00:00:00.000Z',
  uptime_seconds: 3 * 3600 + 12 * 60 + 5,
  subsystems: { vrrp: true, checkers: true },
  vrrp_instances: [
    {
      name: 'VI_1',
      interface: 'eth0',
      vrid: 51,
      family: 'inet',
      version: 2,
      state: 'MASTER',
      want_state: 'MASTER',
      priority: { base: 150, effective: 150 },
      master: { address: '192.0.2.11', priority: 150 },
      last_transition: '2025-01-01T00:00:04.000Z',
      sync_group: 'G1',
      vips: [{ address: '192.0.2.100/32', interface: 'eth0' }],
      excluded_vips: [],
      faults: [],
      tracked: [{ kind: 'interface', name: 'eth0', weight: 0, reverse: false, state: 'up' }],
      counters,
    },
    {
      name: 'VI_2',
      interface: 'eth1',
      vrid: 52,
      family: 'inet',
      version: 2,
      state: 'FAULT',
      want_state: 'BACKUP',
      priority: { base: 100, effective: 0 },
      master: { address: null, priority: null },
      last_transition: '2025-01-01T00:00:04.000Z',
      sync_group: 'G1',
      vips: [],
      excluded_vips: [],
      faults: ['interface eth1 down'],
      tracked: [
        { kind: 'interface', name: 'eth1', weight: 0, reverse: false, state: 'down' },
        { kind: 'script', name: 'chk_haproxy', weight: -20, reverse: false, state: 'down' },
        { kind: 'file', name: 'prio_file', weight: 1, reverse: false, state: 'value', value: 3 },
      ],
      counters,
    },
  ],
  vrrp_sync_groups: [{ name: 'G1', state: 'MASTER', members: ['VI_1', 'VI_2'] }],
  virtual_servers: [
    {
      name: '[192.0.2.100]:tcp:80',
      services: 1,
      scheduler: 'wrr',
      quorum_up: true,
      real_servers: [
        { name: '[203.0.113.21]:tcp:80', alive: true, weight: 1, checks: [{ kind: 'TCP_CHECK', up: true, last_result: 'connected' }] },
        { name: '[203.0.113.22]:tcp:80', alive: false, weight: 0, checks: [{ kind: 'HTTP_GET', up: false, last_result: 'status 503' }] },
      ],
    },
    { name: 'FWM 7', services: 1, scheduler: null, quorum_up: false, real_servers: [] },
  ],
};

const idle: StatusDocument = {
  ...doc,
  uptime_seconds: 5,
  subsystems: { vrrp: false, checkers: false },
  vrrp_instances: [],
  vrrp_sync_groups: [],
  virtual_servers: [],
};

describe('formatStatusTable', () => {
  it('prints the summary and one aligned table per section', () => {
    expect(formatStatusTable(doc).split('\n')).toEqual([
      'keepalived-ts 0.1.0, pid 1234, up 3h 12m 5s (VRRP, checkers)',
      '',
      'VRRP instance  State   Prio  Base  Interface  VRID  Master             VIPs',
      'VI_1           MASTER   150   150  eth0         51  192.0.2.11 (self)  192.0.2.100/32',
      'VI_2           FAULT      0   100  eth1         52  -                  -               faults: interface eth1 down; down: interface eth1, script chk_haproxy',
      '',
      'Sync group  State   Members',
      'G1          MASTER  VI_1, VI_2',
      '',
      'Virtual server        Quorum  Real server            Alive  Weight  Checks',
      '[192.0.2.100]:tcp:80  up      [203.0.113.21]:tcp:80  yes         1  TCP_CHECK up (connected)',
      '                              [203.0.113.22]:tcp:80  no          0  HTTP_GET down (status 503)',
      'FWM 7                 down    -',
      '',
    ]);
  });

  it('leaves out sections without rows and subsystems that are off', () => {
    expect(formatStatusTable(idle)).toBe('keepalived-ts 0.1.0, pid 1234, up 5s\n');
    expect(formatStatusTable({ ...idle, uptime_seconds: 90061, subsystems: { vrrp: false, checkers: true } })).toBe(
      'keepalived-ts 0.1.0, pid 1234, up 1d 1h 1m 1s (checkers)\n',
    );
  });

  it('names a VIP on another interface than its instance, and a backup by the master it hears', () => {
    const [vi1] = doc.vrrp_instances;
    const backup: InstanceStatusView = {
      ...vi1!,
      state: 'BACKUP',
      master: { address: '192.0.2.12', priority: 200 },
      vips: [
        { address: '192.0.2.100/32', interface: 'eth0' },
        { address: '198.51.100.1/24', interface: 'eth2' },
      ],
    };
    const lines = formatStatusTable({ ...idle, vrrp_instances: [backup] }).split('\n');
    expect(lines[3]).toBe('VI_1           BACKUP   150   150  eth0         51  192.0.2.12  192.0.2.100/32, 198.51.100.1/24 (eth2)');
  });
});

describe('runStatusCommand', () => {
  let dir: string;
  let server: ControlSocketServer | null = null;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kts-status-'));
  });
  afterEach(async () => {
    await server?.close();
    server = null;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runStatusCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }

  async function serve(path: string): Promise<void> {
    server = await ControlSocketServer.start({ path, status: () => doc, log: silentLogger() });
  }

  it('--json prints the daemon\'s status document', async () => {
    const path = join(dir, 'json.ctl');
    await serve(path);
    const r = await run('--json', '--socket', path);
    expect(r).toEqual({ code: 0, stdout: `${JSON.stringify(doc, null, 2)}\n`, stderr: '' });
  });

  it('prints the tables by default', async () => {
    const path = join(dir, 'table.ctl');
    await serve(path);
    const r = await run('--socket', path);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(formatStatusTable(doc));
    expect(r.stdout).toContain('\nVI_1           MASTER   150   150  eth0         51  192.0.2.11 (self)  192.0.2.100/32\n');
  });

  it('finds the socket next to the pid file given with -p', async () => {
    await serve(join(dir, 'keepalived.ctl'));
    const r = await run('-p', join(dir, 'keepalived.pid'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(doc);
  });

  it('exits 1 with a message when there is no control socket', async () => {
    const path = join(dir, 'absent.ctl');
    const r = await run('--socket', path);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `keepalived-ts status: no keepalived-ts control socket at ${path} (is the daemon running?)\n` });
  });

  it('exits 1 on an unknown option', async () => {
    const r = await run('--bogus');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });
});
