import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from '../../../src/check/tcp.js';
import { socketEnds } from '../../../src/check/socket-ends.js';
import { tcpConnector } from '../../../src/native/tcp-connect.js';
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
    expect(r.reason).toBe('bindto address ::1 does not suit 127.0.0.1 (address families differ)');
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

  it('passes a connection made while the checker was too busy to see it before the timeout', async () => {
    const p = run(target(port, { timeoutMs: 100 }));
    // the kernel completes the handshake; the loop only comes back after the deadline
    const end = performance.now() + 300;
    while (performance.now() < end) {
      // busy
    }
    expect(await p).toEqual({ ok: true, reason: 'connected' });
  });

  it('sets fwmark on the socket as SO_MARK', async () => {
    const silent = await silentListener();
    try {
      const ac = new AbortController();
      const p = run(target(silent.port, { timeoutMs: 3000, fwmark: 0x2a }), ac.signal);
      // the SYN is dropped by the full accept queue: the probe's socket waits in SYN-SENT
      const sockets = (): string => execFileSync('ss', ['-tne', 'state', 'syn-sent', 'dst', `127.0.0.1:${silent.port}`], { encoding: 'utf8' });
      await expect.poll(sockets, { timeout: 2000 }).toMatch(/fwmark:0x2a/);
      ac.abort();
      expect(await p).toEqual({ ok: false, reason: 'aborted' });
      await expect.poll(sockets).not.toMatch(/fwmark:0x2a/);
    } finally {
      await silent.close();
    }
  });

  it('runs thousands of checks at once (more than one batch of results) and releases every socket', async () => {
    // its own listener, with an accept queue for all of them: an overflowing queue leaves
    // half-made connections that take the kernel's SYN-ACK retries (seconds) to clear
    const mine = new Set<Socket>();
    let acceptedHere = 0;
    const big = createServer((s) => {
      acceptedHere++;
      mine.add(s);
      s.once('close', () => mine.delete(s));
      s.on('error', () => {});
      s.resume();
    });
    const bigPort = await new Promise<number>((r) => big.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => r((big.address() as { port: number }).port)));
    // the kernel caps the queue at net.core.somaxconn (4096 since Linux 5.4)
    const n = Math.min(2500, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')) - 16);
    try {
      const fds = (): number => readdirSync('/proc/self/fd').length;
      const before = fds();
      const results = await Promise.all(Array.from({ length: n }, () => run(target(bigPort, { timeoutMs: 5000 }))));
      expect(results.filter((r) => r.ok)).toHaveLength(n);
      expect(tcpConnector().active).toBe(0);
      await expect.poll(() => acceptedHere, { timeout: 5000 }).toBe(n);
      // every connection was closed by the checker: the server sees each one end
      await expect.poll(() => mine.size, { timeout: 5000 }).toBe(0);
      await expect.poll(fds).toBeLessThanOrEqual(before);
    } finally {
      for (const s of mine) s.destroy();
      await new Promise((r) => big.close(r));
    }
  });

  it('times out many checks in one turn, each with its own verdict', async () => {
    const silent = await silentListener();
    try {
      const refused = await closedPort();
      const mixed = await Promise.all(
        Array.from({ length: 60 }, (_, i) => run(i % 3 === 0 ? target(refused) : i % 3 === 1 ? target(silent.port, { timeoutMs: 200 }) : target(port))),
      );
      mixed.forEach((r, i) =>
        expect(r).toEqual(
          i % 3 === 0
            ? { ok: false, reason: 'connection refused (ECONNREFUSED)' }
            : i % 3 === 1
              ? { ok: false, reason: 'no connection within 200 ms' }
              : { ok: true, reason: 'connected' },
        ),
      );
      expect(tcpConnector().active).toBe(0);
    } finally {
      await silent.close();
    }
  });
});

describe('checker socket ends', () => {
  it('scopes a link-local IPv6 peer by bind_if and binds to that device', () => {
    const ends = socketEnds({ address: 'fe80::1', port: 80, bindInterface: 'lo', timeoutMs: 1000 });
    expect('error' in ends).toBe(false);
    if ('error' in ends) return;
    expect(Buffer.from(ends.peer).readUInt32LE(24)).toBe(1); // lo's index
    expect(ends.device).toBe('lo');
    expect(socketEnds({ address: 'fe80::1%lo', port: 80, timeoutMs: 1000 })).toMatchObject({ device: 'lo' });
  });

  it('explains what cannot be connected', () => {
    expect(socketEnds({ address: 'fe80::1', port: 80, timeoutMs: 1000 })).toEqual({ error: 'link-local fe80::1 needs an existing interface (bind_if)' });
    expect(socketEnds({ address: 'fe80::1', port: 80, bindInterface: 'nosuch0', timeoutMs: 1000 })).toEqual({
      error: 'link-local fe80::1 needs an existing interface (bind_if nosuch0 does not exist)',
    });
    expect(socketEnds({ address: 'db8::zz', port: 80, timeoutMs: 1000 })).toEqual({ error: 'not an IP address: db8::zz' });
    expect(socketEnds({ address: '192.0.2.1', port: 80, bindAddress: '2001:db8::1', timeoutMs: 1000 })).toEqual({
      error: 'bindto address 2001:db8::1 does not suit 192.0.2.1 (address families differ)',
    });
  });

  it('binds bind_port alone to the any-address of the peer family, and carries fwmark', () => {
    const ends = socketEnds({ address: '2001:db8::5', port: 443, bindPort: 4000, fwmark: 9, timeoutMs: 1000 });
    if ('error' in ends) throw new Error(ends.error);
    const local = Buffer.from(ends.local!);
    expect(local.length).toBe(28);
    expect(local.readUInt16BE(2)).toBe(4000);
    expect(local.subarray(8, 24).every((b) => b === 0)).toBe(true);
    expect(ends).toMatchObject({ mark: 9, device: null, family: 'inet6' });
    expect(Buffer.from(ends.peer).readUInt16BE(2)).toBe(443);
  });
});

