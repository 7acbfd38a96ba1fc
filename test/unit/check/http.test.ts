import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genhash, httpProbe } from '../../../src/check/http.js';
import type { ProbeResult, ProbeTarget } from '../../../src/check/probe.js';
import { tcpProbe } from '../../../src/check/tcp.js';
import type { HttpCheck, HttpUrl } from '../../../src/config/checkers/http.js';

const md5 = (b: string | Buffer): string => createHash('md5').update(b).digest('hex');

import { closedPort, listen, shut, silentListener } from '../../helpers/loopback.js';

const url = (path: string, extra: Partial<HttpUrl> = {}): HttpUrl => ({ path, status_code: [], regex_no_match: false, ...extra });
const httpCheck = (urls: HttpUrl[], extra: Partial<HttpCheck> = {}): HttpCheck => ({
  type: 'HTTP_GET',
  url: urls,
  http_protocol: '1.0',
  connect_timeout: 1,
  retry: 1,
  delay_before_retry: 3,
  delay_loop: 5,
  ...extra,
});
const target = (port: number, extra: Partial<ProbeTarget> = {}): ProbeTarget => ({ address: '127.0.0.1', port, timeoutMs: 1000, ...extra });

/** Runs a probe and asserts it settled within its timeout plus a little. */
async function run(check: HttpCheck, t: ProbeTarget, opts?: { maxBodyBytes?: number; virtualhost?: string }, signal = new AbortController().signal): Promise<ProbeResult> {
  const t0 = Date.now();
  const r = await httpProbe(check, t, opts)(signal);
  expect(Date.now() - t0).toBeLessThan(t.timeoutMs + 300);
  return r;
}

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  httpVersion: string;
  remoteAddress: string | undefined;
  servername: string | false | null | undefined;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const BODY = 'hello keepalived\n';
const BIG = 'x'.repeat(5000);

function routes(): Record<string, Route> {
  return {
    '/': (_q, s) => s.end(BODY),
    '/ok': (_q, s) => s.end('ok'),
    '/503': (_q, s) => {
      s.statusCode = 503;
      s.end('down');
    },
    '/204': (_q, s) => {
      s.statusCode = 204;
      s.end();
    },
    '/205': (_q, s) => {
      s.statusCode = 205;
      s.end();
    },
    '/404': (_q, s) => {
      s.statusCode = 404;
      s.end('not here');
    },
    '/moved': (_q, s) => {
      s.writeHead(301, { location: '/' });
      s.end('moved');
    },
    '/chunked': (_q, s) => {
      s.write('hello ');
      setTimeout(() => s.end('keepalived\n'), 20);
    },
    '/big': (_q, s) => s.end(BIG),
    '/big-chunked': (_q, s) => {
      // No Content-Length: the cap is hit while streaming. Keeps writing until the peer goes.
      const tick = setInterval(() => {
        if (s.destroyed) clearInterval(tick);
        else s.write('y'.repeat(1000));
      }, 5);
      s.on('close', () => clearInterval(tick));
    },
    '/slow-body': (_q, s) => {
      s.writeHead(200, { 'content-length': '100' });
      s.write('partial');
    },
    '/no-answer': () => {},
  };
}

describe('HTTP_GET / SSL_GET probe', () => {
  let server: Server;
  let port: number;
  let tlsServer: Server;
  let tlsPort: number;
  let dir: string;
  const seen: Seen[] = [];
  const closedSockets: Promise<void>[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    seen.push({
      path: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      httpVersion: req.httpVersion,
      remoteAddress: req.socket.remoteAddress,
      servername: (req.socket as TLSSocket).servername,
    });
    const route = routes()[(req.url ?? '').split('?')[0] ?? ''];
    if (route) route(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  };

  beforeAll(async () => {
    server = createHttpServer(handler);
    server.on('connection', (s: Socket) => closedSockets.push(new Promise((r) => s.once('close', () => r()))));
    port = await listen(server);

    dir = mkdtempSync(join(tmpdir(), 'ka-http-test-'));
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], {
      stdio: 'ignore',
      timeout: 30_000,
    });
    tlsServer = createHttpsServer({ key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) }, handler);
    tlsPort = await listen(tlsServer);
  });

  afterAll(async () => {
    await shut(server);
    await shut(tlsServer);
    rmSync(dir, { recursive: true, force: true });
  });

  const lastSeen = (): Seen => seen[seen.length - 1]!;

  describe('status codes', () => {
    it('passes on 200 with the default 200-299', async () => {
      expect(await run(httpCheck([url('/ok')]), target(port))).toEqual({ ok: true, reason: 'GET /ok: status 200' });
    });

    it('fails on 503, naming the status and the accepted ranges', async () => {
      expect(await run(httpCheck([url('/503')]), target(port))).toEqual({ ok: false, reason: 'GET /503: status 503 (expected 200-299)' });
    });

    it('honours custom ranges (200-204 and 301)', async () => {
      const codes = { status_code: [{ min: 200, max: 204 }, { min: 301, max: 301 }] };
      expect(await run(httpCheck([url('/204', codes)]), target(port))).toEqual({ ok: true, reason: 'GET /204: status 204' });
      expect(await run(httpCheck([url('/moved', codes)]), target(port))).toEqual({ ok: true, reason: 'GET /moved: status 301' });
      expect(await run(httpCheck([url('/205', codes)]), target(port))).toEqual({ ok: false, reason: 'GET /205: status 205 (expected 200-204, 301)' });
      expect(await run(httpCheck([url('/404', { status_code: [{ min: 404, max: 404 }] })]), target(port))).toEqual({ ok: true, reason: 'GET /404: status 404' });
    });

    it('does not follow redirects: a 301 is just status 301', async () => {
      const before = seen.length;
      expect(await run(httpCheck([url('/moved')]), target(port))).toEqual({ ok: false, reason: 'GET /moved: status 301 (expected 200-299)' });
      expect(seen.slice(before).map((s) => s.path)).toEqual(['/moved']);
    });
  });

  describe('digest and regex', () => {
    it('passes when the MD5 of the body matches, fails when it does not', async () => {
      expect(await run(httpCheck([url('/', { digest: md5(BODY) })]), target(port))).toEqual({ ok: true, reason: 'GET /: status 200, digest ok' });
      const wrong = md5('something else');
      expect(await run(httpCheck([url('/', { digest: wrong })]), target(port))).toEqual({
        ok: false,
        reason: `GET /: MD5 digest mismatch (got ${md5(BODY)}, expected ${wrong})`,
      });
    });

    it('hashes a chunked body as its content', async () => {
      expect(await run(httpCheck([url('/chunked', { digest: md5(BODY) })]), target(port))).toEqual({ ok: true, reason: 'GET /chunked: status 200, digest ok' });
    });

    it('still checks the status when a digest is set (default 200-299)', async () => {
      expect(await run(httpCheck([url('/503', { digest: md5('down') })]), target(port))).toEqual({ ok: false, reason: 'GET /503: status 503 (expected 200-299)' });
    });

    it('matches regex and regex_no_match', async () => {
      expect(await run(httpCheck([url('/', { regex: 'keep[a-z]+d' })]), target(port))).toEqual({ ok: true, reason: 'GET /: status 200, regex matched' });
      expect(await run(httpCheck([url('/', { regex: 'KEEPALIVED', regex_options: ['caseless'] })]), target(port))).toEqual({
        ok: true,
        reason: 'GET /: status 200, regex matched',
      });
      expect(await run(httpCheck([url('/', { regex: 'error' })]), target(port))).toEqual({ ok: false, reason: 'GET /: regex did not match' });
      expect(await run(httpCheck([url('/', { regex: 'error', regex_no_match: true })]), target(port))).toEqual({
        ok: true,
        reason: 'GET /: status 200, regex did not match',
      });
      expect(await run(httpCheck([url('/', { regex: 'hello', regex_no_match: true })]), target(port))).toEqual({
        ok: false,
        reason: 'GET /: regex matched (regex_no_match)',
      });
      // Offsets: "keepalived" starts at byte 6.
      expect((await run(httpCheck([url('/', { regex: 'keepalived', regex_max_offset: 5 })]), target(port))).ok).toBe(false);
      expect((await run(httpCheck([url('/', { regex: 'keepalived', regex_min_offset: 6, regex_max_offset: 6 })]), target(port))).ok).toBe(true);
      expect((await run(httpCheck([url('/', { regex: 'hello', regex_min_offset: 1 })]), target(port))).ok).toBe(false);
      const bad = await run(httpCheck([url('/', { regex: '(' })]), target(port));
      expect(bad.ok).toBe(false);
      expect(bad.reason).toMatch(/^GET \/: invalid regex '\(':/);
    });
  });

  describe('bounded reads', () => {
    it('fails a body larger than the cap (Content-Length), closing the connection', async () => {
      expect(await run(httpCheck([url('/big', { digest: md5(BIG) })]), target(port), { maxBodyBytes: 1000 })).toEqual({
        ok: false,
        reason: 'GET /big: body larger than 1000 bytes',
      });
      // Without a cap problem the same body passes.
      expect(await run(httpCheck([url('/big', { digest: md5(BIG) })]), target(port))).toEqual({ ok: true, reason: 'GET /big: status 200, digest ok' });
    });

    it('fails an endless streamed body at the cap and closes the connection', async () => {
      const before = closedSockets.length;
      const r = await run(httpCheck([url('/big-chunked', { regex: 'z' })]), target(port), { maxBodyBytes: 4096 });
      expect(r).toEqual({ ok: false, reason: 'GET /big-chunked: body larger than 4096 bytes' });
      expect(closedSockets.length).toBe(before + 1);
      await Promise.race([closedSockets[before], new Promise((_, rej) => setTimeout(() => rej(new Error('server socket still open')), 1000))]);
    });

    it('fails a slow body with a timeout, within the timeout', async () => {
      const t0 = Date.now();
      const r = await run(httpCheck([url('/slow-body', { digest: md5(BODY) })]), target(port, { timeoutMs: 400 }));
      expect(r).toEqual({ ok: false, reason: 'GET /slow-body: timed out reading the body (not complete within 400 ms)' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    });

    it('fails when no response comes', async () => {
      expect(await run(httpCheck([url('/no-answer')]), target(port, { timeoutMs: 300 }))).toEqual({ ok: false, reason: 'GET /no-answer: no response within 300 ms' });
    });

    it('passes an answer that came while the checker was too busy to read it before the timeout', async () => {
      const { Worker } = await import('node:worker_threads');
      // the server answers from its own thread while this one is blocked
      const worker = new Worker(
        `const net = require('node:net');
         const srv = net.createServer((s) => s.once('data', () => setTimeout(() => s.end('HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok'), 50)));
         srv.listen(0, '127.0.0.1', () => require('node:worker_threads').parentPort.postMessage(srv.address().port));`,
        { eval: true },
      );
      const busyPort = await new Promise<number>((r) => worker.once('message', r));
      try {
        const p = run(httpCheck([url('/', { digest: md5('ok') })]), target(busyPort, { timeoutMs: 150 }));
        await new Promise((r) => setTimeout(r, 20)); // connected, request sent
        // block from the loop's check phase: its next turn runs the timers before it polls
        await new Promise((r) => setImmediate(r));
        const end = performance.now() + 400;
        while (performance.now() < end) {
          // busy: the answer arrives at ~70 ms, the deadline passes at 150 ms
        }
        expect(await p).toEqual({ ok: true, reason: 'GET /: status 200, digest ok' });
      } finally {
        await worker.terminate();
      }
    });

    it('fails when the connection is never accepted', async () => {
      const silent = await silentListener();
      try {
        expect(await run(httpCheck([url('/')]), target(silent.port, { timeoutMs: 300 }))).toEqual({ ok: false, reason: 'GET /: no connection within 300 ms' });
      } finally {
        await silent.close();
      }
    });

    it('stops at once when aborted', async () => {
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(), 50);
      expect(await run(httpCheck([url('/no-answer')]), target(port, { timeoutMs: 5000 }), undefined, ac.signal)).toEqual({ ok: false, reason: 'GET /no-answer: aborted' });
      expect(Date.now() - t0).toBeLessThan(1000);
    });
  });

  describe('broken peers', () => {
    let raw: Server;
    let rawPort: number;
    const behaviours: Record<string, (s: Socket) => void> = {
      '/junk': (s) => s.end('SSH-2.0-OpenSSH_9.2p1\r\n\r\n'),
      '/silent-close': (s) => s.end(),
      // Headers and part of a close-delimited body, then RST.
      '/rst': (s) => {
        s.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ');
        setTimeout(() => s.resetAndDestroy(), 50);
      },
      '/rst-length': (s) => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello ');
        setTimeout(() => s.resetAndDestroy(), 50);
      },
      '/rst-early': (s) => s.resetAndDestroy(),
      '/http10': (s) => s.end(`HTTP/1.0 200 OK\r\n\r\n${BODY}`),
    };

    beforeAll(async () => {
      raw = createNetServer((s) => {
        s.on('error', () => {});
        let buf = '';
        s.on('data', (d: Buffer) => {
          buf += d.toString('latin1');
          if (!buf.includes('\r\n\r\n')) return;
          const path = /^GET (\S+)/.exec(buf)?.[1] ?? '';
          buf = '';
          (behaviours[path] ?? ((x: Socket) => x.destroy()))(s);
        });
      });
      rawPort = await listen(raw);
    });
    afterAll(() => shut(raw));

    it('fails on a response that is not HTTP', async () => {
      const r = await run(httpCheck([url('/junk')]), target(rawPort));
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/^GET \/junk: invalid HTTP response \(.+\)$/);
    });

    it('fails when the server closes without answering', async () => {
      expect(await run(httpCheck([url('/silent-close')]), target(rawPort))).toEqual({ ok: false, reason: 'GET /silent-close: connection closed without a response' });
    });

    it('fails on a reset in the middle of the body', async () => {
      expect(await run(httpCheck([url('/rst', { digest: md5(BODY) })]), target(rawPort))).toEqual({ ok: false, reason: 'GET /rst: connection reset (ECONNRESET)' });
      expect(await run(httpCheck([url('/rst-length', { digest: md5(BODY) })]), target(rawPort))).toEqual({
        ok: false,
        reason: 'GET /rst-length: connection reset (ECONNRESET)',
      });
      expect(await run(httpCheck([url('/rst-early')]), target(rawPort))).toEqual({ ok: false, reason: 'GET /rst-early: connection reset (ECONNRESET)' });
    });

    it('reads an HTTP/1.0 close-delimited answer', async () => {
      expect(await run(httpCheck([url('/http10', { digest: md5(BODY) })]), target(rawPort))).toEqual({ ok: true, reason: 'GET /http10: status 200, digest ok' });
    });

    it('fails with "connection refused" on a closed port', async () => {
      expect(await run(httpCheck([url('/')]), target(await closedPort()))).toEqual({ ok: false, reason: 'GET /: connection refused (ECONNREFUSED)' });
    });
  });

  describe('urls, headers and binding', () => {
    it('checks every url in turn and stops at the first failure', async () => {
      const before = seen.length;
      expect(await run(httpCheck([url('/ok'), url('/', { digest: md5(BODY) })]), target(port))).toEqual({
        ok: true,
        reason: 'GET /ok: status 200; GET /: status 200, digest ok',
      });
      expect(seen.slice(before).map((s) => s.path)).toEqual(['/ok', '/']);
      const mid = seen.length;
      expect(await run(httpCheck([url('/ok'), url('/503'), url('/')]), target(port))).toEqual({ ok: false, reason: 'GET /503: status 503 (expected 200-299)' });
      expect(seen.slice(mid).map((s) => s.path)).toEqual(['/ok', '/503']);
    });

    it('sends keepalived\'s headers; Host is address:port unless a virtualhost is set', async () => {
      await run(httpCheck([url('/ok')]), target(port));
      // keepalived's request for the default http_protocol 1.0, header for header
      expect(lastSeen()).toMatchObject({ httpVersion: '1.0', rawHeaders: ['User-Agent', 'KeepAliveClient', 'Host', `127.0.0.1:${port}`] });
      await run(httpCheck([url('/ok')], { http_protocol: '1.0C' }), target(port));
      expect(lastSeen()).toMatchObject({ httpVersion: '1.0', rawHeaders: ['User-Agent', 'KeepAliveClient', 'Connection', 'close', 'Host', `127.0.0.1:${port}`] });
      await run(httpCheck([url('/ok')], { http_protocol: '1.1' }), target(port));
      expect(lastSeen()).toMatchObject({ httpVersion: '1.1', rawHeaders: ['User-Agent', 'KeepAliveClient', 'Connection', 'close', 'Host', `127.0.0.1:${port}`] });
      await run(httpCheck([url('/ok')], { virtualhost: 'www.example.com' }), target(port));
      expect(lastSeen().headers.host).toBe('www.example.com');
      await run(httpCheck([url('/ok', { virtualhost: 'url.example.com' })], { virtualhost: 'www.example.com' }), target(port));
      expect(lastSeen().headers.host).toBe('url.example.com');
      await run(httpCheck([url('/ok')]), target(port), { virtualhost: 'rs.example.com' });
      expect(lastSeen().headers.host).toBe('rs.example.com');
      await run(httpCheck([url('/ok')], { virtualhost: 'www.example.com' }), target(port), { virtualhost: 'rs.example.com' });
      expect(lastSeen().headers.host).toBe('www.example.com');
    });

    it('puts an IPv6 address in brackets in Host', async () => {
      const s6 = createHttpServer(handler);
      const p6 = await listen(s6, '::1');
      try {
        expect(await run(httpCheck([url('/ok')]), target(p6, { address: '::1' }))).toEqual({ ok: true, reason: 'GET /ok: status 200' });
        expect(lastSeen().headers.host).toBe(`[::1]:${p6}`);
      } finally {
        await shut(s6);
      }
    });

    it('binds to bindto (127.0.0.2)', async () => {
      expect(await run(httpCheck([url('/ok')]), target(port, { bindAddress: '127.0.0.2' }))).toEqual({ ok: true, reason: 'GET /ok: status 200' });
      expect(lastSeen().remoteAddress).toBe('127.0.0.2');
    });
  });

  describe('SSL_GET', () => {
    const ssl = (urls: HttpUrl[], extra: Partial<HttpCheck> = {}): HttpCheck => httpCheck(urls, { type: 'SSL_GET', ...extra });

    it('passes against a self-signed certificate (no verification), with digest', async () => {
      expect(await run(ssl([url('/', { digest: md5(BODY) })]), target(tlsPort))).toEqual({ ok: true, reason: 'GET /: status 200, digest ok' });
      expect(lastSeen().headers.host).toBe(`127.0.0.1:${tlsPort}`);
    });

    it('fails on a bad status over TLS', async () => {
      expect(await run(ssl([url('/503')]), target(tlsPort))).toEqual({ ok: false, reason: 'GET /503: status 503 (expected 200-299)' });
    });

    it('fails the handshake against a plain HTTP server', async () => {
      const r = await run(ssl([url('/ok')]), target(port));
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/^GET \/ok: TLS handshake failed \(.+\)$/);
    });

    it('sends SNI only with enable_sni', async () => {
      await run(ssl([url('/ok')], { virtualhost: 'www.example.com' }), target(tlsPort));
      expect(lastSeen().headers.host).toBe('www.example.com');
      expect(lastSeen().servername).toBeFalsy();
      expect(await run(ssl([url('/ok')], { virtualhost: 'www.example.com', enable_sni: true }), target(tlsPort))).toEqual({ ok: true, reason: 'GET /ok: status 200' });
      expect(lastSeen().servername).toBe('www.example.com');
    });

    it('times out a TLS server that never answers the handshake', async () => {
      const mute = createNetServer((s) => s.on('error', () => {}));
      const mp = await listen(mute);
      try {
        expect(await run(ssl([url('/')]), target(mp, { timeoutMs: 300 }))).toEqual({ ok: false, reason: 'GET /: no TLS handshake within 300 ms' });
      } finally {
        await shut(mute);
      }
    });
  });

  describe('genhash', () => {
    it('prints the MD5 of the body, whatever the status', async () => {
      expect(await genhash('/', { server: '127.0.0.1', port, timeoutMs: 1000 })).toEqual({ status: 200, digest: md5(BODY), bytes: BODY.length });
      expect(await genhash(`http://127.0.0.1:${port}/404`)).toEqual({ status: 404, digest: md5('not here'), bytes: 8 });
      expect(await genhash('/', { server: '127.0.0.1', port: tlsPort, ssl: true, virtualhost: 'v.example.com' })).toEqual({
        status: 200,
        digest: md5(BODY),
        bytes: BODY.length,
      });
      expect(lastSeen().headers.host).toBe('v.example.com');
    });

    it('rejects with the reason when there is no answer', async () => {
      await expect(genhash('/', { server: '127.0.0.1', port: await closedPort() })).rejects.toThrow('GET /: connection refused (ECONNREFUSED)');
      await expect(genhash('/no-answer', { server: '127.0.0.1', port, timeoutMs: 200 })).rejects.toThrow('GET /no-answer: no response within 200 ms');
    });
  });

  it('leaks no file descriptors over 56 mixed checks', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const fdTargets = (): string[] =>
      readdirSync('/proc/self/fd').map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '?';
        }
      });
    const raw = createNetServer((s) => {
      s.on('error', () => {});
      s.once('data', (d: Buffer) => {
        if (d.toString().startsWith('GET /junk')) s.end('junk junk\r\n\r\n');
        else {
          s.write('HTTP/1.0 200 OK\r\n\r\nhel');
          setTimeout(() => s.resetAndDestroy(), 10);
        }
      });
    });
    const rawPort = await listen(raw);
    const silent = await silentListener();
    const refused = await closedPort();
    const checks: (() => Promise<ProbeResult>)[] = [
      () => httpProbe(httpCheck([url('/ok')]), target(port))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/503')]), target(port))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/', { digest: md5(BODY) })]), target(port))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/big-chunked', { digest: md5(BODY) })]), target(port), { maxBodyBytes: 2000 })(new AbortController().signal),
      () => httpProbe(httpCheck([url('/slow-body', { digest: md5(BODY) })]), target(port, { timeoutMs: 150 }))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/junk')]), target(rawPort))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/rst', { digest: md5(BODY) })]), target(rawPort))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/')]), target(refused))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/')]), target(silent.port, { timeoutMs: 150 }))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/?tls', { digest: md5(BODY) })], { type: 'SSL_GET' }), target(tlsPort))(new AbortController().signal),
      () => httpProbe(httpCheck([url('/ok')], { type: 'SSL_GET' }), target(port))(new AbortController().signal),
      () => tcpProbe({ type: 'TCP_CHECK' }, target(port))(new AbortController().signal),
      () => tcpProbe({ type: 'TCP_CHECK' }, target(refused))(new AbortController().signal),
      () => tcpProbe({ type: 'TCP_CHECK' }, target(silent.port, { timeoutMs: 150 }))(new AbortController().signal),
    ];
    try {
      // Warm up lazily loaded parts (TLS, crypto) before the baseline.
      await Promise.all(checks.map((c) => c()));
      await new Promise((r) => setTimeout(r, 200));
      const baseline = fds();
      const before = fdTargets();
      const results = await Promise.all(Array.from({ length: 56 }, (_, i) => checks[i % checks.length]!()));
      // 14 kinds, 4 rounds; 4 kinds pass (/ok, digest, TLS digest, TCP accept).
      expect(results.filter((r) => r.ok).length).toBe(16);
      expect(new Set(results.map((r) => r.reason)).size, [...new Set(results.map((r) => r.reason))].join(' / ')).toBe(14);
      // Let the peers' closes and the servers' accepted sockets settle.
      let now = fds();
      for (let i = 0; i < 40 && now > baseline; i++) {
        await new Promise((r) => setTimeout(r, 50));
        now = fds();
      }
      expect(now, `new descriptors: ${fdTargets().filter((t) => !before.includes(t)).join(' ')}`).toBeLessThanOrEqual(baseline);
    } finally {
      await silent.close();
      await shut(raw);
    }
  });
});
