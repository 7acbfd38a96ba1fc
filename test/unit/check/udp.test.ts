/**
 * UDP_CHECK: keepalived's reply rules as a pure function, and the probe against loopback
 * (node:dgram): an echo server, a silent one, a closed port (ICMP port unreachable),
 * require_reply match / mismatch / length bounds, IPv6, bindto. Also: ~50 mixed checks of all
 * four kinds leave this process's file descriptors as they found them.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readHexString, type UdpCheck } from '../../../src/config/checkers/udp.js';
import type { ProbeResult, ProbeTarget } from '../../../src/check/probe.js';
import { keepalivedFiller, udpPayload, udpProbe, udpReplyMismatch } from '../../../src/check/udp.js';
import { dnsProbe } from '../../../src/check/dns.js';
import { smtpProbe } from '../../../src/check/smtp.js';
import { pingProbe } from '../../../src/check/ping.js';

const check = (over: Partial<UdpCheck> = {}): UdpCheck => ({ type: 'UDP_CHECK', min_reply_length: 0, max_reply_length: 255, ...over });
const pattern = (text: string) => readHexString(text, true)!;
const never = new AbortController().signal;

describe('UDP_CHECK rules (pure)', () => {
  it("sends keepalived's 32-byte filler when no payload is set, else the payload", () => {
    expect(keepalivedFiller(32).toString('latin1')).toBe('keepalived check - keepalived ch');
    expect(keepalivedFiller(40).toString('latin1')).toBe('keepalived check - keepalived check - ke');
    expect(udpPayload({})).toEqual(Buffer.from('keepalived check - keepalived ch'));
    expect(udpPayload({ payload: 'deadbeef01' })).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]));
  });

  it('takes any reply for a bare require_reply (no length bounds, as check_udp_reply is not called)', () => {
    expect(udpReplyMismatch(Buffer.alloc(1000), check({ require_reply: true, min_reply_length: 5, max_reply_length: 10 }))).toBeNull();
    expect(udpReplyMismatch(Buffer.alloc(0), check())).toBeNull();
  });

  it('checks the length bounds and the pattern with its X nibbles', () => {
    const c = check({ require_reply: pattern('01 X2 ff'), min_reply_length: 2, max_reply_length: 8 });
    expect(udpReplyMismatch(Buffer.from([0x01, 0x72, 0xff]), c)).toBeNull();
    expect(udpReplyMismatch(Buffer.from([0x01, 0x02, 0xff, 0x99]), c)).toBeNull(); // longer than the pattern
    expect(udpReplyMismatch(Buffer.from([0x01, 0xa2]), c)).toBeNull(); // only min(len, pattern) bytes compared
    expect(udpReplyMismatch(Buffer.from([0x01, 0x73, 0xff]), c)).toBe('reply does not match require_reply at byte 1: got 0x73, want 0x02 (mask 0x0f)');
    expect(udpReplyMismatch(Buffer.from([0x02, 0x02, 0xff]), c)).toBe('reply does not match require_reply at byte 0: got 0x02, want 0x01');
    expect(udpReplyMismatch(Buffer.from([0x01]), c)).toBe('reply of 1 bytes is shorter than min_reply_length 2');
    expect(udpReplyMismatch(Buffer.alloc(9, 1), c)).toBe('reply of 9 bytes is longer than max_reply_length 8');
  });
});

// ---- loopback servers ----

const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A UDP server: `answer` gives the datagrams to send back to each one received. */
async function server(answer: (d: Buffer, from: RemoteInfo) => Buffer[], host = '127.0.0.1') {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, host, r));
  const got: { data: Buffer; from: RemoteInfo }[] = [];
  s.on('message', (d, from) => {
    got.push({ data: d, from });
    for (const reply of answer(d, from)) s.send(reply, from.port, from.address);
  });
  return { port: s.address().port, got };
}

async function closedUdpPort(host = '127.0.0.1'): Promise<number> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => s.bind(0, host, r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const echo = (d: Buffer) => [d];
const target = (port: number, over: Partial<ProbeTarget> = {}): ProbeTarget => ({ address: '127.0.0.1', port, timeoutMs: 2000, ...over });

describe('udpProbe against loopback', { timeout: 10_000 }, () => {
  it('passes on an echo without require_reply, having sent the filler', async () => {
    const srv = await server(echo);
    expect(await udpProbe(check(), target(srv.port))(never)).toEqual({ ok: true, reason: 'reply of 32 bytes' });
    expect(srv.got[0]!.data.toString('latin1')).toBe('keepalived check - keepalived ch');
  });

  it('passes a silent port without require_reply: only an ICMP error fails', async () => {
    const srv = await server(() => []);
    const t0 = Date.now();
    expect(await udpProbe(check({ payload: '0102' }), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({ ok: true, reason: 'no ICMP error within 300 ms' });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(srv.got[0]!.data).toEqual(Buffer.from([1, 2]));
  });

  it('fails a closed port (ICMP port unreachable surfaces as ECONNREFUSED)', async () => {
    const port = await closedUdpPort();
    expect(await udpProbe(check(), target(port))(never)).toEqual({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
    expect(await udpProbe(check({ require_reply: true }), target(port))(never)).toEqual({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
    const port6 = await closedUdpPort('::1');
    expect(await udpProbe(check(), target(port6, { address: '::1' }))(never)).toEqual({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
  });

  it('fails silence with require_reply', async () => {
    const srv = await server(() => []);
    expect(await udpProbe(check({ require_reply: true }), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({ ok: false, reason: 'no reply within 300 ms' });
  });

  it('matches require_reply with wildcards, and fails a mismatch', async () => {
    const srv = await server(() => [Buffer.from('PONG 42')]);
    expect(await udpProbe(check({ payload: '50494e47', require_reply: pattern('50 4f 4e 47 20 3X') }), target(srv.port))(never)).toEqual({
      ok: true,
      reason: 'reply of 7 bytes',
    });
    expect(await udpProbe(check({ require_reply: pattern('50 4f 4e 48') }), target(srv.port))(never)).toEqual({
      ok: false,
      reason: 'reply does not match require_reply at byte 3: got 0x47, want 0x48',
    });
  });

  it('lets the first reply decide', async () => {
    const srv = await server(() => [Buffer.from('nope'), Buffer.from('PONG')]);
    expect(await udpProbe(check({ require_reply: pattern('50 4f 4e 47') }), target(srv.port))(never)).toEqual({
      ok: false,
      reason: 'reply does not match require_reply at byte 0: got 0x6e, want 0x50',
    });
  });

  it('applies min_reply_length and max_reply_length', async () => {
    const srv = await server(() => [Buffer.from('PONG')]);
    const c = { require_reply: pattern('50') };
    expect(await udpProbe(check({ ...c, min_reply_length: 5 }), target(srv.port))(never)).toEqual({ ok: false, reason: 'reply of 4 bytes is shorter than min_reply_length 5' });
    expect(await udpProbe(check({ ...c, max_reply_length: 3 }), target(srv.port))(never)).toEqual({ ok: false, reason: 'reply of 4 bytes is longer than max_reply_length 3' });
    expect(await udpProbe(check({ ...c, min_reply_length: 4, max_reply_length: 4 }), target(srv.port))(never)).toEqual({ ok: true, reason: 'reply of 4 bytes' });
  });

  it('ignores datagrams from elsewhere (connected socket)', async () => {
    const other = createSocket('udp4');
    sockets.push(other);
    await new Promise<void>((r) => other.bind(0, '127.0.0.2', r));
    const srv = await server((_d, from) => {
      other.send(Buffer.from('PONG'), from.port, from.address);
      return [];
    });
    expect(await udpProbe(check({ require_reply: true }), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({ ok: false, reason: 'no reply within 300 ms' });
  });

  it('works over IPv6 and from bindto / bind_port', async () => {
    const v6 = await server(echo, '::1');
    expect(await udpProbe(check({ require_reply: true }), target(v6.port, { address: '::1' }))(never)).toEqual({ ok: true, reason: 'reply of 32 bytes' });
    const srv = await server(echo);
    const bindPort = await closedUdpPort('127.0.0.2');
    expect(await udpProbe(check({ require_reply: true }), target(srv.port, { bindAddress: '127.0.0.2', bindPort }))(never)).toMatchObject({ ok: true });
    expect(srv.got[0]!.from).toMatchObject({ address: '127.0.0.2', port: bindPort });
    expect(await udpProbe(check(), target(srv.port, { bindAddress: '192.0.2.77' }))(never)).toEqual({ ok: false, reason: 'local address not available (EADDRNOTAVAIL)' });
  });

  it('refuses a target without a port, and stops when aborted', async () => {
    expect(await udpProbe(check(), target(0))(never)).toEqual({ ok: false, reason: 'no port to send to' });
    const srv = await server(() => []);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await udpProbe(check({ require_reply: true }), target(srv.port, { timeoutMs: 5000 }))(ac.signal)).toEqual({ ok: false, reason: 'aborted' });
  });
});

describe('resources', { timeout: 20_000 }, () => {
  const fds = (): number => readdirSync('/proc/self/fd').length;

  it('~50 mixed SMTP, DNS, UDP and PING checks leave the open file descriptors at the baseline', async () => {
    const udpEcho = await server(echo);
    const silent = await server(() => []);
    const dns = await server((q) => {
      const r = Buffer.from(q);
      r.writeUInt16BE(0x8180, 2);
      return [r];
    });
    const closedUdp = await closedUdpPort();
    const smtp = createServer((s) => {
      s.on('error', () => {});
      s.write('220 ok\r\n');
      s.on('data', (d) => (d.toString().startsWith('QUIT') ? s.end('221 bye\r\n') : s.write('250 ok\r\n')));
    });
    const mute = createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.address() as AddressInfo).port;
    const mutePort = (mute.address() as AddressInfo).port;
    try {
      const smtpCheck = { type: 'SMTP_CHECK' as const, helo_name: 'x', host: [] };
      const probes = [
        () => udpProbe(check({ require_reply: true }), target(udpEcho.port))(never),
        () => udpProbe(check(), target(closedUdp))(never),
        () => udpProbe(check({ require_reply: true }), target(silent.port, { timeoutMs: 100 }))(never),
        () => dnsProbe({ type: 'DNS_CHECK', query_type: 'SOA', name: '.' }, target(dns.port))(never),
        () => dnsProbe({ type: 'DNS_CHECK', query_type: 'A', name: 'a.b' }, target(silent.port, { timeoutMs: 100 }))(never),
        () => smtpProbe(smtpCheck, target(smtpPort))(never),
        () => smtpProbe(smtpCheck, target(mutePort, { timeoutMs: 100 }))(never),
        () => pingProbe({ type: 'PING_CHECK' }, target(0))(never),
        () => pingProbe({ type: 'PING_CHECK' }, target(0, { address: '::1' }))(never),
        () => {
          const ac = new AbortController();
          setTimeout(() => ac.abort(), 10);
          return smtpProbe(smtpCheck, target(mutePort))(ac.signal);
        },
      ];
      // one round first, so that lazily opened process-wide descriptors are in the baseline
      await Promise.all(probes.map((p) => p()));
      await settle(fds());
      const baseline = fds();
      const results: ProbeResult[] = [];
      for (let round = 0; round < 5; round++) results.push(...(await Promise.all(probes.map((p) => p()))));
      expect(results).toHaveLength(50);
      expect(results.filter((r) => r.ok)).toHaveLength(25); // the good udp, dns, smtp and both pings pass
      expect(await settle(baseline)).toBe(baseline);
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => mute.close(() => r()));
    }

    /** Wait (bounded) for closing sockets to release their descriptors; the count at the end. */
    async function settle(want: number): Promise<number> {
      const until = Date.now() + 3000;
      while (fds() > want && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return fds();
    }
  });
});
