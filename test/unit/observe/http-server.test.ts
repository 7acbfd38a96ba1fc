import { request } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { isLoopbackHost, ObservabilityServer, parseHttpListen, type ObservabilityRoutes, type ObservabilityServerOptions } from '../../../src/observe/http-server.js';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: unknown;
  msg: string;
}

function capture(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg: String(msg ?? obj) });
  const log = { info: at('info'), warn: at('warn'), error: at('error'), debug: () => undefined, child: () => log } as unknown as Logger;
  return { log, lines };
}

const statusDoc = { version: '0.1.0', vrrp_instances: [{ name: 'VI_1', state: 'MASTER' }] };
const metricsText = '# TYPE keepalived_up gauge\nkeepalived_up 1\n';

function routes(over: Partial<ObservabilityRoutes> = {}): ObservabilityRoutes {
  return { metrics: async () => metricsText, status: () => statusDoc, health: () => ({ ok: true }), ...over };
}

const servers: ObservabilityServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(over: Partial<ObservabilityServerOptions> = {}) {
  const { log, lines } = capture();
  const server = await ObservabilityServer.start({ listen: [{ host: '127.0.0.1', port: 0 }], routes: routes(), log, ...over });
  servers.push(server);
  return { server, port: server.addresses[0]!.port, lines };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A raw TCP client: what it received, and whether/when the server closed it. */
function raw(port: number) {
  const sock = connect({ host: '127.0.0.1', port });
  sockets.push(sock);
  const state = { data: '', closedAt: 0, connected: false };
  sock.setEncoding('utf8');
  sock.on('connect', () => (state.connected = true));
  sock.on('data', (c: string) => (state.data += c));
  sock.on('error', () => undefined); // resets are an expected outcome here
  sock.on('close', () => (state.closedAt = Date.now()));
  return { sock, state };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const countResponses = (data: string): number => data.split('HTTP/1.1 ').length - 1;

describe('parseHttpListen', () => {
  it.each([
    ['127.0.0.1:9165', { host: '127.0.0.1', port: 9165 }],
    ['[::1]:9165', { host: '::1', port: 9165 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
    ['metrics-host.example:9165', { host: 'metrics-host.example', port: 9165 }],
  ])('accepts %s', (text, want) => expect(parseHttpListen(text)).toEqual(want));

  it.each(['9165', 'host:', ':9165', 'host:70000', 'host:0', '[::1', '[::1]', '[127.0.0.1]:80', '::1:9165', '', 'a b:80', 'host:80x', 'host:-1', ' host:80'])(
    'rejects %j without throwing',
    (text) => expect(parseHttpListen(text)).toBeNull(),
  );
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LocalHost'])('%s is loopback', (h) =>
    expect(isLoopbackHost(h)).toBe(true),
  );
  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'example.com', 'localhost.example', ''])('%s is not loopback', (h) =>
    expect(isLoopbackHost(h)).toBe(false),
  );
});

describe('ObservabilityServer routes', () => {
  it('serves /metrics as Prometheus text 0.0.4 with the no-store/nosniff headers', async () => {
    const { port, lines } = await start();
    const r = await http(port, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(metricsText)));
    expect(r.body).toBe(metricsText);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]); // loopback: no exposure warning
  });

  it('serves /status as indented JSON', async () => {
    const { port } = await start();
    const r = await http(port, '/status');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.body).toBe(JSON.stringify(statusDoc, null, 2) + '\n');
  });

  it('serves /healthz: 200 ok, or 503 with the reason', async () => {
    let health: { ok: boolean; reason?: string } = { ok: true };
    const { port } = await start({ routes: routes({ health: () => health }) });
    const ok = await http(port, '/healthz');
    expect([ok.status, ok.body, ok.headers['content-type']]).toEqual([200, 'ok\n', 'text/plain; charset=utf-8']);
    health = { ok: false, reason: 'VI_1 in FAULT\r\nInjected: header' };
    const bad = await http(port, '/healthz');
    expect(bad.status).toBe(503);
    expect(bad.body).toBe('VI_1 in FAULT Injected: header\n');
    expect(bad.headers['injected']).toBeUndefined();
  });

  it('ignores the query string', async () => {
    const { port } = await start();
    const r = await http(port, '/metrics?name[]=keepalived_up&x=1');
    expect(r.status).toBe(200);
    expect(r.body).toBe(metricsText);
  });

  it('answers HEAD with the GET headers and no body', async () => {
    const { port } = await start();
    const r = await http(port, '/status', 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(statusDoc, null, 2) + '\n')));
    expect(r.body).toBe('');
  });

  it('gives 404 for unknown paths, including near misses', async () => {
    const { port } = await start();
    for (const path of ['/', '/metrics/', '/status.json', '/healthz/x', '//metrics']) {
      const r = await http(port, path);
      expect([path, r.status, r.headers['cache-control']]).toEqual([path, 404, 'no-store']);
    }
  });

  it('gives 405 with Allow for methods other than GET/HEAD and never calls a route', async () => {
    let calls = 0;
    const count = () => (calls++, metricsText);
    const { port } = await start({ routes: routes({ metrics: count, status: count, health: () => (calls++, { ok: true }) }) });
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await http(port, '/metrics', method);
      expect([method, r.status, r.headers['allow']]).toEqual([method, 405, 'GET, HEAD']);
    }
    expect(calls).toBe(0);
  });

  it('gives 500 with a one-line body when a route throws or rejects, logged once each', async () => {
    const { port, lines } = await start({
      routes: routes({
        metrics: () => {
          throw new Error('collector exploded');
        },
        status: () => Promise.reject(new Error('status exploded')),
      }),
    });
    for (const path of ['/metrics', '/status']) {
      const r = await http(port, path);
      expect(r.status).toBe(500);
      expect(r.body).toBe('internal error\n');
    }
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => (e.obj as { err: Error }).err.message)).toEqual(['collector exploded', 'status exploded']);
    // The server keeps serving.
    expect((await http(port, '/healthz')).status).toBe(200);
  });

  it('discards a small GET body but refuses a declared body over 1 KiB (or chunked) with 413', async () => {
    const { port } = await start();
    const small = raw(port);
    small.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    small.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => countResponses(small.state.data) === 2, 3_000, 'two keep-alive responses');
    expect(small.state.data).toMatch(/^HTTP\/1\.1 200 /);

    const big = raw(port);
    big.sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n');
    await until(() => big.state.closedAt > 0, 3_000, 'the 413 connection to close');
    expect(big.state.data).toMatch(/^HTTP\/1\.1 413 /);

    // A chunked body has no declared size: refused too rather than drained.
    const chunked = raw(port);
    chunked.sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await until(() => chunked.state.closedAt > 0, 3_000, 'the chunked 413 connection to close');
    expect(chunked.state.data).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('ObservabilityServer bounds', () => {
  it('answers 431 to a header block over 8 KiB (below node default of 16 KiB)', async () => {
    const { port } = await start();
    const c = raw(port);
    c.sock.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(12 * 1024)}\r\n\r\n`);
    await until(() => c.state.closedAt > 0, 3_000, 'the oversized-header connection to close');
    expect(c.state.data).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('disconnects a slowloris client at the headers deadline', async () => {
    const headersMs = 300;
    const { port } = await start({ timeouts: { headersMs } });
    const c = raw(port);
    await until(() => c.state.connected, 2_000, 'connect');
    const startedAt = Date.now();
    const head = 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
    // One byte every 20 ms: never idle long, but the block would take ~4.6 s to complete.
    for (let i = 0; i < head.length && c.state.closedAt === 0; i++) {
      c.sock.write(head[i]!);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(c.state.closedAt).toBeGreaterThan(0);
    const heldMs = c.state.closedAt - startedAt;
    expect(heldMs).toBeGreaterThanOrEqual(headersMs - 50);
    expect(heldMs).toBeLessThan(headersMs + 1_500);
    expect(c.state.data).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('at maxConnections a new client pushes out the oldest idle connection and is served', async () => {
    const { port } = await start({ maxConnections: 4, timeouts: { keepAliveMs: 30_000 } });
    // Four keep-alive clients, each served once: all four are idle now, held[0] the oldest.
    const held = [0, 1, 2, 3].map(() => raw(port));
    for (const h of held) {
      h.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => countResponses(h.state.data) === 1, 3_000, 'a response');
    }
    const fifth = await http(port, '/healthz');
    expect(fifth.status).toBe(200);
    await until(() => held[0]!.state.closedAt > 0, 2_000, 'the oldest idle connection to be closed');
    expect(held.slice(1).every((h) => h.state.closedAt === 0)).toBe(true);
    // the others still work
    held[1]!.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => countResponses(held[1]!.state.data) === 2, 3_000, 'a second response on a held connection');
  });

  it('slow clients filling every slot cannot lock a scraper out', async () => {
    const { port } = await start({ maxConnections: 4, timeouts: { headersMs: 30_000, requestMs: 30_000 } });
    const slow = [0, 1, 2, 3].map(() => raw(port));
    for (const c of slow) c.sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await until(() => slow.every((c) => c.state.connected), 2_000, 'slow clients connected');
    await new Promise((r) => setTimeout(r, 50)); // the server has accepted them
    for (let i = 0; i < 3; i++) expect((await http(port, '/metrics')).status).toBe(200);
    await until(() => slow[0]!.state.closedAt > 0, 2_000, 'the oldest slow client pushed out');
    expect(slow[3]!.state.closedAt).toBe(0); // the youngest is still held
  });

  it('refuses a new connection only while every connection is being answered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { port, lines } = await start({ maxConnections: 2, routes: { ...routes(), metrics: async () => (await gate, 'm 1\n') } });
    const busy = [http(port, '/metrics'), http(port, '/metrics')];
    await new Promise((r) => setTimeout(r, 200)); // both requests are in the route
    const third = raw(port);
    await until(() => third.state.closedAt > 0, 3_000, 'the third connection to be refused');
    expect(third.state.data).toBe('');
    expect(lines.some((l) => l.msg.includes('refusing connections'))).toBe(true);
    release();
    expect((await Promise.all(busy)).map((r) => r.status)).toEqual([200, 200]);
    expect((await http(port, '/healthz')).status).toBe(200);
  });

  it('close() resolves with idle keep-alive and half-sent requests still open, and closes them', async () => {
    const { server, port } = await start({ timeouts: { headersMs: 30_000, requestMs: 30_000, keepAliveMs: 30_000 } });
    const idle = raw(port);
    idle.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => countResponses(idle.state.data) === 1, 3_000, 'keep-alive response');
    const partial = raw(port);
    partial.sock.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await until(() => partial.state.connected, 2_000, 'partial connect');
    await new Promise((r) => setTimeout(r, 50)); // let the server read the partial head (not asserted on)

    const closed = server.close().then(() => 'closed');
    const timer = new Promise((r) => setTimeout(() => r('timeout'), 2_000));
    expect(await Promise.race([closed, timer])).toBe('closed');
    await until(() => idle.state.closedAt > 0 && partial.state.closedAt > 0, 2_000, 'clients to see the close');
    await expect(http(port, '/healthz')).rejects.toThrow();
  });
});

describe('ObservabilityServer start', () => {
  it('serves on every listen entry and reports the real ports', async () => {
    const { server } = await start({ listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] });
    expect(server.addresses.map((a) => a.host)).toEqual(['127.0.0.1', '::1']);
    for (const a of server.addresses) {
      expect(a.port).toBeGreaterThan(0);
      const r = await new Promise<number>((resolve, reject) =>
        request({ host: a.host, port: a.port, path: '/healthz', agent: false }, (res) => (res.resume(), resolve(res.statusCode!)))
          .on('error', reject)
          .end(),
      );
      expect(r).toBe(200);
    }
  });

  it('warns once per non-loopback address before binding, and a bind failure names HOST:PORT', async () => {
    // Occupy a loopback port so the second entry fails; binding is in order and stops there,
    // so the non-loopback entries after it are never bound (only warned about).
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as AddressInfo).port;
    try {
      const { log, lines } = capture();
      const listen = [
        { host: '127.0.0.1', port: 0 },
        { host: '127.0.0.1', port: busyPort },
        { host: '203.0.113.7', port: 9165 },
        { host: '203.0.113.7', port: 9165 },
        { host: '2001:db8::7', port: 9165 },
        { host: 'localhost', port: 9165 },
      ];
      await expect(ObservabilityServer.start({ listen, routes: routes(), log })).rejects.toThrow(`cannot listen for HTTP on 127.0.0.1:${busyPort}`);
      const warns = lines.filter((l) => l.level === 'warn');
      expect(warns.map((w) => w.obj)).toEqual([{ listen: '203.0.113.7:9165' }, { listen: '[2001:db8::7]:9165' }]);
      expect(warns[0]!.msg).toBe('HTTP listener on a non-loopback address: /metrics and /status are readable by anyone who can reach it');
      // The first entry was bound before the failure (its release is checked in the next test).
      expect(lines.some((l) => l.level === 'info' && (l.obj as { listen?: string }).listen === '127.0.0.1:0')).toBe(true);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('closes the already-bound listeners when a later bind fails', async () => {
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as AddressInfo).port;
    // Find a free port for the first entry so we can probe it afterwards.
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const firstPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    try {
      const { log } = capture();
      await expect(
        ObservabilityServer.start({ listen: [{ host: '127.0.0.1', port: firstPort }, { host: '127.0.0.1', port: busyPort }], routes: routes(), log }),
      ).rejects.toThrow(/EADDRINUSE/);
      // ...and released: the port can be bound again at once.
      const again = createTcpServer();
      await new Promise<void>((resolve, reject) => again.once('error', reject).listen(firstPort, '127.0.0.1', resolve));
      await new Promise((r) => again.close(r));
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});
