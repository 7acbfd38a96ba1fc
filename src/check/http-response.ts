/**
 * The HTTP/1.x response of one health-check GET, read from the bytes as they come (pure): the
 * status line, the headers, then the body as the headers frame it (Content-Length, chunked, or
 * up to the end of the connection), with caps on the header section and on the body. This is
 * all a checker needs of HTTP: one request on its own connection, one response.
 */

export type ReadResult =
  | { state: 'more' }
  | { state: 'done'; status: number; body: Buffer | undefined }
  | { state: 'failed'; reason: string };

/** A larger header section is not a web server's answer. */
export const MaxHeaderBytes = 64 * 1024;
const MaxChunkLine = 1024;

const more: ReadResult = Object.freeze({ state: 'more' });
const CRLFCRLF = Buffer.from('\r\n\r\n');

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

export interface ResponseReaderOptions {
  /** Keep the body (for digest / regex); without, the response is done with its headers. */
  readBody: boolean;
  maxBodyBytes: number;
}

export class HttpResponseReader {
  /** Where the reading is, for the reason of a timeout. */
  phase: 'response' | 'body' = 'response';
  #head: Buffer = Buffer.alloc(0);
  #status = 0;
  #framing: Framing = { kind: 'close' };
  #chunks: Buffer[] = [];
  #bytes = 0;
  // chunked decoding
  #chunkLeft = 0;
  #chunkState: 'size' | 'data' | 'data-crlf' | 'trailers' = 'size';
  #line = '';
  #finished: ReadResult | null = null;

  constructor(readonly opts: ResponseReaderOptions) {}

  /** Bytes from the server. */
  push(chunk: Buffer): ReadResult {
    if (this.#finished) return this.#finished;
    if (this.phase === 'response') {
      const head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
      const end = head.indexOf(CRLFCRLF);
      if (end < 0) {
        if (head.length > MaxHeaderBytes) return this.#finish(invalid(`header section larger than ${MaxHeaderBytes} bytes`));
        this.#head = head;
        return more;
      }
      if (end > MaxHeaderBytes) return this.#finish(invalid(`header section larger than ${MaxHeaderBytes} bytes`));
      this.#head = Buffer.alloc(0);
      const r = this.#readHead(head.subarray(0, end).toString('latin1'));
      if (r) return this.#finish(r);
      const rest = head.subarray(end + 4);
      // an interim answer (100 Continue): the real one follows
      if (this.phase === 'response') return rest.length > 0 ? this.push(rest) : more;
      return rest.length > 0 ? this.#body(rest) : this.#bodyDoneYet();
    }
    return this.#body(chunk);
  }

  /** The server closed the connection. */
  end(): ReadResult {
    if (this.#finished) return this.#finished;
    if (this.phase === 'response') return this.#finish({ state: 'failed', reason: 'connection closed without a response' });
    if (this.#framing.kind === 'close') return this.#done();
    return this.#finish({ state: 'failed', reason: 'connection closed before the body was complete' });
  }

  #finish(r: ReadResult): ReadResult {
    this.#finished = r;
    return r;
  }

  #done(): ReadResult {
    const body = this.opts.readBody ? Buffer.concat(this.#chunks, this.#bytes) : undefined;
    this.#chunks = [];
    return this.#finish({ state: 'done', status: this.#status, body });
  }

  /** null when the head is good; sets status, framing and phase. */
  #readHead(text: string): ReadResult | null {
    const lines = text.split(/\r?\n/);
    const m = /^HTTP\/(\d)\.(\d) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) return invalid(`status line '${printable(lines[0] ?? '')}'`);
    const status = Number(m[3]);
    if (status >= 100 && status < 200 && status !== 101) return null; // interim: phase stays 'response'
    let length: number | undefined;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) return invalid(`header line '${printable(line)}'`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) return invalid(`Content-Length '${printable(value)}'`);
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').at(-1)?.trim() === 'chunked';
      }
    }
    this.#status = status;
    this.phase = 'body';
    if (status === 204 || status === 304) this.#framing = { kind: 'length', left: 0 };
    else if (chunked) this.#framing = { kind: 'chunked' };
    else if (length !== undefined) {
      if (this.opts.readBody && length > this.opts.maxBodyBytes) return this.#tooLarge();
      this.#framing = { kind: 'length', left: length };
    } else this.#framing = { kind: 'close' };
    return null;
  }

  /** Right after the head: a status-only check, or an empty body, is done. */
  #bodyDoneYet(): ReadResult {
    if (!this.opts.readBody) return this.#done();
    if (this.#framing.kind === 'length' && this.#framing.left === 0) return this.#done();
    return more;
  }

  #tooLarge(): ReadResult {
    return { state: 'failed', reason: `body larger than ${this.opts.maxBodyBytes} bytes` };
  }

  #keep(data: Buffer): ReadResult | null {
    if (data.length === 0) return null;
    this.#bytes += data.length;
    if (this.#bytes > this.opts.maxBodyBytes) return this.#tooLarge();
    this.#chunks.push(data);
    return null;
  }

  #body(data: Buffer): ReadResult {
    if (!this.opts.readBody) return this.#done();
    const f = this.#framing;
    if (f.kind === 'close') return this.#finishIf(this.#keep(data)) ?? more;
    if (f.kind === 'length') {
      const take = data.subarray(0, f.left);
      f.left -= take.length;
      const r = this.#keep(take);
      if (r) return this.#finish(r);
      // bytes past the declared length are ignored, as a one-request connection allows
      return f.left === 0 ? this.#done() : more;
    }
    return this.#chunked(data);
  }

  #finishIf(r: ReadResult | null): ReadResult | null {
    return r ? this.#finish(r) : null;
  }

  #chunked(data: Buffer): ReadResult {
    let i = 0;
    while (i < data.length) {
      if (this.#chunkState === 'data') {
        const take = data.subarray(i, i + this.#chunkLeft);
        i += take.length;
        this.#chunkLeft -= take.length;
        const r = this.#keep(take);
        if (r) return this.#finish(r);
        if (this.#chunkLeft === 0) this.#chunkState = 'data-crlf';
        continue;
      }
      // size lines, the CRLF after a chunk and trailer lines are read a line at a time
      const nl = data.indexOf(10, i);
      const piece = data.subarray(i, nl < 0 ? data.length : nl).toString('latin1');
      i = nl < 0 ? data.length : nl + 1;
      this.#line += piece;
      if (this.#line.length > MaxChunkLine) return this.#finish(invalid('chunk framing line too long'));
      if (nl < 0) break;
      const line = this.#line.replace(/\r$/, '');
      this.#line = '';
      if (this.#chunkState === 'data-crlf') {
        if (line !== '') return this.#finish(invalid('no CRLF after a chunk'));
        this.#chunkState = 'size';
      } else if (this.#chunkState === 'size') {
        const m = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/.exec(line);
        if (!m) return this.#finish(invalid(`chunk size '${printable(line)}'`));
        this.#chunkLeft = parseInt(m[1]!, 16);
        this.#chunkState = this.#chunkLeft === 0 ? 'trailers' : 'data';
      } else if (line === '') {
        return this.#done();
      }
    }
    return more;
  }
}

function invalid(what: string): ReadResult {
  return { state: 'failed', reason: `invalid HTTP response (${what})` };
}

/** At most 60 characters, control characters escaped: safe for a log line. */
function printable(s: string): string {
  const cut = s.length > 60 ? `${s.slice(0, 60)}...` : s;
  return cut.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The request keepalived sends (check_http.c): HTTP/1.0 unless http_protocol 1.1; Connection: close for 1.0C and 1.1. */
export function buildRequest(path: string, host: string, protocol: '1.0' | '1.1' | '1.0C'): Buffer {
  const version = protocol === '1.1' ? '1.1' : '1.0';
  const close = protocol === '1.0' ? '' : 'Connection: close\r\n';
  return Buffer.from(`GET ${path} HTTP/${version}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`, 'latin1');
}
