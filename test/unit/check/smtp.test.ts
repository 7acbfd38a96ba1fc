/**
 * SMTP_CHECK against small SMTP responders on loopback (node:net): the good dialogue, multi-line
 * and chunked replies, bad codes, garbage, an endless line, silence, closing, refusal, bindto,
 * IPv6; the reply reader and the host {} endpoints as pure functions.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmtpCheck } from '../../../src/config/checkers/smtp.js';
import type { ProbeTarget } from '../../../src/check/probe.js';
import { readSmtpReply, smtpProbe, smtpProbes, smtpTargets } from '../../../src/check/smtp.js';

const check = (over: Partial<SmtpCheck> = {}): SmtpCheck => ({ type: 'SMTP_CHECK', helo_name: 'smtpchecker.keepalived.org', host: [], ...over });
const never = new AbortController().signal;

interface Responder {
  port: number;
  /** Lines the client sent, per connection. */
  received: string[][];
  remotes: string[];
  close(): Promise<void>;
}

const servers: Responder[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A responder: `onConnect` greets, `onLine` answers each CRLF line the client sends. */
async function responder(
  script: { onConnect?: (s: Socket) => void; onLine?: (line: string, s: Socket) => void },
  host = '127.0.0.1',
): Promise<Responder> {
  const received: string[][] = [];
  const remotes: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    const lines: string[] = [];
    received.push(lines);
    remotes.push(s.remoteAddress ?? '');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        lines.push(line);
        script.onLine?.(line, s);
      }
    });
    script.onConnect?.(s);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const r: Responder = {
    port: (server.address() as AddressInfo).port,
    received,
    remotes,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  servers.push(r);
  return r;
}

/** A well-behaved server: 220, 250 to HELO, 221 to QUIT. */
const goodScript = {
  onConnect: (s: Socket) => s.write('220 mx.test ESMTP ready\r\n'),
  onLine: (line: string, s: Socket) => {
    if (line.startsWith('HELO ')) s.write('250 mx.test hello\r\n');
    else if (line === 'QUIT') s.end('221 bye\r\n');
    else s.write('500 what\r\n');
  },
};

const target = (port: number, over: Partial<ProbeTarget> = {}): ProbeTarget => ({ address: '127.0.0.1', port, timeoutMs: 2000, ...over });

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('readSmtpReply (pure)', () => {
  it('reads single-line, bare-code and multi-line replies and returns what follows', () => {
    expect(readSmtpReply(Buffer.from('220 hi there\r\nrest'))).toEqual({ kind: 'reply', code: 220, firstLine: '220 hi there', rest: Buffer.from('rest') });
    expect(readSmtpReply(Buffer.from('250\r\n'))).toMatchObject({ kind: 'reply', code: 250 });
    expect(readSmtpReply(Buffer.from('250 lf only\n'))).toMatchObject({ kind: 'reply', code: 250, firstLine: '250 lf only' });
    expect(readSmtpReply(Buffer.from('220-one\r\n220-two\r\n220 three\r\n'))).toMatchObject({ kind: 'reply', code: 220, firstLine: '220-one' });
  });

  it('waits for the rest of a line or of a multi-line reply', () => {
    expect(readSmtpReply(Buffer.from('220 partial'))).toEqual({ kind: 'incomplete' });
    expect(readSmtpReply(Buffer.from('220-one\r\n220-tw'))).toEqual({ kind: 'incomplete' });
    expect(readSmtpReply(Buffer.alloc(0))).toEqual({ kind: 'incomplete' });
  });

  it('refuses garbage, mixed codes and over-long lines', () => {
    expect(readSmtpReply(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toEqual({ kind: 'error', reason: 'not an SMTP reply: "HTTP/1.1 400 Bad Request"' });
    expect(readSmtpReply(Buffer.from('2200 x\r\n'))).toMatchObject({ kind: 'error', reason: 'not an SMTP reply: "2200 x"' });
    expect(readSmtpReply(Buffer.from('220-a\r\n250 b\r\n'))).toEqual({ kind: 'error', reason: 'multi-line reply 220 continued with code 250' });
    expect(readSmtpReply(Buffer.from('2'.repeat(513)))).toEqual({ kind: 'error', reason: 'reply line longer than 512 bytes' });
    expect(readSmtpReply(Buffer.from(`220 ${'x'.repeat(506)}\r\n`))).toMatchObject({ kind: 'reply', code: 220 }); // 512 with CRLF
    expect(readSmtpReply(Buffer.from(`220 ${'x'.repeat(507)}\r\n`))).toMatchObject({ kind: 'error' });
    expect(readSmtpReply(Buffer.from('\x00\x01\x02garbage\n'))).toEqual({ kind: 'error', reason: 'not an SMTP reply: "\\u0000\\u0001\\u0002garbage"' });
  });
});

describe('smtpTargets (host {} blocks)', () => {
  const rs = { ip: '10.0.0.5', port: 25 };
  it('is the real server alone without host blocks', () => {
    expect(smtpTargets(check({ connect_timeout: 3 }), rs)).toEqual([{ address: '10.0.0.5', port: 25, timeoutMs: 3000 }]);
  });

  it('lets the first host replace the checker when the checker has no connection option', () => {
    const c = check({ connect_timeout: 3, host: [{ connect_ip: '10.0.0.6' }, { connect_port: 587, connect_timeout: 1 }] });
    expect(smtpTargets(c, rs)).toEqual([
      { address: '10.0.0.6', port: 25, timeoutMs: 3000 },
      { address: '10.0.0.5', port: 587, timeoutMs: 1000 },
    ]);
    expect(smtpProbes(c, rs)).toHaveLength(2);
  });

  it('keeps the checker as an endpoint when it has a connection option of its own', () => {
    const c = check({ connect_timeout: 3, connect_port: 2525, host: [{ connect_ip: '10.0.0.6', bindto: '10.0.0.1' }] });
    expect(smtpTargets(c, rs)).toEqual([
      { address: '10.0.0.5', port: 2525, timeoutMs: 3000 },
      { address: '10.0.0.6', port: 25, bindAddress: '10.0.0.1', timeoutMs: 3000 },
    ]);
  });
});

describe('smtpProbe against loopback responders', { timeout: 10_000 }, () => {
  it('passes the good dialogue and sends HELO <helo_name> then QUIT', async () => {
    const srv = await responder(goodScript);
    const r = await smtpProbe(check({ helo_name: 'probe.example' }), target(srv.port))(never);
    expect(r).toEqual({ ok: true, reason: 'HELO accepted' });
    expect(srv.received[0]).toEqual(['HELO probe.example', 'QUIT']);
  });

  it('reads a multi-line banner and a HELO reply that arrives a byte at a time', async () => {
    const srv = await responder({
      onConnect: (s) => s.write('220-mx.test ESMTP\r\n220-no UCE\r\n220 ready\r\n'),
      onLine: (line, s) => {
        if (line.startsWith('HELO')) {
          const reply = '250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n';
          let i = 0;
          const t = setInterval(() => {
            if (s.destroyed || i >= reply.length) return clearInterval(t);
            s.write(reply[i++]!);
          }, 1);
        } else if (line === 'QUIT') s.end('221 bye\r\n');
      },
    });
    expect(await smtpProbe(check(), target(srv.port))(never)).toEqual({ ok: true, reason: 'HELO accepted' });
    expect(srv.received[0]).toEqual(['HELO smtpchecker.keepalived.org', 'QUIT']);
  });

  it('fails a 554 banner, quoting it, without sending HELO', async () => {
    const srv = await responder({ onConnect: (s) => s.write('554 mx.test no service here\r\n') });
    expect(await smtpProbe(check(), target(srv.port))(never)).toEqual({ ok: false, reason: 'bad greeting banner: 554 "554 mx.test no service here"' });
    await new Promise((r) => setTimeout(r, 20));
    expect(srv.received[0]).toEqual([]);
  });

  it('fails a 500 answer to HELO', async () => {
    const srv = await responder({ onConnect: (s) => s.write('220 ok\r\n'), onLine: (_l, s) => s.write('500 5.5.1 command unrecognized\r\n') });
    expect(await smtpProbe(check(), target(srv.port))(never)).toEqual({ ok: false, reason: 'bad HELO reply: 500 "500 5.5.1 command unrecognized"' });
  });

  it('times out on a silent server, naming what it waited for', async () => {
    const srv = await responder({});
    const t0 = Date.now();
    expect(await smtpProbe(check(), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({
      ok: false,
      reason: 'timed out after 300 ms waiting for the greeting banner',
    });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('times out when the HELO reply never comes', async () => {
    const srv = await responder({ onConnect: (s) => s.write('220 ok\r\n') });
    expect(await smtpProbe(check(), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({
      ok: false,
      reason: 'timed out after 300 ms waiting for the HELO reply',
    });
  });

  it('fails garbage, quoting its first bytes', async () => {
    const srv = await responder({ onConnect: (s) => s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n') });
    expect(await smtpProbe(check(), target(srv.port))(never)).toEqual({
      ok: false,
      reason: 'greeting banner: not an SMTP reply: "HTTP/1.1 400 Bad Request"',
    });
  });

  it('fails a banner line that never ends, long before the timeout', async () => {
    const srv = await responder({
      onConnect: (s) => {
        const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('220 ' + 'x'.repeat(100))), 2);
      },
    });
    const t0 = Date.now();
    expect(await smtpProbe(check(), target(srv.port, { timeoutMs: 5000 }))(never)).toEqual({
      ok: false,
      reason: 'greeting banner: reply line longer than 512 bytes',
    });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('fails when the server closes before answering HELO or QUIT', async () => {
    const helo = await responder({ onConnect: (s) => s.write('220 ok\r\n'), onLine: (_l, s) => s.end() });
    expect(await smtpProbe(check(), target(helo.port))(never)).toEqual({ ok: false, reason: 'connection closed by the server while waiting for the HELO reply' });
    const quit = await responder({
      onConnect: (s) => s.write('220 ok\r\n'),
      onLine: (l, s) => (l === 'QUIT' ? s.end() : s.write('250 ok\r\n')),
    });
    expect(await smtpProbe(check(), target(quit.port))(never)).toEqual({ ok: false, reason: 'connection closed by the server while waiting for the QUIT reply' });
  });

  it('takes any line as the QUIT reply, as keepalived does', async () => {
    const srv = await responder({
      onConnect: (s) => s.write('220 ok\r\n'),
      onLine: (l, s) => (l === 'QUIT' ? s.end('whatever\r\n') : s.write('250 ok\r\n')),
    });
    expect(await smtpProbe(check(), target(srv.port))(never)).toEqual({ ok: true, reason: 'HELO accepted' });
  });

  it('fails a refused connection', async () => {
    const port = await closedPort();
    expect(await smtpProbe(check(), target(port))(never)).toEqual({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
  });

  it('connects from bindto, and over IPv6', async () => {
    const srv = await responder(goodScript);
    expect(await smtpProbe(check(), target(srv.port, { bindAddress: '127.0.0.2' }))(never)).toMatchObject({ ok: true });
    expect(srv.remotes).toEqual(['127.0.0.2']);
    const v6 = await responder(goodScript, '::1');
    expect(await smtpProbe(check(), target(v6.port, { address: '::1' }))(never)).toEqual({ ok: true, reason: 'HELO accepted' });
  });

  it('fails at once for a bindto address that is not local', async () => {
    const srv = await responder(goodScript);
    expect(await smtpProbe(check(), target(srv.port, { bindAddress: '192.0.2.77' }))(never)).toEqual({
      ok: false,
      reason: 'local address not available (EADDRNOTAVAIL)',
    });
  });

  it('stops when aborted, and does not start when already aborted', async () => {
    const srv = await responder({});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await smtpProbe(check(), target(srv.port, { timeoutMs: 5000 }))(ac.signal)).toEqual({ ok: false, reason: 'aborted' });
    expect(await smtpProbe(check(), target(srv.port))(ac.signal)).toEqual({ ok: false, reason: 'aborted' });
  });
});
