/**
 * The observability HTTP server (`--http-listen HOST:PORT`, repeatable, off by default):
 * GET/HEAD /metrics (Prometheus text 0.0.4), /status (JSON) and /healthz. Read-only.
 *
 * It runs inside the daemon's event loop, so every client is bounded by node:http's own limits
 * (header size, header/request/keep-alive deadlines, connection count) and no handler ever waits
 * on a client: a slow or hostile peer costs one socket until a deadline, never loop time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIPv4, isIPv6, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../log.js';

export interface HttpListen {
  host: string;
  port: number;
}

export interface ObservabilityRoutes {
  /** Prometheus text exposition (format 0.0.4). */
  metrics(): Promise<string> | string;
  /** The status document (JSON-serialisable). */
  status(): Promise<unknown> | unknown;
  /** ok=false gives 503 with the reason. */
  health(): { ok: boolean; reason?: string };
}

export interface ObservabilityServerOptions {
  listen: readonly HttpListen[];
  routes: ObservabilityRoutes;
  log: Logger;
  /** Connections beyond this are closed by node right after accept. Default 256. */
  maxConnections?: number;
  /** Deadlines; defaults 5 s headers, 10 s whole request, 5 s keep-alive idle. Tests shorten them. */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number };
}

const MaxHeaderBytes = 8 * 1024;
/** GET bodies are discarded unread; a larger declared body is refused rather than drained. */
const MaxDiscardedBodyBytes = 1024;
const DefaultMaxConnections = 256;
const DefaultHeadersMs = 5_000;
const DefaultRequestMs = 10_000;
const DefaultKeepAliveMs = 5_000;

const NonLoopbackWarning = 'HTTP listener on a non-loopback address: /metrics and /status are readable by anyone who can reach it';

/** Parses "HOST:PORT" or "[IPV6]:PORT"; null (never a throw) on anything else, including an empty host. */
export function parseHttpListen(text: string): HttpListen | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined) return isIPv6(m[1]) ? { host: m[1], port } : null;
  const host = m[2]!;
  // A hostname or dotted IPv4; bare IPv6 needs brackets (the last colon would be ambiguous).
  return /^[A-Za-z0-9.-]+$/.test(host) ? { host, port } : null;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (any spelling, IPv4-mapped included) and 'localhost'. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIPv4(host)) return loopback.check(host, 'ipv4');
  if (isIPv6(host)) return loopback.check(host, 'ipv6');
  return false;
}

function formatListen(l: HttpListen): string {
  return isIPv6(l.host) ? `[${l.host}]:${l.port}` : `${l.host}:${l.port}`;
}

export class ObservabilityServer {
  private constructor(private readonly servers: readonly Server[]) {}

  /**
   * Warns about exposed listeners first, then binds in order and stops at the first failure
   * (closing what was bound), so a typo fails startup instead of leaving a partial set.
   */
  static async start(opts: ObservabilityServerOptions): Promise<ObservabilityServer> {
    const warned = new Set<string>();
    for (const l of opts.listen) {
      const listen = formatListen(l);
      if (isLoopbackHost(l.host) || warned.has(listen)) continue;
      warned.add(listen);
      opts.log.warn({ listen }, NonLoopbackWarning);
    }
    const servers: Server[] = [];
    for (const l of opts.listen) {
      const server = buildServer(opts);
      try {
        await listenOn(server, l);
      } catch (err) {
        await Promise.all(servers.map(closeServer));
        throw new Error(`cannot listen for HTTP on ${formatListen(l)}: ${(err as Error).message}`, { cause: err });
      }
      server.on('error', (err) => opts.log.error({ err, listen: formatListen(l) }, 'HTTP observability listener error'));
      servers.push(server);
      opts.log.info({ listen: formatListen(l) }, 'HTTP observability listener ready');
    }
    return new ObservabilityServer(servers);
  }

  /** The bound addresses (port 0 resolved to the real port). */
  get addresses(): { host: string; port: number }[] {
    return this.servers.flatMap((s) => {
      const a = s.address() as AddressInfo | null;
      return a ? [{ host: a.address, port: a.port }] : [];
    });
  }

  /** Stops listening and destroys every open connection, idle or mid-request. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map(closeServer));
  }
}

function buildServer(opts: ObservabilityServerOptions): Server {
  const requestMs = opts.timeouts?.requestMs ?? DefaultRequestMs;
  // node:http refuses headersTimeout > requestTimeout.
  const headersMs = Math.min(opts.timeouts?.headersMs ?? DefaultHeadersMs, requestMs);
  const server = createServer(
    {
      maxHeaderSize: MaxHeaderBytes,
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      // The header/request deadlines are only enforced on this tick (node's default is 30 s).
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(headersMs / 4))),
    },
    (req, res) => handle(req, res, opts.routes, opts.log),
  );
  server.keepAliveTimeout = opts.timeouts?.keepAliveMs ?? DefaultKeepAliveMs;
  // Socket inactivity bound: a client that stops reading its response is dropped, not kept forever.
  server.timeout = requestMs;
  boundConnections(server, opts.maxConnections ?? DefaultMaxConnections, opts.log);
  return server;
}

/**
 * At most `limit` connections. At the limit a new connection pushes out the oldest one that is
 * not being answered (a slow client still sending its headers, or an idle keep-alive one), so
 * that a flood of slow clients cannot lock scrapers out: a scraper sends its request at once
 * and is answered before it could be pushed out. Only when every connection is being answered
 * is the new one refused.
 */
function boundConnections(server: Server, limit: number, log: Logger): void {
  // insertion order = age: the first is the oldest
  const waiting = new Set<Socket>();
  let answering = 0;
  let logged = false;
  const warnOnce = (what: string): void => {
    if (logged) return;
    logged = true;
    log.warn({ maxConnections: limit }, `HTTP observability connection limit reached: ${what} (logged once)`);
  };
  server.on('connection', (socket: Socket) => {
    if (waiting.size + answering >= limit) {
      const oldest = waiting.values().next().value;
      if (oldest === undefined) {
        warnOnce('refusing connections');
        socket.destroy();
        return;
      }
      warnOnce('closing the oldest idle or slow connections');
      waiting.delete(oldest);
      oldest.destroy();
    }
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (!waiting.delete(socket)) return; // pushed out meanwhile
    answering++;
    res.once('close', () => {
      answering--;
      // back among the waiting, as the youngest
      if (!socket.destroyed) waiting.add(socket);
    });
  });
}

function listenOn(server: Server, l: HttpListen): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host: l.host, port: l.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const CommonHeaders = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;
const TextPlain = 'text/plain; charset=utf-8';

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...CommonHeaders, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body); // HEAD: node sends the headers and drops the body.
}

/** True when the request declares a body we will not drain (too large, or of unknown size). */
function bodyTooLarge(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > MaxDiscardedBodyBytes;
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: ObservabilityRoutes, log: Logger): Promise<void> {
  if (bodyTooLarge(req)) return send(res, 413, TextPlain, 'request body too large\n', { Connection: 'close' });
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, TextPlain, 'method not allowed\n', { Allow: 'GET, HEAD' });
  const path = (req.url ?? '').split('?', 1)[0];
  try {
    switch (path) {
      case '/metrics':
        return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await routes.metrics());
      case '/status':
        return send(res, 200, 'application/json', JSON.stringify((await routes.status()) ?? null, null, 2) + '\n');
      case '/healthz': {
        const h = routes.health();
        return h.ok ? send(res, 200, TextPlain, 'ok\n') : send(res, 503, TextPlain, `${oneLine(h.reason ?? 'unhealthy')}\n`);
      }
      default:
        return send(res, 404, TextPlain, 'not found\n');
    }
  } catch (err) {
    log.error({ err, path }, 'HTTP observability route failed');
    if (!res.headersSent) send(res, 500, TextPlain, 'internal error\n');
  }
}

/** The reason goes into a one-line body: no header or line injection from a free-form string. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
