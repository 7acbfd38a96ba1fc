import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from '../../../src/check/tcp.js';
import type { ProbeTarget } from '../../../src/check/probe.js';
import type { TcpCheck } from '../../../src/config/checkers/tcp.js';

const check: TcpCheck = { type: 'TCP_CHECK', connect_timeout: 1, retry: 1, delay_before_retry: 1, delay_loop: 5 };

import { closedPort, listen, shut as close, silentListener } from '../../helpers/loopback.js';

const target = (port: number, extra: Partial<ProbeTarget> = {}): ProbeTarget => ({ address: '127.0.0.1', port, timeoutMs: 1000, ...extra });
const run = (t: ProbeTarget, signal = new AbortController().signal) => tcpProbe(check, t)(signal);

describe('TCP_CHECK probe', () => {
  let server: Server;
  let port: number;
  const open = new Set<Socket>();
  const peers: { remoteAddress?: string; remotePort?: number; closed: Promise<void> }[] = [];

  beforeAll(async () => {
    server = createServer((s) => {
      open.add(s);
      s.once('close', () => open.delete(s));
      s.on('error', () => {});
      peers.push({ remoteAddress: s.remoteAddress, remotePort: s.remotePort, closed: new Promise((r) => s.once('close', () => r())) });
      s.resume();
    });
    port = await listen(server);
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await close(server);
  });

  it('passes when the connection is accepted, and closes it at once', async () => {
    const before = peers.length;
    const r = await run(target(port));
    expect(r).toEqual({ ok: true, reason: 'connected' });
    await expect.poll(() => peers.length).toBe(before + 1);
    // The server side sees the close promptly.
    await Promise.race([peers[before]!.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('peer not closed')), 1000))]);
  });

  it('passes over IPv6 loopback', async () => {
    const s6 = createServer((s) => s.destroy());
    const p6 = await listen(s6, '::1');
    try {
      expect(await run(target(p6, { address: '::1' }))).toEqual({ ok: true, reason: 'connected' });
    } finally {
      await close(s6);
    }
  });

  it('fails with "connection refused" on a closed port', async () => {
    const r = await run(target(await closedPort()));
    expect(r).toEqual({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
  });

  it('fails with a timeout when the listener never accepts, within the timeout', async () => {
    const silent = await silentListener();
    try {
      const t0 = Date.now();
      const r = await run(target(silent.port, { timeoutMs: 300 }));
      const elapsed = Date.now() - t0;
      expect(r).toEqual({ ok: false, reason: 'no connection within 300 ms' });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(800);
    } finally {
      await silent.close();
    }
  });

  it('binds to bindto (127.0.0.2) and bind_port', async () => {
    const before = peers.length;
    expect(await run(target(port, { bindAddress: '127.0.0.2' }))).toEqual({ ok: true, reason: 'connected' });
    await expect.poll(() => peers.length).toBe(before + 1);
    expect(peers[before]!.remoteAddress).toBe('127.0.0.2');

    const localPort = await closedPort('127.0.0.3');
    expect(await run(target(port, { bindAddress: '127.0.0.3', bindPort: localPort }))).toEqual({ ok: true, reason: 'connected' });
    await expect.poll(() => peers.length).toBe(before + 2);
    expect(peers[before + 1]).toMatchObject({ remoteAddress: '127.0.0.3', remotePort: localPort });
  });

  it('fails with a clear reason when the local address cannot be bound', async () => {
    // An IPv6 local end for an IPv4 destination.
    const r = await run(target(port, { bindAddress: '::1' }));
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/EINVAL|EAFNOSUPPORT|invalid|address/i);
  });

  it('stops at once when aborted', async () => {
    const silent = await silentListener();
    try {
      const ac = new AbortController();
      const t0 = Date.now();
      const p = run(target(silent.port, { timeoutMs: 5000 }), ac.signal);
      setTimeout(() => ac.abort(), 50);
      expect(await p).toEqual({ ok: false, reason: 'aborted' });
      expect(Date.now() - t0).toBeLessThan(1000);
      const pre = new AbortController();
      pre.abort();
      expect(await run(target(port), pre.signal)).toEqual({ ok: false, reason: 'aborted' });
    } finally {
      await silent.close();
    }
  });
});
