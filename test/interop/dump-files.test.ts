/**
 * keepalived's dump files from live daemons: Debian's keepalived 2.2.7 and then keepalived-ts run
 * the same configuration on the same namespace host (each alone, so both end in the same
 * states), are sent USR1, USR2 and signal 36, and their files are compared line by line with
 * numbers, times and addresses of sockets masked; the JSON by key paths. Root.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masked, keyPaths } from '../unit/dump/captured-run.js';
import { sleep, VrrpLab, waitFor, type Agent, type Peer } from '../helpers/vrrp-lab.js';

const lab = new VrrpLab('ktsd');
beforeAll(() => lab.up(1));
afterAll(() => lab.down());

const config = (dir: string): string => `global_defs {
  router_id director
  script_user root
  enable_script_security
}
vrrp_script chk {
  script "/bin/true"
  interval 1
  weight 10
}
track_file tf {
  file "${dir}/track.value"
  weight -5
}
vrrp_sync_group G1 {
  group {
    VI_1
    VI_2
  }
  sync_group_tracking_weight
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret1
  }
  track_script {
    chk
  }
  track_file {
    tf
  }
  notify_master "/bin/echo master"
  virtual_ipaddress {
    192.0.2.100/24
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 100
  version 3
  advert_int 1
  virtual_ipaddress {
    192.0.2.101/24
  }
}
`;

interface Dumps {
  data: string;
  stats: string;
  json: string;
}

/** Run `agent` alone until both instances are MASTER, signal it, collect its three files. */
async function dumpsOf(agent: Agent): Promise<Dumps> {
  const dir = join(lab.dir, `dump-${agent}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'track.value'), '0\n');
  process.env['TMPDIR'] = dir;
  let peer: Peer;
  try {
    peer = lab.start(agent, 1, config(dir));
  } finally {
    delete process.env['TMPDIR'];
  }
  try {
    await waitFor(() => lab.lab.addresses(lab.lab.host(1)).includes('192.0.2.101') && lab.lab.addresses(lab.lab.host(1)).includes('192.0.2.100'), 15_000, `${agent} to hold both VIPs`);
    await sleep(2500); // the script has run more than once: both agents have settled
    const pid = Number(readFileSync(peer.pidFile, 'utf8'));
    const files: [string, NodeJS.Signals | number][] = [
      ['keepalived.data', 'SIGUSR1'],
      ['keepalived.stats', 'SIGUSR2'],
      ['keepalived.json', 36],
    ];
    const out: Record<string, string> = {};
    for (const [name, signal] of files) {
      process.kill(pid, signal);
      out[name] = await waitFor(() => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : null), 5000, `${agent}'s ${name}`);
    }
    return { data: out['keepalived.data']!, stats: out['keepalived.stats']!, json: out['keepalived.json']! };
  } finally {
    await lab.terminate(peer).catch(() => lab.crash(peer));
    lab.lab.ip('-n', lab.lab.host(1), 'addr', 'flush', 'dev', 'eth0', 'to', '192.0.2.96/28');
  }
}

/** Lines that differ once masked; what varies between two runs of keepalived itself is masked too (socket fds, paths of the run). */
function differences(expected: string, actual: string): string[] {
  const norm = (t: string): string[] => masked(t.replaceAll(/\/tmp\/kts-ktsd\/dump-[a-z-]+/g, 'DIR'));
  const e = norm(expected);
  const a = norm(actual);
  const out: string[] = [];
  for (let i = 0; i < Math.max(e.length, a.length); i++) if (e[i] !== a[i]) out.push(`line ${i + 1}: ${e[i] ?? '<none>'} | ${a[i] ?? '<none>'}`);
  return out;
}

describe("keepalived's dump files from live daemons, keepalived 2.2.7 beside keepalived-ts", () => {
  let theirs: Dumps;
  let ours: Dumps;
  beforeAll(async () => {
    theirs = await dumpsOf('keepalived');
    ours = await dumpsOf('keepalived-ts');
  }, 90_000);

  it('keepalived.stats: the same lines', () => {
    expect(differences(theirs.stats, ours.stats)).toEqual([]);
  });

  it('keepalived.json: the same key paths', () => {
    expect(keyPaths(JSON.parse(ours.json))).toEqual(keyPaths(JSON.parse(theirs.json)));
  });

  it('keepalived.data: the lines exporters read, in the same layout', () => {
    // the VRRP topology section, from the first instance to the end of the instances
    const section = (t: string): string => t.slice(t.indexOf('------< VRRP Topology >------'), t.indexOf('------< Interfaces >------'));
    expect(section(ours.data)).not.toBe('');
    expect(differences(section(theirs.data), section(ours.data))).toEqual([]);
    for (const line of [' VRRP Instance = VI_1', '   State = MASTER', '   Virtual Router ID = 51', ' VRRP Script = chk', '   Status = GOOD']) expect(ours.data).toContain(line);
  });

  it('keepalived.data: the whole file differs from keepalived only where listed', () => {
    const diff = differences(theirs.data, ours.data);
    // printed to read when it fails; the bound keeps a new divergence from going unnoticed
    expect(diff.slice(0, 40)).toEqual([]);
  });
});
