/**
 * DNS_CHECK: one query over UDP to the target, passed by a reply with the same ID, QR set and
 * RCODE 0 (keepalived: check/check_dns.c dns_make_query(), dns_recv_thread()). keepalived's
 * rules, kept here:
 * - the query: a random ID, flags with only RD set, QDCOUNT 1, QNAME `name` ('.' or '' is the
 *   root), QTYPE from `type`, QCLASS IN;
 * - a reply shorter than the 12-byte header, with another ID, or with QR clear is ignored and
 *   the check goes on waiting (so garbage just runs into the timeout);
 * - a reply with RCODE other than 0 fails at once; RCODE 0 passes whatever its counts say
 *   (no ANCOUNT requirement: an empty NOERROR answer passes) and whatever its question;
 * - the socket is connect()ed: datagrams from other addresses never reach it, and an ICMP
 *   port unreachable fails the check (ECONNREFUSED, keepalived: "failed to read socket").
 * Unlike keepalived, a label over 63 bytes or a name over 255 is refused rather than sent
 * malformed.
 */
import { randomInt } from 'node:crypto';
import type { DnsCheck } from '../config/checkers/dns.js';
import { failed, passed, type Probe, type ProbeTarget } from './probe.js';
import { exchangeDatagram } from './udp.js';

export const DnsTypeCode: Record<DnsCheck['query_type'], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

/** RCODE names (RFC 1035, 2136). */
const RcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

export const DnsHeaderLength = 12;
/** Flags of keepalived's query: RD only. */
export const DnsQueryFlags = 0x0100;
const ClassIn = 1;

/** A domain name in wire form (pure); throws on an empty, too long or over-long label. */
export function encodeDnsName(name: string): Buffer {
  if (name === '' || name === '.') return Buffer.from([0]);
  const labels = (name.endsWith('.') ? name.slice(0, -1) : name).split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const b = Buffer.from(label, 'utf8');
    if (b.length === 0) throw new Error(`empty label in '${name}'`);
    if (b.length > 63) throw new Error(`label longer than 63 bytes in '${name}'`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new Error(`name longer than 255 bytes: '${name}'`);
  return wire;
}

/** keepalived's query (pure): header with RD, one question. */
export function encodeDnsQuery(id: number, type: DnsCheck['query_type'] | number, name: string): Buffer {
  const qname = encodeDnsName(name);
  const b = Buffer.alloc(DnsHeaderLength + qname.length + 4);
  b.writeUInt16BE(id & 0xffff, 0);
  b.writeUInt16BE(DnsQueryFlags, 2);
  b.writeUInt16BE(1, 4); // QDCOUNT; AN/NS/AR counts stay 0
  qname.copy(b, DnsHeaderLength);
  b.writeUInt16BE(typeof type === 'number' ? type : DnsTypeCode[type], DnsHeaderLength + qname.length);
  b.writeUInt16BE(ClassIn, DnsHeaderLength + qname.length + 2);
  return b;
}

export interface DnsHeader {
  id: number;
  flags: number;
  qr: boolean;
  opcode: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** The header of a DNS message, or null when shorter than 12 bytes (pure). */
export function decodeDnsHeader(msg: Uint8Array): DnsHeader | null {
  if (msg.length < DnsHeaderLength) return null;
  const b = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = b.readUInt16BE(2);
  return {
    id: b.readUInt16BE(0),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    qdcount: b.readUInt16BE(4),
    ancount: b.readUInt16BE(6),
    nscount: b.readUInt16BE(8),
    arcount: b.readUInt16BE(10),
  };
}

export type DnsReplyVerdict =
  | { verdict: 'ignore'; why: string }
  | { verdict: 'pass'; header: DnsHeader }
  | { verdict: 'fail'; reason: string };

export function rcodeName(rcode: number): string {
  return RcodeNames[rcode] ?? `RCODE${rcode}`;
}

/** keepalived's dns_recv_thread() tests on one datagram, for the query with `id` (pure). */
export function judgeDnsReply(msg: Uint8Array, id: number): DnsReplyVerdict {
  const h = decodeDnsHeader(msg);
  if (!h) return { verdict: 'ignore', why: `too short (${msg.length} bytes)` };
  if (h.id !== (id & 0xffff)) return { verdict: 'ignore', why: `ID ${h.id} is not ${id & 0xffff}` };
  if (!h.qr) return { verdict: 'ignore', why: 'a query, not a response' };
  if (h.rcode !== 0) return { verdict: 'fail', reason: `DNS reply RCODE ${h.rcode} (${rcodeName(h.rcode)})` };
  return { verdict: 'pass', header: h };
}

export function dnsProbe(check: DnsCheck, target: ProbeTarget): Probe {
  let invalid: string | null = null;
  try {
    encodeDnsName(check.name);
  } catch (e) {
    invalid = (e as Error).message;
  }
  return (signal) => {
    if (invalid !== null) return Promise.resolve(failed(`invalid DNS_CHECK name: ${invalid}`));
    const id = randomInt(0, 0x10000);
    return exchangeDatagram(target, signal, {
      payload: encodeDnsQuery(id, check.query_type, check.name),
      onReply: (msg) => {
        const v = judgeDnsReply(msg, id);
        if (v.verdict === 'ignore') return null;
        if (v.verdict === 'fail') return failed(v.reason);
        return passed(`${check.query_type} ${check.name}: NOERROR, ${v.header.ancount} answer${v.header.ancount === 1 ? '' : 's'}`);
      },
      onTimeout: (ms) => failed(`no DNS reply within ${ms} ms`),
    });
  };
}
