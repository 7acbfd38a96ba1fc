/**
 * The daemon speaks systemd's notify protocol (Type=notify) to a real unix datagram listener
 * standing in for systemd: READY=1 with its MAINPID once its VRRP instance runs, RELOADING=1 then
 * READY=1 around a reload, STOPPING=1 on SIGTERM; and its scripts do not inherit NOTIFY_SOCKET.
 * One keepalived-ts in a network namespace (root).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeSockets } from '../../src/native/index.js';
import { notifySocketAddress } from '../../src/systemd/notify.js';
import { peerLog, VrrpLab, waitFor, type Peer } from '../helpers/vrrp-lab.js';

const lab = new VrrpLab('ktsn');
const n = nativeSockets();
let dir: string;
let fd = -1;
const messages: string[] = [];

beforeAll(() => {
  lab.up(1);
  dir = mkdtempSync(join(tmpdir(), 'kts-notify-'));
  fd = n.socket(n.constants.AF_UNIX, n.constants.SOCK_DGRAM, 0);
  n.bind(fd, notifySocketAddress(join(dir, 'notify'), n.constants.AF_UNIX));
  n.watch(fd, () => {
    for (let m = n.recvmsg(fd, 4096, 0); m; m = n.recvmsg(fd, 4096, 0)) messages.push(m.data.toString('utf8'));
  });
});
afterAll(() => {
  if (fd >= 0) {
    n.unwatch(fd);
    n.close(fd);
  }
  lab.down();
  rmSync(dir, { recursive: true, force: true });
});

/** The first message after `from` that matches, within the deadline. */
async function message(pattern: RegExp, from: number, what: string): Promise<{ text: string; index: number }> {
  return waitFor(
    () => {
      const index = messages.findIndex((m, i) => i >= from && pattern.test(m));
      return index >= 0 ? { text: messages[index]!, index } : null;
    },
    10_000,
    what,
  );
}

describe('systemd notify protocol', () => {
  it('READY=1 with MAINPID once running, RELOADING=1 then READY=1 around a reload, STOPPING=1 on SIGTERM', async () => {
    const env = join(dir, 'env');
    const config = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  notify_backup "/bin/sh -c 'env > ${env}'"
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`;
    process.env['NOTIFY_SOCKET'] = join(dir, 'notify');
    let peer: Peer;
    try {
      peer = lab.start('keepalived-ts', 1, config);
    } finally {
      delete process.env['NOTIFY_SOCKET'];
    }
    const ready = await message(/^READY=1/m, 0, 'READY=1');
    expect(ready.text).toContain(`MAINPID=${peer.child.pid}`);
    expect(ready.text).toMatch(/STATUS=Running: 1 VRRP instances/);
    // the instance was running when READY=1 went out
    expect(peerLog(peer)).toMatch(/Entering BACKUP STATE/);
    // scripts do not see systemd's variables
    await waitFor(() => existsSync(env), 10_000, 'the notify script to run');
    await waitFor(() => readFileSync(env, 'utf8').includes('PATH='), 5000, 'the environment written');
    expect(readFileSync(env, 'utf8')).not.toContain('NOTIFY_SOCKET');

    writeFileSync(join(peer.dir, 'keepalived.conf'), config.replace('priority 150', 'priority 140'));
    process.kill(peer.child.pid!, 'SIGHUP');
    const reloading = await message(/^RELOADING=1/m, ready.index + 1, 'RELOADING=1');
    expect(reloading.text).toMatch(/MONOTONIC_USEC=\d+/);
    await message(/^READY=1/m, reloading.index + 1, 'READY=1 after the reload');
    expect(peerLog(peer)).toMatch(/Reload finished/);

    const from = messages.length;
    await lab.terminate(peer);
    await message(/^STOPPING=1/m, from, 'STOPPING=1');
  });
});
