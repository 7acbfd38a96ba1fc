import { describe, expect, it } from 'vitest';
import { buildRequest, HttpResponseReader, MaxHeaderBytes, type ReadResult } from '../../../src/check/http-response.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const reader = (readBody = true, maxBodyBytes = 1024) => new HttpResponseReader({ readBody, maxBodyBytes });

/** Feed `text` in pieces of `step` bytes; the first result that is not 'more', else end(). */
function feed(r: HttpResponseReader, text: string, step = Infinity, close = true): ReadResult {
  const b = bytes(text);
  for (let i = 0; i < b.length; i += Math.min(step, b.length)) {
    const out = r.push(b.subarray(i, i + Math.min(step, b.length)));
    if (out.state !== 'more') return out;
  }
  return close ? r.end() : { state: 'more' };
}

const done = (status: number, body?: string): ReadResult => ({ state: 'done', status, body: body === undefined ? undefined : bytes(body) });

describe('HTTP response reader', () => {
  const framings = {
    'Content-Length': 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world',
    chunked: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n',
    'end of connection': 'HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello world',
  };
  for (const [name, text] of Object.entries(framings)) {
    it(`reads a body framed by ${name}, whole or a byte at a time`, () => {
      expect(feed(reader(), text)).toEqual(done(200, 'hello world'));
      expect(feed(reader(), text, 1)).toEqual(done(200, 'hello world'));
    });
  }

  it('is done with the headers when the body is not wanted, without waiting for the end', () => {
    expect(feed(reader(false), 'HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\npartial', Infinity, false)).toEqual(done(503));
    expect(feed(reader(false), 'HTTP/1.0 301 Moved\r\nLocation: /x\r\n\r\n', Infinity, false)).toEqual(done(301));
  });

  it('skips an interim 100 Continue, and takes a 204 as bodiless', () => {
    expect(feed(reader(), 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')).toEqual(done(200, 'ok'));
    expect(feed(reader(), 'HTTP/1.1 204 No Content\r\n\r\n', Infinity, false)).toEqual(done(204, ''));
  });

  it('ignores bytes past Content-Length', () => {
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', Infinity, false)).toEqual(done(200, 'ok'));
  });

  it('caps the body: by the declared length at once, else as it comes, in every framing', () => {
    const tooLarge = { state: 'failed', reason: 'body larger than 4 bytes' };
    expect(feed(reader(true, 4), 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', Infinity, false)).toEqual(tooLarge);
    expect(feed(reader(true, 4), 'HTTP/1.0 200 OK\r\n\r\nhello', 1, false)).toEqual(tooLarge);
    expect(feed(reader(true, 4), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n', 1, false)).toEqual(tooLarge);
  });

  it('caps the header section', () => {
    const r = reader();
    const out = feed(r, `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MaxHeaderBytes)}`, 4096, false);
    expect(out).toEqual({ state: 'failed', reason: `invalid HTTP response (header section larger than ${MaxHeaderBytes} bytes)` });
  });

  it('says what is wrong with an answer that is not HTTP, quoting it safely', () => {
    expect(feed(reader(), 'SSH-2.0-OpenSSH\r\n\r\n')).toEqual({ state: 'failed', reason: "invalid HTTP response (status line 'SSH-2.0-OpenSSH')" });
    expect(feed(reader(), 'HTTP/1.1 2000 OK\r\n\r\n')).toEqual({ state: 'failed', reason: "invalid HTTP response (status line 'HTTP/1.1 2000 OK')" });
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nno colon\x01\r\n\r\n')).toEqual({ state: 'failed', reason: "invalid HTTP response (header line 'no colon\\x01')" });
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')).toEqual({
      state: 'failed',
      reason: "invalid HTTP response (Content-Length '2')",
    });
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toEqual({ state: 'failed', reason: "invalid HTTP response (chunk size 'zz')" });
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX\r\n')).toEqual({ state: 'failed', reason: 'invalid HTTP response (no CRLF after a chunk)' });
  });

  it('tells a close without an answer from a close in the middle of the body', () => {
    expect(feed(reader(), '')).toEqual({ state: 'failed', reason: 'connection closed without a response' });
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nContent-')).toEqual({ state: 'failed', reason: 'connection closed without a response' });
    const cut = { state: 'failed', reason: 'connection closed before the body was complete' };
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello')).toEqual(cut);
    expect(feed(reader(), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n')).toEqual(cut);
  });

  it('keeps its verdict: later bytes and the end change nothing', () => {
    const r = reader();
    expect(feed(r, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', Infinity, false)).toEqual(done(200, 'ok'));
    expect(r.push(bytes('junk'))).toEqual(done(200, 'ok'));
    expect(r.end()).toEqual(done(200, 'ok'));
  });
});

describe("keepalived's request", () => {
  it('is byte for byte what check_http.c sends, for each http_protocol', () => {
    expect(buildRequest('/health?x=1', '192.0.2.10:80', '1.0').toString('latin1')).toBe('GET /health?x=1 HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.0.2.10:80\r\n\r\n');
    expect(buildRequest('/', 'www.example.com', '1.0C').toString('latin1')).toBe('GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n');
    expect(buildRequest('/', '[2001:db8::1]:8080', '1.1').toString('latin1')).toBe('GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [2001:db8::1]:8080\r\n\r\n');
  });
});
