/**
 * Hostile protocol-112 packets against a MASTER (root, network namespaces): N of each kind are
 * dropped and counted exactly, under keepalived's counter names where keepalived has one (the
 * stats file and /metrics) and under ours otherwise; then a flood of them as fast as a raw socket
 * sends for a few seconds neither changes the state nor delays an advert (from a capture).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIpv4Advert, passwordAuthData, VrrpGroupV4, type VrrpAdvert } from '../../src/vrrp/packet.js';
import { encodeIpv4Header } from '../../src/net/ipv4-header.js';
import { decodeCapture, peerLog, VrrpLab, waitFor, type Peer } from '../helpers/vrrp-lab.js';
import { exposition, nsFetch, until } from '../helpers/ns-http.js';

const lab = new VrrpLab('ktsh');
const Listen = '127.0.0.1:9165';
const N = 40;
let peer: Peer;

const config = `global_defs {
  router_id hostile
}
vrrp_instance VI_1 {
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
}
`;

const h1 = Uint8Array.of(192, 0, 2, 11);
const advert: VrrpAdvert = { version: 2, vrid: 51, priority: 250, intervalCs: 100, addresses: [Uint8Array.of(192, 0, 2, 100)], authType: 1, authData: passwordAuthData('s3cret') };
const packet = (a: Partial<VrrpAdvert>, ttl = 255): Uint8Array => encodeIpv4Advert({ ...advert, ...a }, { src: h1, dst: VrrpGroupV4, ttl, id: 9 });

/** One of each hostile kind; each would win (priority 250 > 200) if it were taken. */
function hostileKinds(): Record<string, Uint8Array> {
  const badChecksum = packet({});
  badChecksum[badChecksum.length - 1]! ^= 0x55;
  const carpHeader = encodeIpv4Header({ tos: 0, totalLength: 56, id: 1, fragment: 0, ttl: 255, protocol: 112, src: h1, dst: VrrpGroupV4 });
  const truncated = Buffer.from(packet({}).subarray(0, 26));
  truncated.writeUInt16BE(26, 2);
  return {
    ttl: packet({}, 254),
    checksum: badChecksum,
    carp: Buffer.concat([carpHeader, Buffer.from('21' + '33' + '00' + '07' + '01' + '01' + '0000' + '00'.repeat(28), 'hex')]),
    truncated,
    version: packet({ version: 3, authType: 0, authData: new Uint8Array(0), intervalCs: 100 }),
    authType: packet({ authType: 0, authData: new Uint8Array(0) }),
    password: packet({ authData: passwordAuthData('guess') }),
    interval: packet({ intervalCs: 300 }),
    vrid: packet({ vrid: 99 }),
    ipHeaderOnly: new Uint8Array(Buffer.from('45000014000100004070000ac000020be0000012', 'hex')),
    // taken (keepalived takes it too, counting the address list error): lower priority, harmless
    addresses: packet({ priority: 100, addresses: [Uint8Array.of(192, 0, 2, 200)] }),
  };
}

/** Sends each packet `times` times from host 1 (raw socket, header included), paced or flat out for `seconds`. */
function sendFromH1(packets: Uint8Array[], times: number, seconds = 0): Promise<number> {
  const script = [
    'import socket, sys, time',
    's = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)',
    's.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)',
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'eth0')",
    'pkts = [bytes.fromhex(h) for h in sys.argv[3:]]',
    'times, seconds = int(sys.argv[1]), float(sys.argv[2])',
    'sent = 0',
    'end = time.time() + seconds',
    'for i in range(times):',
    '  for p in pkts:',
    "    s.sendto(p, ('224.0.0.18', 0)); sent += 1",
    '  if seconds == 0: time.sleep(0.002)',
    '  elif time.time() > end: break',
    'print(sent)',
  ].join('\n');
  return new Promise((resolve, reject) =>
    execFile('ip', ['netns', 'exec', lab.lab.host(1), 'python3', '-c', script, String(times), String(seconds), ...packets.map((p) => Buffer.from(p).toString('hex'))], { timeout: 60_000 }, (err, stdout) =>
      err ? reject(err) : resolve(Number(stdout.trim())),
    ),
  );
}

const metrics = async (): Promise<Map<string, number>> => exposition((await nsFetch(lab.lab.host(2), `http://${Listen}/metrics`)).body);
const key = 'iname="VI_1",intf="eth0",vrid="51"';

beforeAll(async () => {
  lab.up(2);
  peer = lab.start('keepalived-ts', 2, config, ['--http-listen', Listen]);
  await waitFor(() => lab.holders(2).includes(2), 10_000, 'VI_1 MASTER');
}, 30_000);

afterAll(() => lab.down());

describe('hostile packets against a MASTER', () => {
  it(`${N} of each kind: every one dropped and counted, none obeyed`, async () => {
    const kinds = hostileKinds();
    const before = await metrics();
    await sendFromH1(Object.values(kinds), N);
    const want: [string, number][] = [
      [`keepalived_ip_ttl_errors_total{${key}}`, N],
      [`keepalived_authentication_failure_total{${key}}`, N],
      [`keepalived_authentication_mismatch_total{${key}}`, N],
      [`keepalived_advertisements_interval_errors_total{${key}}`, N],
      [`keepalived_address_list_errors_total{${key}}`, N],
      // the CARP packet's VHID byte reads as VRID 51: too short for VRRP, a length error of VI_1
      [`keepalived_packet_length_errors_total{${key}}`, N],
      [`keepalived_vrrp_dropped_total{${key},reason="checksum"}`, N],
      [`keepalived_vrrp_dropped_total{${key},reason="version"}`, N],
      ['keepalived_vrrp_packets_dropped_total{reason="unknown_vrid"}', N],
      // the truncated advert and the lone IP header name no VRID
      ['keepalived_vrrp_packets_dropped_total{reason="malformed"}', 2 * N],
    ];
    const after = await until(async () => {
      const m = await metrics();
      return want.every(([k, n]) => (m.get(k) ?? 0) - (before.get(k) ?? 0) >= n) ? m : null;
    }, 10_000, 'the counters').catch(async () => metrics());
    for (const [k, n] of want) expect((after.get(k) ?? 0) - (before.get(k) ?? 0), k).toBe(n);
    // taken: only the lower-priority one with the wrong address list
    expect(after.get(`keepalived_advertisements_received_total{${key}}`)! - (before.get(`keepalived_advertisements_received_total{${key}}`) ?? 0)).toBe(N);
    expect(after.get(`keepalived_vrrp_state{${key},ip_address="192.0.2.100/24"}`)).toBe(2);
    expect(after.get(`keepalived_become_master_total{${key}}`)).toBe(1);
    // the same numbers in keepalived's stats file, where its exporters read them
    rmSync('/tmp/keepalived.stats', { force: true });
    process.kill(Number(readFileSync(peer.pidFile, 'utf8')), 'SIGUSR2');
    const text = await waitFor(() => (existsSync('/tmp/keepalived.stats') ? readFileSync('/tmp/keepalived.stats', 'utf8') : null), 5000, 'keepalived.stats');
    expect(text).toMatch(new RegExp(`Packet Errors:\\n {4}Length: ${N}\\n {4}TTL: ${N}\\n {4}Invalid Type: 0\\n {4}Advertisement Interval: ${N}\\n {4}Address List: ${N}\\n`));
    expect(text).toMatch(new RegExp(`Authentication Errors:\\n {4}Invalid Type: 0\\n {4}Type Mismatch: ${N}\\n {4}Failure: ${N}\\n`));
    expect(lab.holders(2)).toEqual([2]);
  });

  it('a flood at the raw socket\'s rate: no state change, no advert late by more than 5 ms', async () => {
    const capture = lab.startCapture('proto 112 and src host 192.0.2.12');
    await new Promise((r) => setTimeout(r, 1500));
    const startedAt = Date.now() / 1000;
    // every kind that is dropped (the address-list one is taken, and a MASTER answers each
    // lower-priority advert with one of its own, as keepalived does without lower_prio_no_advert)
    const { addresses: _taken, ...dropped } = hostileKinds();
    const sent = await sendFromH1(Object.values(dropped), 1_000_000, 4);
    const endedAt = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 1500));
    lab.stopCapture();
    const ours = decodeCapture(capture).adverts.filter((a) => a.src === '192.0.2.12' && a.vrid === 51);
    const during = ours.filter((a) => a.time >= startedAt - 1 && a.time <= endedAt + 1).map((a) => a.time);
    const gaps = during.slice(1).map((t, i) => (t - during[i]!) * 1000);
    console.log(`flood: ${sent} packets in ${(endedAt - startedAt).toFixed(1)} s; ${during.length} adverts, intervals ${Math.min(...gaps).toFixed(1)}-${Math.max(...gaps).toFixed(1)} ms`);
    expect(sent).toBeGreaterThan(20_000);
    expect(during.length).toBeGreaterThanOrEqual(Math.floor(endedAt - startedAt) + 1);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(995);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1005);
    expect(ours.every((a) => a.priority === 200)).toBe(true);
    const m = await metrics();
    expect(m.get(`keepalived_vrrp_state{${key},ip_address="192.0.2.100/24"}`)).toBe(2);
    expect(m.get(`keepalived_become_master_total{${key}}`)).toBe(1);
    expect(m.get(`keepalived_release_master_total{${key}}`)).toBe(0);
    expect(peer.child.exitCode).toBeNull();
    // one MASTER transition (at start) and nothing after it
    const log = peerLog(peer);
    expect(log.match(/Entering MASTER STATE/g)?.length).toBe(1);
    expect(log.slice(log.indexOf('Entering MASTER STATE'))).not.toMatch(/Entering (BACKUP|FAULT|INIT) STATE/);
  }, 60_000);
});
