/**
 * DNS_CHECK: the query and header codecs with golden bytes, keepalived's reply rules as a pure
 * function, and the probe against small DNS responders on loopback (node:dgram): a good SOA
 * answer, SERVFAIL, a wrong ID before the right one, garbage, a copy of the query, silence,
 * another sender, a closed port, IPv6.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { DnsCheck } from '../../../src/config/checkers/dns.js';
import type { ProbeTarget } from '../../../src/check/probe.js';
import { decodeDnsHeader, dnsProbe, encodeDnsName, encodeDnsQuery, judgeDnsReply } from '../../../src/check/dns.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const check = (over: Partial<DnsCheck> = {}): DnsCheck => ({ type: 'DNS_CHECK', query_type: 'SOA', name: '.', ...over });
const never = new AbortController().signal;

describe('DNS codec (pure, golden bytes)', () => {
  it('encodes keepalived query for the root SOA: RD only, one question, class IN', () => {
    expect(encodeDnsQuery(0x1234, 'SOA', '.')).toEqual(hex('1234 0100 0001 0000 0000 0000  00  0006 0001'));
    expect(encodeDnsQuery(0xbeef, 'SOA', '')).toEqual(hex('beef 0100 0001 0000 0000 0000  00  0006 0001'));
  });

  it('encodes names with and without the trailing dot, and every query type', () => {
    const www = '03 777777 07 6578616d706c65 03 636f6d 00';
    expect(encodeDnsQuery(0x0001, 'A', 'www.example.com')).toEqual(hex(`0001 0100 0001 0000 0000 0000 ${www} 0001 0001`));
    expect(encodeDnsQuery(0x0001, 'A', 'www.example.com.')).toEqual(hex(`0001 0100 0001 0000 0000 0000 ${www} 0001 0001`));
    const types = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 } as const;
    for (const [t, code] of Object.entries(types)) {
      const q = encodeDnsQuery(7, t as DnsCheck['query_type'], 'a');
      expect(q.readUInt16BE(q.length - 4)).toBe(code);
    }
  });

  it('refuses labels over 63 bytes, names over 255 and empty labels', () => {
    expect(encodeDnsName('a'.repeat(63) + '.com')).toHaveLength(1 + 63 + 4 + 1);
    expect(() => encodeDnsName('a'.repeat(64) + '.com')).toThrow(/label longer than 63 bytes/);
    expect(() => encodeDnsName(Array(5).fill('a'.repeat(63)).join('.'))).toThrow(/name longer than 255 bytes/);
    expect(() => encodeDnsName('a..b')).toThrow(/empty label/);
  });

  it('decodes a header', () => {
    expect(decodeDnsHeader(hex('abcd 8583 0001 0002 0003 0004'))).toEqual({
      id: 0xabcd,
      flags: 0x8583,
      qr: true,
      opcode: 0,
      rcode: 3,
      qdcount: 1,
      ancount: 2,
      nscount: 3,
      arcount: 4,
    });
    expect(decodeDnsHeader(hex('abcd 8583 0001 0002 0003 00'))).toBeNull();
  });

  it("judges replies as keepalived's dns_recv_thread does", () => {
    expect(judgeDnsReply(hex('1234 8180 0001 0001 0000 0000'), 0x1234)).toMatchObject({ verdict: 'pass' });
    // no ANCOUNT requirement: NOERROR without answers passes
    expect(judgeDnsReply(hex('1234 8180 0001 0000 0000 0000'), 0x1234)).toMatchObject({ verdict: 'pass' });
    expect(judgeDnsReply(hex('1234 8182 0001 0000 0000 0000'), 0x1234)).toEqual({ verdict: 'fail', reason: 'DNS reply RCODE 2 (SERVFAIL)' });
    expect(judgeDnsReply(hex('1234 8183 0001 0000 0000 0000'), 0x1234)).toEqual({ verdict: 'fail', reason: 'DNS reply RCODE 3 (NXDOMAIN)' });
    expect(judgeDnsReply(hex('1234 818f 0001 0000 0000 0000'), 0x1234)).toEqual({ verdict: 'fail', reason: 'DNS reply RCODE 15 (RCODE15)' });
    expect(judgeDnsReply(hex('1235 8180 0001 0001 0000 0000'), 0x1234)).toEqual({ verdict: 'ignore', why: 'ID 4661 is not 4660' });
    expect(judgeDnsReply(hex('1234 0100 0001 0000 0000 0000'), 0x1234)).toEqual({ verdict: 'ignore', why: 'a query, not a response' });
    expect(judgeDnsReply(hex('1234 8180 0001'), 0x1234)).toEqual({ verdict: 'ignore', why: 'too short (6 bytes)' });
  });
});

// ---- a DNS responder on loopback ----

type Answer = (query: Buffer, from: RemoteInfo, srv: Socket) => Buffer[] | null;

const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function bound(host: string): Promise<Socket> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, host, r));
  return s;
}

/** A responder: every query is handed to `answer`, whose datagrams go back to the sender. */
async function responder(answer: Answer, host = '127.0.0.1'): Promise<{ port: number; queries: Buffer[] }> {
  const s = await bound(host);
  const queries: Buffer[] = [];
  s.on('message', (q, from) => {
    queries.push(q);
    for (const d of answer(q, from, s) ?? []) s.send(d, from.port, from.address);
  });
  return { port: s.address().port, queries };
}

/** The query turned into a response: same ID and question, QR|RD|RA, `rcode`, and `answers` SOA records. */
function response(query: Buffer, rcode = 0, answers = 1, id = query.readUInt16BE(0)): Buffer {
  const question = query.subarray(12);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x8180 | rcode, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answers, 6);
  // root SOA: a.root-servers.net. nstld.verisign-grs.com. serial refresh retry expire minimum
  const rdata = Buffer.concat([encodeDnsName('a.root-servers.net'), encodeDnsName('nstld.verisign-grs.com'), hex('7848f1d0 00000708 00000384 00093a80 00015180')]);
  const rr = Buffer.concat([hex('c00c 0006 0001 00015180'), Buffer.from([rdata.length >> 8, rdata.length & 0xff]), rdata]);
  return Buffer.concat([head, question, ...Array(answers).fill(rr)]);
}

const target = (port: number, over: Partial<ProbeTarget> = {}): ProbeTarget => ({ address: '127.0.0.1', port, timeoutMs: 2000, ...over });

describe('dnsProbe against loopback responders', { timeout: 10_000 }, () => {
  it('passes a good SOA answer; the query is keepalived', async () => {
    const srv = await responder((q) => [response(q)]);
    expect(await dnsProbe(check(), target(srv.port))(never)).toEqual({ ok: true, reason: 'SOA .: NOERROR, 1 answer' });
    const q = srv.queries[0]!;
    expect(q.subarray(2)).toEqual(hex('0100 0001 0000 0000 0000  00  0006 0001'));
  });

  it('uses a fresh random ID per check', async () => {
    const srv = await responder((q) => [response(q)]);
    const probe = dnsProbe(check({ query_type: 'A', name: 'www.example.com' }), target(srv.port));
    for (let i = 0; i < 6; i++) expect(await probe(never)).toEqual({ ok: true, reason: 'A www.example.com: NOERROR, 1 answer' });
    expect(new Set(srv.queries.map((q) => q.readUInt16BE(0))).size).toBeGreaterThan(1);
    expect(srv.queries[0]!.subarray(12)).toEqual(hex('03 777777 07 6578616d706c65 03 636f6d 00 0001 0001'));
  });

  it('passes NOERROR without answers (keepalived requires no ANCOUNT)', async () => {
    const srv = await responder((q) => [response(q, 0, 0)]);
    expect(await dnsProbe(check(), target(srv.port))(never)).toEqual({ ok: true, reason: 'SOA .: NOERROR, 0 answers' });
  });

  it('fails SERVFAIL (RCODE 2) and NXDOMAIN at once', async () => {
    const servfail = await responder((q) => [response(q, 2, 0)]);
    expect(await dnsProbe(check(), target(servfail.port))(never)).toEqual({ ok: false, reason: 'DNS reply RCODE 2 (SERVFAIL)' });
    const nx = await responder((q) => [response(q, 3, 0)]);
    expect(await dnsProbe(check({ name: 'nowhere.invalid' }), target(nx.port))(never)).toEqual({ ok: false, reason: 'DNS reply RCODE 3 (NXDOMAIN)' });
  });

  it('ignores a reply with the wrong ID and takes the right one after it', async () => {
    const srv = await responder((q) => [response(q, 2, 0, q.readUInt16BE(0) ^ 0x5555), response(q)]);
    expect(await dnsProbe(check(), target(srv.port))(never)).toEqual({ ok: true, reason: 'SOA .: NOERROR, 1 answer' });
  });

  it('ignores garbage, a short datagram and a copy of the query, then times out', async () => {
    const srv = await responder((q) => [Buffer.from('garbage'), hex('00'), q, Buffer.alloc(40, 0xff)]);
    expect(await dnsProbe(check(), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({ ok: false, reason: 'no DNS reply within 300 ms' });
    const then = await responder((q) => [Buffer.from('garbage'), q, response(q)]);
    expect(await dnsProbe(check(), target(then.port))(never)).toMatchObject({ ok: true });
  });

  it('times out on silence', async () => {
    const srv = await responder(() => null);
    const t0 = Date.now();
    expect(await dnsProbe(check(), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({ ok: false, reason: 'no DNS reply within 300 ms' });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(srv.queries).toHaveLength(1);
  });

  it('never sees a right answer sent from another address or port', async () => {
    const other = await bound('127.0.0.2');
    const otherPort = await bound('127.0.0.1');
    const srv = await responder((q, from) => {
      other.send(response(q), from.port, from.address);
      otherPort.send(response(q), from.port, from.address);
      return null;
    });
    expect(await dnsProbe(check(), target(srv.port, { timeoutMs: 300 }))(never)).toEqual({ ok: false, reason: 'no DNS reply within 300 ms' });
  });

  it('fails on ICMP port unreachable', async () => {
    const s = await bound('127.0.0.1');
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    sockets.splice(sockets.indexOf(s), 1);
    expect(await dnsProbe(check(), target(port))(never)).toEqual({ ok: false, reason: 'connection refused (ECONNREFUSED)' });
  });

  it('works over IPv6 and from bindto', async () => {
    const v6 = await responder((q) => [response(q)], '::1');
    expect(await dnsProbe(check(), target(v6.port, { address: '::1' }))(never)).toEqual({ ok: true, reason: 'SOA .: NOERROR, 1 answer' });
    const froms: string[] = [];
    const srv = await responder((q, from) => (froms.push(from.address), [response(q)]));
    expect(await dnsProbe(check(), target(srv.port, { bindAddress: '127.0.0.3' }))(never)).toMatchObject({ ok: true });
    expect(froms).toEqual(['127.0.0.3']);
  });

  it('fails an unusable name without sending, and a missing port', async () => {
    const srv = await responder((q) => [response(q)]);
    const long = 'x'.repeat(64) + '.example';
    expect(await dnsProbe(check({ name: long }), target(srv.port))(never)).toEqual({
      ok: false,
      reason: `invalid DNS_CHECK name: label longer than 63 bytes in '${long}'`,
    });
    expect(srv.queries).toHaveLength(0);
    expect(await dnsProbe(check(), target(0))(never)).toEqual({ ok: false, reason: 'no port to send to' });
  });

  it('stops when aborted', async () => {
    const srv = await responder(() => null);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await dnsProbe(check(), target(srv.port, { timeoutMs: 5000 }))(ac.signal)).toEqual({ ok: false, reason: 'aborted' });
  });
});
