/**
 * /metrics, /status, /healthz and `keepalived-ts status` of a live daemon, with Debian's
 * keepalived 2.2.7 as its VRRP peer on a namespace bridge. Root.
 * - the counters move with keepalived's real adverts (checked against a capture), and with
 *   its shutdown (priority 0) and our takeover;
 * - promtool accepts the live output, and a real Prometheus server scraping the daemon returns
 *   the VRRP state through its query API;
 * - /status says what the USR1 dump (keepalived.data) says at the same moment;
 * - no secret (auth_pass) anywhere.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPath, decodeCapture, VrrpLab, waitFor, type Peer } from '../helpers/vrrp-lab.js';
import { exposition, nsFetch, until } from '../helpers/ns-http.js';
import { promtoolCheckMetrics, startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';
import type { StatusDocument } from '../../src/observe/status-model.js';

const lab = new VrrpLab('ktso');
const Listen = '127.0.0.1:9165';
const Secret = 'Sec4et!x';

const tsConfig = `global_defs {
  router_id ts
}
vrrp_script chk {
  script "/bin/true"
  interval 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass ${Secret}
  }
  track_script {
    chk
  }
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`;
const peerConfig = tsConfig.replace('router_id ts', 'router_id peer').replace('priority 100', 'priority 150').replace(/vrrp_script chk \{[^}]*\}\n|  track_script \{[^}]*\}\n/g, '');

let ts: Peer;
let peer: Peer;
let capture: string;
let prometheus: PrometheusServer | null = null;
const ns = (): string => lab.lab.host(1);
const metrics = async (): Promise<Map<string, number>> => exposition((await nsFetch(ns(), `http://${Listen}/metrics`)).body);
const key = 'iname="VI_1",intf="eth0",vrid="51"';

/** keepalived.data's lines of one instance, as `key = value`. */
function dataInstance(text: string, name: string): Map<string, string> {
  const block = text.split(/\n(?= VRRP Instance = )/).find((b) => b.startsWith(` VRRP Instance = ${name}\n`)) ?? '';
  const out = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^ {3}(\S[^=]*?) = (.*)$/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  const vips = /\n {3}Virtual IP \(\d+\):\n((?: {5}.*\n)*)/.exec(block)?.[1] ?? '';
  out.set('vips', vips.trim().split('\n').map((l) => l.trim().split(' ')[0]).join(','));
  return out;
}

beforeAll(async () => {
  rmSync('/tmp/keepalived.data', { force: true });
  lab.up(2);
  peer = lab.start('keepalived', 2, peerConfig);
  await waitFor(() => lab.holders(2).includes(2), 20_000, 'keepalived 2.2.7 to become MASTER');
  capture = lab.startCapture();
  ts = lab.start('keepalived-ts', 1, tsConfig, ['--http-listen', Listen]);
  await until(async () => (await metrics()).get(`keepalived_vrrp_state{${key},ip_address="192.0.2.100/24"}`) === 1, 20_000, 'keepalived-ts BACKUP on /metrics');
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  lab.down();
});

describe('observability of a live daemon beside keepalived 2.2.7', () => {
  it('counts the adverts keepalived 2.2.7 sends, as many as the capture shows', async () => {
    const t0 = Date.now() / 1000;
    const a = await metrics();
    const t1 = Date.now() / 1000;
    const before = a.get(`keepalived_advertisements_received_total{${key}}`)!;
    await until(async () => (await metrics()).get(`keepalived_advertisements_received_total{${key}}`)! >= before + 3, 10_000, 'three more adverts');
    const t2 = Date.now() / 1000;
    const b = await metrics();
    const t3 = Date.now() / 1000;
    const after = b.get(`keepalived_advertisements_received_total{${key}}`)!;
    const fromPeer = decodeCapture(capture).adverts.filter((x) => x.src === '192.0.2.12' && x.priority === 150);
    const surely = fromPeer.filter((x) => x.time > t1 && x.time < t2).length;
    const maybe = fromPeer.filter((x) => x.time > t0 && x.time < t3).length;
    expect(after - before).toBeGreaterThanOrEqual(surely);
    expect(after - before).toBeLessThanOrEqual(maybe);
    expect(surely).toBeGreaterThanOrEqual(2);
    expect(b.get(`keepalived_vrrp_state{${key},ip_address="192.0.2.100/24"}`)).toBe(1);
    expect(b.get(`keepalived_advertisements_sent_total{${key}}`)).toBe(0);
    expect(b.get('keepalived_script_status{name="chk"}')).toBe(1);
  });

  it('promtool accepts the live output', async () => {
    const r = await promtoolCheckMetrics((await nsFetch(ns(), `http://${Listen}/metrics`)).body);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });

  it('/status says what the USR1 dump says at the same moment', async () => {
    const doc = JSON.parse((await nsFetch(ns(), `http://${Listen}/status`)).body) as StatusDocument;
    process.kill(Number(readFileSync(ts.pidFile, 'utf8')), 'SIGUSR1');
    const data = await waitFor(() => existsSync('/tmp/keepalived.data') && readFileSync('/tmp/keepalived.data', 'utf8').includes('VRRP Instance = VI_1') && readFileSync('/tmp/keepalived.data', 'utf8'), 10_000, 'keepalived.data');
    const d = dataInstance(data, 'VI_1');
    const i = doc.vrrp_instances.find((x) => x.name === 'VI_1')!;
    expect(i.state).toBe(d.get('State'));
    expect(i.want_state).toBe(d.get('Wantstate'));
    expect(String(i.vrid)).toBe(d.get('Virtual Router ID'));
    expect(String(i.priority.effective)).toBe(d.get('Effective priority'));
    expect(i.master.address).toBe(d.get('Master router'));
    expect(String(i.master.priority)).toBe(d.get('Master priority'));
    expect(i.master.address).toBe('192.0.2.12');
    expect(i.vips.map((v) => v.address).join(',')).toBe(d.get('vips'));
    expect(Date.parse(i.last_transition) / 1000).toBeCloseTo(Number(d.get('Last transition')!.split(' ')[0]), 2);
    expect(i.tracked).toEqual([{ kind: 'script', name: 'chk', weight: 0, reverse: false, state: 'up' }]);
    expect(doc.subsystems).toEqual({ vrrp: true, checkers: false });
  });

  it('`keepalived-ts status` reads the daemon through its control socket', () => {
    const table = execFileSync(commandPath, ['status', '-p', ts.pidFile], { encoding: 'utf8' });
    expect(table).toMatch(/^VI_1 +BACKUP +100 +100 +eth0 +51 +192\.0\.2\.12 /m);
    const doc = JSON.parse(execFileSync(commandPath, ['status', '--json', '-p', ts.pidFile], { encoding: 'utf8' })) as StatusDocument;
    expect(doc.pid).toBe(Number(readFileSync(ts.pidFile, 'utf8')));
    expect(doc.vrrp_instances.map((x) => [x.name, x.state])).toEqual([['VI_1', 'BACKUP']]);
  });

  it('a real Prometheus server scraping the daemon returns its VRRP state', async () => {
    prometheus = await startPrometheus({ target: Listen, netns: ns() });
    const rows = await prometheus.waitFor('keepalived_vrrp_state{iname="VI_1"}', (r) => r.length === 1 && r[0]!.value[1] === '1', 20_000);
    expect(rows[0]!.metric).toMatchObject({ iname: 'VI_1', intf: 'eth0', vrid: '51', ip_address: '192.0.2.100/24' });
  });

  it('keepalived 2.2.7 stops: priority 0 received, takeover, our adverts counted; Prometheus sees MASTER', async () => {
    await lab.terminate(peer);
    const m = await until(async () => {
      const m = await metrics();
      return m.get(`keepalived_vrrp_state{${key},ip_address="192.0.2.100/24"}`) === 2 && m.get(`keepalived_advertisements_sent_total{${key}}`)! >= 2 && m;
    }, 15_000, 'keepalived-ts MASTER');
    expect(m.get(`keepalived_priority_zero_received_total{${key}}`)).toBe(1);
    expect(m.get(`keepalived_become_master_total{${key}}`)).toBe(1);
    expect(m.get(`keepalived_release_master_total{${key}}`)).toBe(0);
    const sent = m.get(`keepalived_advertisements_sent_total{${key}}`)!;
    const ours = decodeCapture(capture).adverts.filter((x) => x.src === '192.0.2.11').length;
    expect(sent).toBeLessThanOrEqual(ours + 1);
    expect(sent).toBeGreaterThanOrEqual(ours - 1);
    await prometheus!.waitFor('keepalived_vrrp_state{iname="VI_1"}', (r) => r.length === 1 && r[0]!.value[1] === '2', 20_000);
    const health = await nsFetch(ns(), `http://${Listen}/healthz`);
    expect([health.status, health.body]).toEqual([200, 'ok\n']);
  });

  it('shows no secret and serves nothing else', async () => {
    for (const path of ['/metrics', '/status']) expect((await nsFetch(ns(), `http://${Listen}${path}`)).body).not.toContain(Secret);
    expect(execFileSync(commandPath, ['status', '--json', '-p', ts.pidFile], { encoding: 'utf8' })).not.toContain(Secret);
    expect((await nsFetch(ns(), `http://${Listen}/config`)).status).toBe(404);
  });

  it('a bad --http-listen stops the start with a clear message', () => {
    let out = '';
    let code = 0;
    try {
      execFileSync('ip', ['netns', 'exec', ns(), commandPath, '-n', '-f', '/dev/null', '-p', '/tmp/kts-ktso/bad.pid', '--http-listen', '9165'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    } catch (e) {
      const err = e as { status: number; stderr: string };
      code = err.status;
      out = err.stderr;
    }
    expect(code).toBe(1);
    expect(out).toContain("--http-listen: expected HOST:PORT or [IPv6]:PORT with a port from 1 to 65535, got '9165'");
  });
});
