/**
 * Reloads (SIGHUP) of keepalived-ts while MASTER, with Debian's keepalived 2.2.7 as the backup,
 * in network namespaces on a bridge (root). keepalived runs on h1 (192.0.2.11), keepalived-ts
 * on h2 (192.0.2.12). The capture on the bridge shows whether the backup ever saw the master go.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCapture, peerLog, sleep, VrrpLab, waitFor, type Agent, type Peer } from '../helpers/vrrp-lab.js';

const lab = new VrrpLab('ktsr');
let running: Peer[] = [];
const ours = '192.0.2.12';
const theirs = '192.0.2.11';

beforeAll(() => lab.up(2));
afterAll(() => lab.down());
afterEach(async () => {
  lab.stopCapture();
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) await lab.terminate(p).catch(() => lab.crash(p));
  running = [];
  for (const h of [1, 2]) lab.lab.ip('-n', lab.lab.host(h), 'addr', 'flush', 'dev', 'eth0', 'to', '192.0.2.96/28');
});

function start(agent: Agent, config: string): Peer {
  const p = lab.start(agent, agent === 'keepalived' ? 1 : 2, config);
  running.push(p);
  return p;
}

function instance(name: string, vrid: number, priority: number, vip: string): string {
  return `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${vip}/24
  }
}
`;
}

const head = 'global_defs {\n  router_id lab\n}\n';

/** Rewrite the peer's file, send SIGHUP, and wait until the reload has finished (or was refused). */
async function reload(p: Peer, config: string | null, what = 'Reload finished'): Promise<void> {
  if (config !== null) writeFileSync(join(p.dir, 'keepalived.conf'), config);
  const count = (): number => peerLog(p).split(what).length - 1;
  const before = count();
  process.kill(Number(readFileSync(p.pidFile, 'utf8')), 'SIGHUP');
  await waitFor(() => count() > before, 10_000, `'${what}' in the log`);
}

const holders = (vip = '192.0.2.100'): number[] => lab.holders(2, vip);

/** Longest gap (s) between two adverts of `src` for `vrid` in the capture. */
function longestGap(adverts: { time: number; src: string; vrid: number }[], src: string, vrid: number): number {
  const t = adverts.filter((a) => a.src === src && a.vrid === vrid).map((a) => a.time);
  let gap = 0;
  for (let i = 1; i < t.length; i++) gap = Math.max(gap, t[i]! - t[i - 1]!);
  return gap;
}

describe('keepalived-ts reloads while MASTER, keepalived 2.2.7 as the backup', () => {
  it('five reloads of an unchanged file: keepalived never sends an advert and the VIP never leaves', async () => {
    start('keepalived', head + instance('VI_1', 51, 100, '192.0.2.100'));
    const ts = start('keepalived-ts', head + instance('VI_1', 51, 150, '192.0.2.100'));
    await waitFor(() => holders().join() === '2', 15_000, 'keepalived-ts to hold the VIP');
    await sleep(1500); // keepalived has seen our adverts and is settled in BACKUP
    const capture = lab.startCapture();
    await sleep(500);
    const logFrom = peerLog(ts).length;
    for (let i = 0; i < 5; i++) {
      await reload(ts, null);
      expect(holders()).toEqual([2]);
      await sleep(300);
    }
    await sleep(2500);
    expect(holders()).toEqual([2]);
    lab.stopCapture();
    const { adverts } = decodeCapture(capture);
    expect(adverts.filter((a) => a.src === ours).length).toBeGreaterThanOrEqual(3);
    expect(adverts.filter((a) => a.src === theirs)).toEqual([]);
    expect(adverts.filter((a) => a.src === ours).every((a) => a.priority === 150)).toBe(true);
    // advert_int 1 s: no gap worth a second advert (scheduling noise aside)
    expect(longestGap(adverts, ours, 51)).toBeLessThan(1.2);
    expect(peerLog(ts).slice(logFrom)).not.toMatch(/Entering (BACKUP|FAULT|MASTER) STATE/);
    expect(peerLog(ts).slice(logFrom).match(/Reload: VRRP instances reconciled/g)).toHaveLength(5);
  });

  it('a reload to a lower priority hands the VIP to keepalived; reloading back preempts it', async () => {
    start('keepalived', head + instance('VI_1', 51, 100, '192.0.2.100'));
    const ts = start('keepalived-ts', head + instance('VI_1', 51, 150, '192.0.2.100'));
    await waitFor(() => holders().join() === '2', 15_000, 'keepalived-ts to hold the VIP');
    await reload(ts, head + instance('VI_1', 51, 50, '192.0.2.100'));
    await waitFor(() => holders().join() === '1', 10_000, 'keepalived to take the VIP');
    expect(peerLog(ts)).toMatch(/Changing effective priority from 150 to 50/);
    await reload(ts, head + instance('VI_1', 51, 150, '192.0.2.100'));
    await waitFor(() => holders().join() === '2', 10_000, 'keepalived-ts to preempt');
  });

  it("adding an instance leaves the other's adverts uninterrupted; the new one starts in BACKUP and takes its VIP", async () => {
    start('keepalived', head + instance('VI_1', 51, 100, '192.0.2.100'));
    const ts = start('keepalived-ts', head + instance('VI_1', 51, 150, '192.0.2.100'));
    await waitFor(() => holders().join() === '2', 15_000, 'keepalived-ts to hold the VIP');
    const capture = lab.startCapture();
    await sleep(1200);
    await reload(ts, head + instance('VI_1', 51, 150, '192.0.2.100') + instance('VI_2', 52, 150, '192.0.2.101'));
    await waitFor(() => holders('192.0.2.101').join() === '2', 10_000, 'VI_2 to become MASTER');
    await sleep(1200);
    lab.stopCapture();
    const { adverts } = decodeCapture(capture);
    expect(longestGap(adverts, ours, 51)).toBeLessThan(1.2);
    expect(adverts.filter((a) => a.src === theirs)).toEqual([]);
    expect(adverts.some((a) => a.src === ours && a.vrid === 52)).toBe(true);
    expect(peerLog(ts)).toMatch(/\(VI_2\) Entering BACKUP STATE/);
    expect(holders()).toEqual([2]);
  });

  it('an empty file and a file that cannot be used are refused: the running configuration stays', async () => {
    start('keepalived', head + instance('VI_1', 51, 100, '192.0.2.100'));
    const ts = start('keepalived-ts', head + instance('VI_1', 51, 150, '192.0.2.100'));
    await waitFor(() => holders().join() === '2', 15_000, 'keepalived-ts to hold the VIP');
    const logFrom = peerLog(ts).length;
    await reload(ts, '', 'Reload refused');
    await reload(ts, '\u0000\u0001\u00ff binary \u0002\n\u0003', 'Reload refused');
    await reload(ts, head + 'include /nonexistent/*.conf\nvrrp_instance VI_1 {\n  priority\n}\n', 'Reload refused');
    await sleep(1500);
    expect(holders()).toEqual([2]);
    expect(peerLog(ts).slice(logFrom)).not.toMatch(/Entering (BACKUP|FAULT|STOP|MASTER) STATE|Reload finished/);
  });

  it('a reload storm (HUP every 50 ms for 10 s, the file alternately good and empty): no flap, one log line per signal, the last good file runs', async () => {
    start('keepalived', head + instance('VI_1', 51, 100, '192.0.2.100'));
    const good = (priority: number): string => head + instance('VI_1', 51, priority, '192.0.2.100');
    const ts = start('keepalived-ts', good(150));
    await waitFor(() => holders().join() === '2', 15_000, 'keepalived-ts to hold the VIP');
    await sleep(1500);
    const capture = lab.startCapture();
    const logFrom = peerLog(ts).length;
    const pid = Number(readFileSync(ts.pidFile, 'utf8'));
    const conf = join(ts.dir, 'keepalived.conf');
    const signals = 200;
    for (let i = 0; i < signals; i++) {
      writeFileSync(conf, i === signals - 1 ? good(140) : i % 2 === 0 ? '' : good(150));
      process.kill(pid, 'SIGHUP');
      await sleep(50);
      if (i % 20 === 0) expect(holders()).toEqual([2]);
    }
    // the last signal's reload has read the last file
    await waitFor(() => /Changing effective priority from 150 to 140/.test(peerLog(ts).slice(logFrom)), 10_000, 'the last good file to run');
    await sleep(1500);
    lab.stopCapture();
    expect(holders()).toEqual([2]);
    expect(ts.child.exitCode).toBeNull();
    const log = peerLog(ts).slice(logFrom);
    const perSignal = (log.match(/Reloading \.\.\. \(SIGHUP\)|Reload requested \(SIGHUP\)/g) ?? []).length;
    // the kernel merges a signal sent while the same one is pending: at most one line each
    expect(perSignal).toBeLessThanOrEqual(signals);
    expect(perSignal).toBeGreaterThan(signals * 0.9);
    expect(log).not.toMatch(/Entering (BACKUP|FAULT|STOP) STATE/);
    const { adverts } = decodeCapture(capture);
    expect(adverts.filter((a) => a.src === theirs)).toEqual([]);
    expect(longestGap(adverts, ours, 51)).toBeLessThan(1.2);
    expect(adverts.filter((a) => a.src === ours).at(-1)?.priority).toBe(140);
  }, 60_000);

  it('a reload that adds the first vrrp_instance starts the VRRP subsystem, as keepalived starts its VRRP child', async () => {
    start('keepalived', head + instance('VI_1', 51, 100, '192.0.2.100'));
    const ts = start('keepalived-ts', head);
    await waitFor(() => peerLog(ts).includes('Started. Running: nothing configured'), 10_000, 'keepalived-ts to start with nothing to run');
    await waitFor(() => holders().join() === '1', 15_000, 'keepalived to hold the VIP');
    const vrrpPidFile = join(ts.dir, 'vrrp.pid');
    expect(existsSync(vrrpPidFile)).toBe(false);
    await reload(ts, head + instance('VI_1', 51, 150, '192.0.2.100'));
    expect(peerLog(ts)).toContain('Reload: starting VRRP child process');
    await waitFor(() => holders().join() === '2', 15_000, 'keepalived-ts to preempt keepalived and hold the VIP');
    expect(readFileSync(vrrpPidFile, 'utf8').trim()).toBe(readFileSync(ts.pidFile, 'utf8').trim());
    // the subsystem started by the reload stops as one started at start: priority 0, the VIP released
    await lab.terminate(ts);
    expect(existsSync(vrrpPidFile)).toBe(false);
    await waitFor(() => holders().join() === '1', 5_000, 'keepalived to take the VIP back');
  });
});
