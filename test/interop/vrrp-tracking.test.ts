/**
 * Tracking, sync groups and multicast groups against Debian's keepalived 2.2.7, in network
 * namespaces on bridges (root). keepalived runs on h1 (192.0.2.11), keepalived-ts on h2
 * (192.0.2.12); each scenario waits for the VIP to move with a deadline.
 */
import { spawn } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { peerLog, sleep, VrrpLab, waitFor, type Agent, type Peer } from '../helpers/vrrp-lab.js';

const lab = new VrrpLab('ktst');
const hostOf = (a: Agent): number => (a === 'keepalived' ? 1 : 2);
const other = (a: Agent): Agent => (a === 'keepalived' ? 'keepalived-ts' : 'keepalived');
let running: Peer[] = [];

beforeAll(() => lab.up(2, 2));
afterAll(() => lab.down());
afterEach(async () => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) await lab.terminate(p).catch(() => lab.crash(p));
  running = [];
  for (const h of [1, 2]) {
    for (const dev of ['eth0', 'eth1']) {
      lab.lab.ip('-n', lab.lab.host(h), 'link', 'set', dev, 'up');
      lab.lab.ip('-n', lab.lab.host(h), 'addr', 'flush', 'dev', dev, 'to', dev === 'eth0' ? '192.0.2.100/32' : '198.51.100.100/32');
    }
  }
});

function start(agent: Agent, config: string): Peer {
  const p = lab.start(agent, hostOf(agent), config);
  running.push(p);
  return p;
}

interface InstanceOptions {
  name?: string;
  priority: number;
  vrid?: number;
  iface?: string;
  vip?: string;
  body?: string;
}

function instance(o: InstanceOptions): string {
  return `vrrp_instance ${o.name ?? 'VI_1'} {
  state BACKUP
  interface ${o.iface ?? 'eth0'}
  virtual_router_id ${o.vrid ?? 51}
  priority ${o.priority}
  advert_int 1
${o.body ?? ''}
  virtual_ipaddress {
    ${o.vip ?? '192.0.2.100/24'}
  }
}
`;
}

const head = `global_defs {\n  router_id lab\n}\n`;

/** A check script that succeeds while `flag` exists. */
function flagScript(flag: string, extra = ''): string {
  return `vrrp_script chk {\n  script "/usr/bin/test -f ${flag}"\n  interval 1\n${extra}}\n`;
}

/** `probe()` equals `want` at every look for `ms` (a split brain would show within it). */
async function holdsFor<T>(probe: () => T, want: T, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    expect(probe()).toEqual(want);
    await sleep(100);
  }
}

async function holderIs(host: number, what: string, vip = '192.0.2.100', dev = 'eth0', timeoutMs = 10_000): Promise<void> {
  await waitFor(() => {
    const h = lab.holders(2, vip, dev);
    return h.length === 1 && h[0] === host;
  }, timeoutMs, what);
}

describe.each(['keepalived-ts', 'keepalived'] as Agent[])('track_script with weight -60 on %s', (tracked) => {
  it(`a failing script lowers ${tracked}'s priority below its peer's: the VIP moves, and comes back when the script recovers`, async () => {
    const flag = join(lab.dir, `flag-${tracked}`);
    writeFileSync(flag, '');
    start(tracked, head + flagScript(flag, '  weight -60\n') + instance({ priority: 150, body: '  track_script {\n    chk\n  }' }));
    start(other(tracked), head + instance({ priority: 100 }));
    await holderIs(hostOf(tracked), `${tracked} (150) to be master`);
    rmSync(flag);
    await holderIs(hostOf(other(tracked)), `${other(tracked)} to take over from ${tracked} at 90`);
    writeFileSync(flag, '');
    await holderIs(hostOf(tracked), `${tracked} to preempt back at 150`);
  });
});

describe('keepalived-ts tracking against keepalived', () => {
  it('a weightless failing script puts keepalived-ts in FAULT: keepalived takes over at once, and yields when it recovers', async () => {
    const flag = join(lab.dir, 'flag-fault');
    writeFileSync(flag, '');
    const ours = start('keepalived-ts', head + flagScript(flag) + instance({ priority: 150, body: '  track_script {\n    chk\n  }' }));
    start('keepalived', head + instance({ priority: 100 }));
    await holderIs(2, 'keepalived-ts to be master');
    const failedAt = Date.now();
    rmSync(flag);
    await holderIs(1, 'keepalived to take over from a FAULTed keepalived-ts');
    // the priority-0 advert on entering FAULT: keepalived waits its skew time only, not 3 adverts
    expect(Date.now() - failedAt).toBeLessThan(3_000);
    expect(peerLog(ours)).toContain('Entering FAULT STATE');
    writeFileSync(flag, '');
    await holderIs(2, 'keepalived-ts to come back from FAULT and preempt');
  });

  it('track_interface with a weight and track_file hand the VIP over and back', async () => {
    const file = join(lab.dir, 'track-value');
    writeFileSync(file, '0\n');
    start(
      'keepalived-ts',
      head +
        `track_file tf {\n  file ${file}\n  weight -1\n}\n` +
        instance({ priority: 150, body: '  track_interface {\n    eth1 weight -60\n  }\n  track_file {\n    tf\n  }' }),
    );
    start('keepalived', head + instance({ priority: 100 }));
    await holderIs(2, 'keepalived-ts to be master');
    lab.lab.ip('-n', lab.lab.host(2), 'link', 'set', 'eth1', 'down');
    await holderIs(1, 'keepalived to take over when our tracked eth1 is down (150 - 60)');
    lab.lab.ip('-n', lab.lab.host(2), 'link', 'set', 'eth1', 'up');
    await holderIs(2, 'keepalived-ts to take the VIP back with eth1 up');
    writeFileSync(file, '70\n');
    await holderIs(1, 'keepalived to take over when the tracked file says 70 (150 - 70)');
    writeFileSync(file, '0\n');
    await holderIs(2, 'keepalived-ts to take the VIP back when the file says 0');
  });

  it('track_process: while its process is not running keepalived-ts is in FAULT and keepalived holds the VIP', async () => {
    const sleeper = join(lab.dir, 'kts-sleeper');
    symlinkSync('/bin/sleep', sleeper);
    const tracked = `vrrp_track_process proc {\n  process kts-sleeper\n  delay 0.5\n}\n`;
    const ours = start('keepalived-ts', head + tracked + instance({ priority: 150, body: '  track_process {\n    proc\n  }' }));
    start('keepalived', head + instance({ priority: 100 }));
    await holderIs(1, 'keepalived to be master while the tracked process is absent');
    const proc = spawn(sleeper, ['60'], { stdio: 'ignore', detached: true });
    try {
      await holderIs(2, 'keepalived-ts to take over once the process runs');
      expect(peerLog(ours)).toContain('Quorum gained for tracked process proc');
    } finally {
      proc.kill('SIGKILL');
    }
    await holderIs(1, 'keepalived to take over again when the process is gone');
  });

  it('a two-instance sync group on two interfaces: one link down moves both VIPs to keepalived, and back', async () => {
    const group = 'vrrp_sync_group G {\n  group {\n    V0\n    V1\n  }\n}\n';
    const members = (priority: number): string =>
      instance({ name: 'V0', priority, vrid: 51 }) + instance({ name: 'V1', priority, vrid: 52, iface: 'eth1', vip: '198.51.100.100/24' });
    const ours = start('keepalived-ts', head + group + members(150));
    start('keepalived', head + group + members(100));
    await holderIs(2, 'keepalived-ts to hold V0');
    await holderIs(2, 'keepalived-ts to hold V1', '198.51.100.100', 'eth1');
    lab.lab.ip('-n', lab.lab.host(2), 'link', 'set', 'eth1', 'down');
    await holderIs(1, 'keepalived to hold V0 once our eth1 is down', '192.0.2.100', 'eth0');
    await holderIs(1, 'keepalived to hold V1', '198.51.100.100', 'eth1');
    expect(peerLog(ours)).toContain('VRRP_Group(G) Syncing instances to FAULT state');
    lab.lab.ip('-n', lab.lab.host(2), 'link', 'set', 'eth1', 'up');
    await holderIs(2, 'keepalived-ts to take V0 back');
    await holderIs(2, 'keepalived-ts to take V1 back', '198.51.100.100', 'eth1');
  });

  it('mcast_dst_ip 224.0.0.19 on both routers elects one master', async () => {
    const body = '  mcast_dst_ip 224.0.0.19';
    start('keepalived', head + instance({ priority: 150, body }));
    await holderIs(1, 'keepalived to be master');
    const ours = start('keepalived-ts', head + instance({ priority: 100, body }));
    await waitFor(() => peerLog(ours).includes('Entering BACKUP STATE'), 5000, 'keepalived-ts to start');
    // for well past our Master_Down_Interval (3.6 s) keepalived alone holds the VIP: we hear it on 224.0.0.19
    await holdsFor(() => lab.holders(2), [1], 5000);
    expect(lab.lab.exec(lab.lab.host(2), 'ip', ['maddr', 'show', 'dev', 'eth0'])).toContain('224.0.0.19');
  });
});
