/**
 * HTTP_GET and SSL_GET: GET every configured URL in turn; the check passes when each answers
 * with an accepted status code and, where set, the expected MD5 digest of the body and regex
 * (keepalived: check/check_http.c, check_ssl.c). Also the engine of `genhash`.
 *
 * The request is keepalived's, byte for byte (src/check/http-response.ts buildRequest), on a
 * connection of its own; the response is read by our own small HTTP/1.x reader. An HTTP client
 * library (undici, used before) cost 0.5-0.6 ms of CPU per check against ~0.2 ms for this, and
 * 1.8 times keepalived's CPU per check (docs/benchmarks.md).
 *
 * Differences from keepalived:
 * - chunked bodies are de-chunked before hashing (keepalived hashes the raw bytes, which is the
 *   same for the unchunked answers HTTP/1.0 requests get);
 * - one deadline (connect_timeout) covers the whole check, every URL included, where keepalived
 *   restarts its timer at each step;
 * - a check without digest or regex ends with the response's headers (keepalived reads on to
 *   the end of the body).
 */
import { createHash } from 'node:crypto';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpCheck, HttpUrl } from '../config/checkers/http.js';
import { failed, finalLook, passed, socketErrorReason, whenAborted, type Probe, type ProbeResult, type ProbeTarget } from './probe.js';
import { connectHost, destroySocket, hostPort, localEnd } from './tcp.js';
import { buildRequest, HttpResponseReader, type ReadResult } from './http-response.js';
import { socketEnds, type SocketEnds } from './socket-ends.js';
import { errnoName, ETIMEDOUT, tcpConnector } from '../native/tcp-connect.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface HttpProbeOptions {
  /** Cap on the body read for digest/regex; a larger body fails the check. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The real server's, else the virtual server's, virtualhost (used after url's and checker's). */
  virtualhost?: string;
}

/** One GET as the checker and genhash send it. */
interface GetSpec {
  tls: boolean;
  target: ProbeTarget;
  /** For plain HTTP to an address: the connection is the addon's (src/native/tcp-connect.ts). */
  ends?: SocketEnds;
  /** The request's bytes (buildRequest). */
  request: Buffer;
  /** SNI name; none when undefined. */
  servername: string | undefined;
  readBody: boolean;
  maxBodyBytes: number;
}

type GetOutcome = { ok: false; reason: string } | { ok: true; status: number; body: Buffer | undefined };

type Phase = 'connect' | 'handshake' | 'response' | 'body';

/** The address without an IPv6 zone (`fe80::1%eth0`), which URLs and Host headers cannot carry. */
const bareAddress = (a: string): string => a.replace(/%.*$/, '');

function timeoutReason(phase: Phase, ms: number): string {
  switch (phase) {
    case 'connect':
      return `no connection within ${ms} ms`;
    case 'handshake':
      return `no TLS handshake within ${ms} ms`;
    case 'response':
      return `no response within ${ms} ms`;
    case 'body':
      return `timed out reading the body (not complete within ${ms} ms)`;
  }
}

function errorReason(e: unknown, phase: Phase, tls: boolean): string {
  const err = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown; reason?: unknown; library?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  // One line: OpenSSL messages carry file names and newlines.
  const message = typeof err.message === 'string' && err.message !== '' ? (err.message.split('\n')[0] ?? err.message) : code || String(e);
  const sslReason = typeof err.reason === 'string' ? err.reason : code || message;
  if (tls && phase === 'handshake') return `TLS handshake failed (${sslReason})`;
  if (tls && (code.startsWith('ERR_SSL') || err.library !== undefined)) return `TLS error (${sslReason})`;
  // a peer that resets the connection while we write the request: a reset, as keepalived reports it
  if (code === 'EPIPE') return socketErrorReason({ code: 'ECONNRESET', message });
  return socketErrorReason(e);
}

/**
 * One GET on its own connection, ended (and its socket closed) within `budgetMs`; `reportMs`
 * is the timeout named in the reason.
 */
function getOnce(spec: GetSpec, signal: AbortSignal, budgetMs: number, reportMs: number): Promise<GetOutcome> {
  return spec.ends && !spec.tls ? getOnceNative(spec, spec.ends, signal, budgetMs, reportMs) : getOnceNode(spec, signal, budgetMs, reportMs);
}

/** What the response reader's result means for the GET; null while it wants more bytes. */
function verdictOf(r: ReadResult): GetOutcome | null {
  if (r.state === 'more') return null;
  return r.state === 'done' ? { ok: true, status: r.status, body: r.body } : { ok: false, reason: r.reason };
}

/** Plain HTTP on the addon's connection: about half the CPU of a Node.js socket per check. */
function getOnceNative(spec: GetSpec, ends: SocketEnds, signal: AbortSignal, budgetMs: number, reportMs: number): Promise<GetOutcome> {
  return new Promise<GetOutcome>((resolve) => {
    let sent = false;
    let settled = false;
    const reader = new HttpResponseReader({ readBody: spec.readBody, maxBodyBytes: spec.maxBodyBytes });
    const finish = (o: GetOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    /** true to read on */
    const outcome = (r: ReadResult): boolean => {
      const o = verdictOf(r);
      if (o) finish(o);
      return o === null;
    };
    const connection = { peer: ends.peer, local: ends.local, mark: ends.mark, device: ends.device, timeoutMs: Math.max(1, Math.ceil(budgetMs)) };
    tcpConnector().stream(connection, spec.request, signal, {
      sent: () => (sent = true),
      data: (chunk) => outcome(reader.push(chunk)),
      end: () => void outcome(reader.end()),
      failed: (errno) => {
        if (errno === -1) return finish({ ok: false, reason: 'aborted' });
        if (errno === ETIMEDOUT) return finish({ ok: false, reason: timeoutReason(sent ? reader.phase : 'connect', reportMs) });
        const code = errnoName(errno);
        finish({ ok: false, reason: errorReason({ code, message: code }, sent ? 'response' : 'connect', false) });
      },
    });
  });
}

/** On a Node.js socket: TLS (SSL_GET), and genhash given a host name. */
function getOnceNode(spec: GetSpec, signal: AbortSignal, budgetMs: number, reportMs: number): Promise<GetOutcome> {
  return new Promise<GetOutcome>((resolve) => {
    const { target } = spec;
    let phase: Phase = 'connect';
    let settled = false;
    let sock: Socket | undefined;
    const reader = new HttpResponseReader({ readBody: spec.readBody, maxBodyBytes: spec.maxBodyBytes });
    const finish = (o: GetOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      if (sock) destroySocket(sock);
      resolve(o);
    };
    const outcome = (r: ReadResult): void => {
      const o = verdictOf(r);
      if (o) finish(o);
    };
    const timer = setTimeout(() => finalLook(() => finish({ ok: false, reason: timeoutReason(phase === 'response' ? reader.phase : phase, reportMs) })), Math.max(0, budgetMs));
    const unwatch = whenAborted(signal, () => finish({ ok: false, reason: 'aborted' }));
    if (signal.aborted) return finish({ ok: false, reason: 'aborted' });
    const common = { host: connectHost(target), port: target.port, ...localEnd(target) };
    try {
      sock = spec.tls
        ? tlsConnect({
            ...common,
            rejectUnauthorized: false,
            ALPNProtocols: ['http/1.1'],
            ...(spec.servername !== undefined ? { servername: spec.servername } : {}),
          })
        : netConnect(common);
    } catch (e) {
      // an invalid local address or port throws at once
      return finish({ ok: false, reason: socketErrorReason(e) });
    }
    const s = sock;
    s.once('connect', () => {
      if (phase === 'connect') phase = spec.tls ? 'handshake' : 'response';
    });
    s.once(spec.tls ? 'secureConnect' : 'connect', () => {
      phase = 'response';
      s.write(spec.request);
    });
    s.on('data', (chunk: Buffer) => outcome(reader.push(chunk)));
    s.on('end', () => outcome(reader.end()));
    s.on('close', () => outcome(reader.end()));
    s.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, reason: errorReason(e, phase, spec.tls) }));
  });
}

/** The Host header: url's, checker's, then real/virtual server's virtualhost, else address:port. */
function hostHeader(url: HttpUrl, check: HttpCheck, target: ProbeTarget, fallbackVhost: string | undefined): { host: string; vhost: string | undefined } {
  const vhost = url.virtualhost ?? check.virtualhost ?? fallbackVhost;
  // keepalived names the port even when it is the scheme's default.
  return { host: vhost ?? hostPort(bareAddress(target.address), target.port), vhost };
}

/** "200-299, 301" */
function formatRanges(r: readonly { min: number; max: number }[]): string {
  return r.map((x) => (x.min === x.max ? `${x.min}` : `${x.min}-${x.max}`)).join(', ');
}

const DEFAULT_STATUS = [{ min: 200, max: 299 }] as const;

/** A compiled url regex, or why it would not compile. */
type UrlRegex = { re: RegExp; bytes: boolean } | { error: string };

/**
 * keepalived matches with PCRE2; here a JS RegExp is built from the same pattern, so PCRE-only
 * syntax is not available. Without the `utf` option PCRE2 matches bytes: the body is then read as
 * latin1 (one char per byte, so offsets are byte offsets) and the pattern's UTF-8 bytes likewise.
 */
function compileRegex(url: HttpUrl): UrlRegex | undefined {
  if (url.regex === undefined) return undefined;
  const options = new Set(url.regex_options ?? []);
  const utf = options.has('utf');
  let flags = 'g';
  if (options.has('caseless')) flags += 'i';
  if (options.has('multiline')) flags += 'm';
  if (options.has('dotall')) flags += 's';
  if (utf) flags += 'u';
  const pattern = utf ? url.regex : Buffer.from(url.regex, 'utf8').toString('latin1');
  try {
    return { re: new RegExp(pattern, flags), bytes: !utf };
  } catch (e) {
    return { error: `invalid regex '${url.regex}': ${(e as Error).message}` };
  }
}

function regexMatches(url: HttpUrl, rx: { re: RegExp; bytes: boolean }, body: Buffer): boolean {
  let min = url.regex_min_offset ?? 0;
  let max = url.regex_max_offset;
  // keepalived ignores both offsets when the window is empty.
  if (max !== undefined && min > max) {
    min = 0;
    max = undefined;
  }
  rx.re.lastIndex = min;
  const m = rx.re.exec(body.toString(rx.bytes ? 'latin1' : 'utf8'));
  return m !== null && (max === undefined || m.index <= max);
}

export function httpProbe(check: HttpCheck, target: ProbeTarget, opts: HttpProbeOptions = {}): Probe {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tls = check.type === 'SSL_GET';
  // everything about the connection and each url's request is known before the first check
  const found = tls ? null : socketEnds(target);
  const ends = found && !('error' in found) ? found : undefined;
  const urls = check.url.map((url) => {
    const { host, vhost } = hostHeader(url, check, target, opts.virtualhost);
    return {
      url,
      regex: compileRegex(url),
      request: buildRequest(url.path ?? '/', host, check.http_protocol),
      // SNI only on request, and never an address (RFC 6066).
      servername: tls && check.enable_sni && vhost !== undefined && isIP(vhost) === 0 ? vhost : undefined,
    };
  });

  const checkUrl = async (u: (typeof urls)[number], signal: AbortSignal, budgetMs: number): Promise<ProbeResult> => {
    const { url, regex } = u;
    const label = `GET ${url.path ?? '/'}`;
    if (regex && 'error' in regex) return failed(`${label}: ${regex.error}`);
    const got = await getOnce(
      { tls, target, ...(ends ? { ends } : {}), request: u.request, servername: u.servername, readBody: url.digest !== undefined || regex !== undefined, maxBodyBytes },
      signal,
      budgetMs,
      target.timeoutMs,
    );
    if (!got.ok) return failed(`${label}: ${got.reason}`);
    // keepalived's default when a url lists no status codes (also when it has a digest).
    const ranges = url.status_code.length > 0 ? url.status_code : DEFAULT_STATUS;
    if (!ranges.some((r) => got.status >= r.min && got.status <= r.max)) {
      return failed(`${label}: status ${got.status} (expected ${formatRanges(ranges)})`);
    }
    const seen = [`status ${got.status}`];
    if (url.digest !== undefined) {
      const digest = createHash('md5').update(got.body ?? Buffer.alloc(0)).digest('hex');
      if (digest !== url.digest) return failed(`${label}: MD5 digest mismatch (got ${digest}, expected ${url.digest})`);
      seen.push('digest ok');
    }
    if (regex) {
      const matched = regexMatches(url, regex, got.body ?? Buffer.alloc(0));
      if (matched === url.regex_no_match) return failed(`${label}: regex ${matched ? 'matched' : 'did not match'}${url.regex_no_match ? ' (regex_no_match)' : ''}`);
      seen.push(matched ? 'regex matched' : 'regex did not match');
    }
    return passed(`${label}: ${seen.join(', ')}`);
  };

  return async (signal) => {
    try {
      const started = Date.now();
      const seen: string[] = [];
      for (const u of urls) {
        if (signal.aborted) return failed('aborted');
        const left = target.timeoutMs - (Date.now() - started);
        if (left <= 0) return failed(`GET ${u.url.path ?? '/'}: no connection within ${target.timeoutMs} ms`);
        const r = await checkUrl(u, signal, left);
        if (!r.ok) return r;
        seen.push(r.reason);
      }
      if (seen.length === 0) return passed('no urls');
      return passed(seen.join('; '));
    } catch (e) {
      // Not expected; the contract is never to reject.
      return failed(`internal error: ${(e as Error)?.message ?? String(e)}`);
    }
  };
}

export interface GenhashOptions {
  /** Server address (genhash -s); taken from `url` when it is absolute. */
  server?: string;
  /** Port (genhash -p); default from `url`, else 80 / 443. */
  port?: number;
  /** TLS (genhash -S); default from `url` (https:). */
  ssl?: boolean;
  /** Host header and, with `sni`, the TLS server name (genhash -V). */
  virtualhost?: string;
  sni?: boolean;
  /** genhash -P: the request's HTTP version (1.0C: 1.0 with Connection: close). Default 1.0. */
  protocol?: '1.0' | '1.1' | '1.0C';
  /** genhash -t, in ms. Default 5000. */
  timeoutMs?: number;
  bindAddress?: string;
  bindPort?: number;
  /** Default 64 MiB. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

/**
 * What `genhash` prints: the MD5 of the body of `GET url`, whatever the status. `url` is a path
 * (genhash -u, with `server`/`port` from opts) or an absolute http(s):// URL. Rejects with the
 * reason when no response is had.
 */
export async function genhash(url: string, opts: GenhashOptions = {}): Promise<{ status: number; digest: string; bytes: number }> {
  let server = opts.server;
  let port = opts.port;
  let ssl = opts.ssl;
  let path = url;
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url);
    server ??= u.hostname.replace(/^\[(.*)\]$/, '$1');
    ssl ??= u.protocol === 'https:';
    if (port === undefined && u.port !== '') port = Number(u.port);
    path = `${u.pathname}${u.search}`;
  }
  if (server === undefined) throw new Error('genhash: no server given');
  ssl ??= false;
  port ??= ssl ? 443 : 80;
  const target: ProbeTarget = {
    address: server,
    port,
    timeoutMs: opts.timeoutMs ?? 5000,
    ...(opts.bindAddress !== undefined ? { bindAddress: opts.bindAddress } : {}),
    ...(opts.bindPort !== undefined ? { bindPort: opts.bindPort } : {}),
  };
  const vhost = opts.virtualhost;
  const got = await getOnce(
    {
      tls: ssl,
      target,
      request: buildRequest(path, vhost ?? hostPort(server, port), opts.protocol ?? '1.0'),
      servername: ssl && opts.sni && vhost !== undefined && isIP(vhost) === 0 ? vhost : undefined,
      readBody: true,
      maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024 * 1024,
    },
    opts.signal ?? new AbortController().signal,
    target.timeoutMs,
    target.timeoutMs,
  );
  if (!got.ok) throw new Error(`GET ${path}: ${got.reason}`);
  const body = got.body ?? Buffer.alloc(0);
  return { status: got.status, digest: createHash('md5').update(body).digest('hex'), bytes: body.length };
}
