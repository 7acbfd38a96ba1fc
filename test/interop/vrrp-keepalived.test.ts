/**
 * VRRP interop with Debian's keepalived 2.2.7 on a Linux bridge in network namespaces (root).
 * In every scenario exactly one running node holds the VIP once converged, and tshark decodes
 * keepalived-ts's adverts with a good checksum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCapture, sleep, vrrpConfig, VrrpLab, waitFor, type Agent, type Peer } from '../helpers/vrrp-lab.js';

const lab = new VrrpLab('ktsi');
const other = (a: Agent): Agent => (a === 'keepalived' ? 'keepalived-ts' : 'keepalived');
const ours = '192.0.2.12'; // keepalived-ts always runs on h2, keepalived on h1
const hostOf = (a: Agent): number => (a === 'keepalived' ? 1 : 2);

beforeAll(() => lab.up(2));
afterAll(() => lab.down());

async function converged(holder: number, what: string, timeoutMs = 8000): Promise<void> {
  await waitFor(() => {
    const h = lab.holders(2);
    return h.length === 1 && h[0] === holder;
  }, timeoutMs, what);
}

function ourAdvertsAreGood(file: string): void {
  const { adverts } = decodeCapture(file);
  const mine = adverts.filter((a) => a.src === ours);
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.every((a) => a.checksumGood && a.ttl === 255)).toBe(true);
}

async function stopAll(...peers: Peer[]): Promise<void> {
  for (const p of peers) {
    if (p.child.exitCode === null && p.child.signalCode === null) await lab.terminate(p).catch(() => lab.crash(p));
  }
  // a crashed keepalived leaves its VIP behind; clear it for the next scenario
  for (const h of [1, 2]) lab.lab.ip('-n', lab.lab.host(h), 'addr', 'flush', 'dev', 'eth0', 'to', '192.0.2.100/32');
}

describe.each(['keepalived', 'keepalived-ts'] as Agent[])('first master %s (VRRPv2, advert_int 1)', (first) => {
  it(`${other(first)} with the higher priority preempts it, and yields back after a graceful stop`, async () => {
    const capture = lab.startCapture();
    const low = lab.start(first, hostOf(first), vrrpConfig({ version: 2, advertInt: 1, priority: 100 }));
    await converged(hostOf(first), `${first} to become master alone`);
    const high = lab.start(other(first), hostOf(other(first)), vrrpConfig({ version: 2, advertInt: 1, priority: 150 }));
    await converged(hostOf(other(first)), `${other(first)} to preempt`);
    await sleep(1500);
    expect(lab.holders(2)).toEqual([hostOf(other(first))]);
    // graceful stop of the master: priority 0, the backup takes over after its skew time
    await lab.terminate(high);
    await converged(hostOf(first), `${first} to take over after SIGTERM`, 3000);
    await stopAll(low, high);
    lab.stopCapture();
    ourAdvertsAreGood(capture);
    const { adverts } = decodeCapture(capture);
    expect(adverts.some((a) => a.priority === 0 && a.src === (high.agent === 'keepalived-ts' ? ours : '192.0.2.11'))).toBe(true);
  });

  it(`${other(first)} takes over when the master ${first} crashes`, async () => {
    const master = lab.start(first, hostOf(first), vrrpConfig({ version: 2, advertInt: 1, priority: 150 }));
    await converged(hostOf(first), `${first} master`);
    const backup = lab.start(other(first), hostOf(other(first)), vrrpConfig({ version: 2, advertInt: 1, priority: 100 }));
    await sleep(2500);
    expect(lab.holders(2)).toEqual([hostOf(first)]);
    lab.crash(master);
    await waitFor(() => lab.holders(2).includes(hostOf(other(first))), 6000, `${other(first)} to take over`);
    await stopAll(master, backup);
  });
});

describe('VRRPv3 with advert_int 0.1', () => {
  it.each(['keepalived', 'keepalived-ts'] as Agent[])('master %s crashes, the other takes over within a second', async (first) => {
    const capture = lab.startCapture();
    const master = lab.start(first, hostOf(first), vrrpConfig({ version: 3, advertInt: 0.1, priority: 150 }));
    await converged(hostOf(first), `${first} master`, 4000);
    const backup = lab.start(other(first), hostOf(other(first)), vrrpConfig({ version: 3, advertInt: 0.1, priority: 100 }));
    await sleep(1500);
    expect(lab.holders(2)).toEqual([hostOf(first)]);
    const crashedAt = Date.now();
    lab.crash(master);
    await waitFor(() => lab.holders(2).includes(hostOf(other(first))), 3000, `${other(first)} to take over`);
    expect(Date.now() - crashedAt).toBeLessThan(1500);
    await stopAll(master, backup);
    lab.stopCapture();
    ourAdvertsAreGood(capture);
    expect(decodeCapture(capture).adverts.filter((a) => a.src === ours).every((a) => a.version === 3)).toBe(true);
  });
});

describe('unicast peers (VRRPv3, advert_int 0.5)', () => {
  it.each(['keepalived', 'keepalived-ts'] as Agent[])('master %s; the other takes over when it crashes', async (first) => {
    const capture = lab.startCapture();
    const uni = (a: Agent) => ({
      src: a === 'keepalived' ? '192.0.2.11' : ours,
      peer: a === 'keepalived' ? ours : '192.0.2.11',
    });
    const master = lab.start(first, hostOf(first), vrrpConfig({ version: 3, advertInt: 0.5, priority: 150, unicast: uni(first) }));
    await converged(hostOf(first), `${first} master`, 6000);
    const backup = lab.start(other(first), hostOf(other(first)), vrrpConfig({ version: 3, advertInt: 0.5, priority: 100, unicast: uni(other(first)) }));
    await sleep(2500);
    expect(lab.holders(2)).toEqual([hostOf(first)]);
    lab.crash(master);
    await waitFor(() => lab.holders(2).includes(hostOf(other(first))), 4000, `${other(first)} to take over`);
    await stopAll(master, backup);
    lab.stopCapture();
    ourAdvertsAreGood(capture);
  });
});
