/**
 * keepalived-ts as a daemon facing bad input (root, network namespaces): an instance whose
 * interface is missing goes to FAULT while the others run; a missing notify script is logged
 * and the state change happens; hostile packets on protocol 112 are dropped and counted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIpv4Advert, passwordAuthData, VrrpGroupV4, type VrrpAdvert } from '../../src/vrrp/packet.js';
import { encodeIpv4Header } from '../../src/net/ipv4-header.js';
import { peerLog, sleep, VrrpLab, waitFor, type Peer } from '../helpers/vrrp-lab.js';
import { join } from 'node:path';
import { OwnDumpFiles } from '../../src/cli/dump-signals.js';

const StatsFile = join('/tmp', OwnDumpFiles.stats);
const KeepalivedStatsFile = '/tmp/keepalived.stats';

const lab = new VrrpLab('ktsd');
let peer: Peer;

const config = `
global_defs {
  router_id bad-input
}
vrrp_instance VI_GOOD {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 200
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    192.0.2.100/24
  }
  notify_master "/nonexistent/notify-master.sh"
}
vrrp_instance VI_NOIF {
  interface eth9
  virtual_router_id 52
  priority 100
  virtual_ipaddress {
    192.0.2.101/24
  }
}
`;

beforeAll(async () => {
  lab.up(2);
  peer = lab.start('keepalived-ts', 2, config);
  await waitFor(() => lab.lab.addresses(lab.lab.host(2)).includes('192.0.2.100'), 8000, 'VI_GOOD to become MASTER');
});
afterAll(async () => {
  await lab.terminate(peer).catch(() => lab.crash(peer));
  lab.down();
});

/** Send raw IPv4 packets (header included) from host 1 to the VRRP group. */
function sendFromH1(packets: Uint8Array[]): void {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)',
    's.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)',
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'eth0')",
    "for h in sys.argv[1:]: s.sendto(bytes.fromhex(h), ('224.0.0.18', 0))",
  ].join('\n');
  execFileSync('ip', ['netns', 'exec', lab.lab.host(1), 'python3', '-c', script, ...packets.map((p) => Buffer.from(p).toString('hex'))]);
}

const h1 = Uint8Array.of(192, 0, 2, 11);
const advert: VrrpAdvert = {
  version: 2,
  vrid: 51,
  priority: 250,
  intervalCs: 100,
  addresses: [Uint8Array.of(192, 0, 2, 100)],
  authType: 1,
  authData: passwordAuthData('s3cret'),
};
const packet = (a: Partial<VrrpAdvert>, ttl = 255): Uint8Array => encodeIpv4Advert({ ...advert, ...a }, { src: h1, dst: VrrpGroupV4, ttl, id: 9 });

describe('keepalived-ts daemon with bad input', () => {
  it('runs the good instance and puts the one without its interface in FAULT, saying why', () => {
    const log = peerLog(peer);
    expect(log).toContain('interface eth9 not found');
    expect(log).toMatch(/\(VI_NOIF\) Entering FAULT STATE/);
    expect(log).toMatch(/\(VI_GOOD\) Entering MASTER STATE/);
  });

  it('logs a notify script that cannot run, and still changes state', async () => {
    // the notify_master spawn fails after the VIP is added (ENOENT comes back asynchronously)
    const log = await waitFor(() => (peerLog(peer).includes('cannot run script') ? peerLog(peer) : null), 5000, "the notify script's failure in the log");
    expect(log).toContain('ENOENT');
  });

  it('drops and counts hostile packets, and keeps its role', async () => {
    const badChecksum = packet({});
    badChecksum[badChecksum.length - 1]! ^= 0x55;
    const carp = encodeIpv4Header({ tos: 0, totalLength: 56, id: 1, fragment: 0, ttl: 255, protocol: 112, src: h1, dst: VrrpGroupV4 });
    const carpPacket = Buffer.concat([carp, Buffer.from('21' + '33' + '00' + '07' + '01' + '01' + '0000' + '00'.repeat(28), 'hex')]);
    const truncated = packet({}).subarray(0, 26);
    const truncatedFixed = Buffer.from(truncated);
    truncatedFixed.writeUInt16BE(26, 2);
    sendFromH1([
      packet({}, 254), // wrong TTL, and a higher priority that must not win
      badChecksum,
      carpPacket,
      truncatedFixed,
      packet({ version: 3, authType: 0, authData: new Uint8Array(0), intervalCs: 100 }),
      packet({ authData: passwordAuthData('guess') }),
      packet({ intervalCs: 300 }),
      packet({ vrid: 99 }),
      new Uint8Array(Buffer.from('45000014000100004070000ac000020be0000012', 'hex')), // an IP header alone
    ]);
    await sleep(300);
    rmSync(StatsFile, { force: true });
    rmSync(KeepalivedStatsFile, { force: true });
    process.kill(Number(readFileSync(peer.pidFile, 'utf8')), 'SIGUSR2');
    const stats = await waitFor(() => {
      try {
        return JSON.parse(readFileSync(StatsFile, 'utf8')) as {
          vrrp_instance: { name: string; dropped: Record<string, number> }[];
          unknown_vrid: number;
          malformed_packets: number;
        };
      } catch {
        return null;
      }
    }, 3000, 'stats dump');
    const good = stats.vrrp_instance.find((i) => i.name === 'VI_GOOD')!;
    expect(good.dropped).toMatchObject({ ttl: 1, checksum: 1, version: 1, auth: 1, interval: 1 });
    expect(good.dropped.malformed).toBe(1); // the CARP packet (its VHID byte reads as VRID 51)
    // VRID 99; the packets too short to carry a VRID at all are counted by the interface's port
    expect(stats.unknown_vrid).toBe(1);
    expect(stats.malformed_packets).toBe(2);
    // the same counts in keepalived's layout, where its exporters read them
    const text = await waitFor(() => (existsSync(KeepalivedStatsFile) ? readFileSync(KeepalivedStatsFile, 'utf8') : null), 3000, 'keepalived.stats');
    const section = text.slice(text.indexOf('VRRP Instance: VI_GOOD'));
    expect(section).toMatch(/Packet Errors:\n {4}Length: 1\n {4}TTL: 1\n/);
    expect(section).toMatch(/Advertisement Interval: 1\n/);
    expect(section).toMatch(/Authentication Errors:\n {4}Invalid Type: 0\n {4}Type Mismatch: \d+\n {4}Failure: 1\n/);
    expect(peer.child.exitCode).toBeNull();
    await sleep(1500);
    expect(lab.holders(2)).toEqual([2]);
  });

  it('goes to FAULT when its interface goes down, and back when it returns', async () => {
    const h2 = lab.lab.host(2);
    lab.lab.ip('-n', h2, 'link', 'set', 'eth0', 'down');
    await waitFor(() => /\(VI_GOOD\) Entering FAULT STATE/.test(peerLog(peer)), 3000, 'FAULT on link down');
    await waitFor(() => !lab.lab.addresses(h2).includes('192.0.2.100'), 3000, 'VIP removed in FAULT');
    lab.lab.ip('-n', h2, 'link', 'set', 'eth0', 'up');
    await waitFor(() => lab.lab.addresses(h2).includes('192.0.2.100'), 8000, 'MASTER again once the link is back');
    expect(peerLog(peer)).toMatch(/interface eth0 down[\s\S]*interface eth0 up/);
    // the instance without an interface is still in FAULT: its fault is not the link's
    expect(peerLog(peer).match(/\(VI_NOIF\) Entering/g)).toEqual(['(VI_NOIF) Entering']);
  });

  it('starts an instance whose interface appears after start (with its address)', async () => {
    const h2 = lab.lab.host(2);
    lab.lab.ip('-n', h2, 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth9p');
    lab.lab.ip('-n', h2, 'link', 'set', 'eth9p', 'up');
    lab.lab.ip('-n', h2, 'link', 'set', 'eth9', 'up');
    lab.lab.ip('-n', h2, 'addr', 'add', '198.51.100.2/24', 'dev', 'eth9');
    await waitFor(() => peerLog(peer).includes('(VI_NOIF) interface eth9 is usable now'), 5000, 'VI_NOIF to start');
    // no other router on eth9: master after its Master_Down_Interval, VIP on eth9
    await waitFor(() => lab.lab.addresses(h2, 'eth9').includes('192.0.2.101'), 8000, 'VI_NOIF to hold its VIP');
    expect(lab.holders(2)).toEqual([2]); // VI_GOOD is undisturbed
  });
});
