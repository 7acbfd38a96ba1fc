/**
 * PING_CHECK: the echo request codec with golden bytes, the reply matcher (which is also how
 * the timeout path is covered: nothing on loopback leaves an echo unanswered, so "no matching
 * reply" is shown by the matcher ignoring replies with another ID or sequence), the
 * ping_group_range helpers on a scratch file, and real echoes to 127.0.0.1, 127.0.0.2 and ::1.
 * The real echoes go over whichever socket the machine allows: a ping socket when our gid is in
 * net.ipv4.ping_group_range, else (as here, where it is "1 0") the raw-socket fallback.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../../src/check/probe.js';
import {
  decodeIcmpHeader,
  encodeEchoRequest,
  icmpSocketKind,
  judgeIcmp,
  parsePingGroupRange,
  pingProbe,
  restorePingGroupRange,
  widenPingGroupRange,
  type EchoExpectation,
} from '../../../src/check/ping.js';
import { internetChecksum } from '../../../src/net/checksum.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const never = new AbortController().signal;
const ping = { type: 'PING_CHECK' as const };
const target = (address: string, over: Partial<ProbeTarget> = {}): ProbeTarget => ({ address, port: 0, timeoutMs: 2000, ...over });

describe('echo request codec (pure, golden bytes)', () => {
  it('encodes an ICMPv4 echo request with its checksum', () => {
    expect(encodeEchoRequest('inet', 0x1234, 1, Buffer.from('abcd'))).toEqual(hex('08 00 2104 1234 0001 61626364'));
    expect(encodeEchoRequest('inet', 0, 0xffff, new Uint8Array(0))).toEqual(hex('08 00 f7ff 0000 ffff'));
  });

  it('encodes an ICMPv6 echo request, leaving the checksum to the kernel', () => {
    expect(encodeEchoRequest('inet6', 0x1234, 2, Buffer.from('abcd'))).toEqual(hex('80 00 0000 1234 0002 61626364'));
  });

  it("carries keepalived's 128 bytes of filler by default", () => {
    const p = encodeEchoRequest('inet', 7, 1);
    expect(p).toHaveLength(136);
    expect(internetChecksum(p)).toBe(0);
    expect(p.subarray(8, 46).toString('latin1')).toBe('keepalived check - keepalived check - ');
    expect(p.subarray(8).toString('latin1')).toBe('keepalived check - '.repeat(7).slice(0, 128));
    expect(p.subarray(8).toString('latin1').endsWith('- keepalived che')).toBe(true); // 128 = 6 * 19 + 14
  });

  it('decodes an ICMP header', () => {
    expect(decodeIcmpHeader(hex('00 00 2104 1234 0001'))).toEqual({ type: 0, code: 0, checksum: 0x2104, id: 0x1234, seq: 1 });
    expect(decodeIcmpHeader(hex('00 00 2104 1234 00'))).toBeNull();
  });
});

/** An echo reply to `request`, as the peer would send it (IPv4 checksum fixed up). */
function replyTo(request: Buffer, family: 'inet' | 'inet6'): Buffer {
  const r = Buffer.from(request);
  r[0] = family === 'inet' ? 0 : 129;
  r.writeUInt16BE(0, 2);
  if (family === 'inet') r.writeUInt16BE(internetChecksum(r), 2);
  return r;
}

/** A minimal IPv4 header (IHL 5, protocol ICMP) in front of `payload`. */
function ipv4(payload: Buffer, src = [127, 0, 0, 1], dst = [127, 0, 0, 1]): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = 64;
  h[9] = 1;
  Buffer.from(src).copy(h, 12);
  Buffer.from(dst).copy(h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

describe('judgeIcmp (pure): matching replies, and why a check times out', () => {
  const v4: EchoExpectation = { family: 'inet', id: 0x1234, seq: 5, ipHeader: false };
  const request = encodeEchoRequest('inet', 0x1234, 5);

  it('takes the echo reply with our ID and sequence', () => {
    expect(judgeIcmp(replyTo(request, 'inet'), v4)).toEqual({ verdict: 'reply' });
    expect(judgeIcmp(ipv4(replyTo(request, 'inet')), { ...v4, ipHeader: true })).toEqual({ verdict: 'reply' });
    // a ping socket: the kernel matched the ID, only the sequence is ours to check
    expect(judgeIcmp(replyTo(encodeEchoRequest('inet', 0x9999, 5), 'inet'), { ...v4, id: null })).toEqual({ verdict: 'reply' });
  });

  it('ignores replies with another ID or sequence, our own request and other types: the check keeps waiting', () => {
    expect(judgeIcmp(replyTo(encodeEchoRequest('inet', 0x1235, 5), 'inet'), v4)).toEqual({ verdict: 'ignore', why: 'echo reply id 4661 seq 5 is not ours' });
    expect(judgeIcmp(replyTo(encodeEchoRequest('inet', 0x1234, 4), 'inet'), v4)).toEqual({ verdict: 'ignore', why: 'echo reply id 4660 seq 4 is not ours' });
    expect(judgeIcmp(replyTo(encodeEchoRequest('inet', 0x1234, 4), 'inet'), { ...v4, id: null })).toMatchObject({ verdict: 'ignore' });
    expect(judgeIcmp(ipv4(request), { ...v4, ipHeader: true })).toEqual({ verdict: 'ignore', why: 'ICMP type 8' });
    expect(judgeIcmp(hex('0000 ff'), v4)).toEqual({ verdict: 'ignore', why: 'short ICMP message (3 bytes)' });
    const bad = ipv4(replyTo(request, 'inet'));
    bad[30] = bad[30]! ^ 1;
    expect(judgeIcmp(bad, { ...v4, ipHeader: true })).toEqual({ verdict: 'ignore', why: 'bad checksum' });
    expect(judgeIcmp(hex('4500 0014 0000 0000 4011 0000 7f000001 7f000001'), { ...v4, ipHeader: true })).toEqual({ verdict: 'ignore', why: 'not an ICMP packet' });
  });

  it('fails on a destination unreachable that quotes our request, not on one about another packet', () => {
    const unreachable = (quoted: Buffer, code = 1): Buffer => {
      const m = Buffer.concat([Buffer.from([3, code, 0, 0, 0, 0, 0, 0]), quoted]);
      m.writeUInt16BE(internetChecksum(m), 2);
      return m;
    };
    const quotedOurs = ipv4(request.subarray(0, 8), [127, 0, 0, 1], [10, 9, 9, 9]);
    expect(judgeIcmp(unreachable(quotedOurs), v4)).toEqual({ verdict: 'unreachable', reason: 'destination unreachable (host unreachable)' });
    expect(judgeIcmp(ipv4(unreachable(quotedOurs, 0)), { ...v4, ipHeader: true })).toEqual({ verdict: 'unreachable', reason: 'destination unreachable (network unreachable)' });
    const quotedOther = ipv4(encodeEchoRequest('inet', 0x4321, 5).subarray(0, 8));
    expect(judgeIcmp(unreachable(quotedOther), v4)).toEqual({ verdict: 'ignore', why: 'an error about another packet' });
  });

  it('does the same for ICMPv6', () => {
    const e6: EchoExpectation = { family: 'inet6', id: 0x00aa, seq: 9, ipHeader: false };
    const req6 = encodeEchoRequest('inet6', 0x00aa, 9);
    expect(judgeIcmp(replyTo(req6, 'inet6'), e6)).toEqual({ verdict: 'reply' });
    expect(judgeIcmp(replyTo(encodeEchoRequest('inet6', 0x00aa, 8), 'inet6'), e6)).toMatchObject({ verdict: 'ignore' });
    expect(judgeIcmp(req6, e6)).toEqual({ verdict: 'ignore', why: 'ICMP type 128' });
    expect(judgeIcmp(hex('87 00 0000 00000000'), e6)).toEqual({ verdict: 'ignore', why: 'ICMP type 135' }); // neighbour solicitation
    const ip6 = Buffer.alloc(40);
    ip6[0] = 0x60;
    ip6[6] = 58;
    const unreach6 = Buffer.concat([hex('01 03 0000 00000000'), ip6, req6.subarray(0, 8)]);
    expect(judgeIcmp(unreach6, e6)).toEqual({ verdict: 'unreachable', reason: 'destination unreachable (address unreachable)' });
  });
});

describe('ping_group_range (keepalived set_ping_group_range) on a scratch file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ping-range-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the file', () => {
    expect(parsePingGroupRange('1\t0\n')).toEqual([1, 0]);
    expect(parsePingGroupRange('0 2147483647')).toEqual([0, 2147483647]);
    expect(parsePingGroupRange('x y')).toBeNull();
    expect(parsePingGroupRange('1 99999999999')).toBeNull();
  });

  it('widens the start to 0, keeping the end, and restores it', () => {
    const f = join(dir, 'range');
    writeFileSync(f, '1\t0\n');
    expect(widenPingGroupRange(f)).toBe(1);
    expect(readFileSync(f, 'latin1')).toBe('0\t0\n');
    expect(restorePingGroupRange(1, f)).toBe(true);
    expect(readFileSync(f, 'latin1')).toBe('1\t0\n');
    writeFileSync(f, '100\t2000\n');
    expect(widenPingGroupRange(f)).toBe(100);
    expect(readFileSync(f, 'latin1')).toBe('0\t2000\n');
  });

  it('leaves a range that starts at 0 alone, and never throws', () => {
    const f = join(dir, 'open');
    writeFileSync(f, '0\t4294967294\n');
    expect(widenPingGroupRange(f)).toBeNull();
    expect(readFileSync(f, 'latin1')).toBe('0\t4294967294\n');
    expect(widenPingGroupRange(join(dir, 'missing'))).toBeNull();
    expect(restorePingGroupRange(1, join(dir, 'missing'))).toBe(false);
  });
});

/** Whether the kernel lets this process open ping sockets (gid within ping_group_range). */
function pingSocketsAllowed(): boolean {
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'latin1').trim().split(/\s+/).map(Number) as [number, number];
  const gids = [process.getegid!(), ...(process.getgroups?.() ?? [])];
  return gids.some((g) => g >= lo && g <= hi);
}

describe('pingProbe on loopback', { timeout: 10_000 }, () => {
  it('opens a ping socket when ping_group_range allows it, else falls back to a raw one (we are root)', () => {
    const want = pingSocketsAllowed() ? 'ping' : 'raw';
    expect(icmpSocketKind('inet')).toBe(want);
    expect(icmpSocketKind('inet6')).toBe(want);
  });

  it('gets echo replies from 127.0.0.1, with the sequence counting up per check', async () => {
    const probe = pingProbe(ping, target('127.0.0.1'));
    expect(await probe(never)).toEqual({ ok: true, reason: 'echo reply from 127.0.0.1 (seq 1)' });
    expect(await probe(never)).toEqual({ ok: true, reason: 'echo reply from 127.0.0.1 (seq 2)' });
  });

  it('pings another loopback address, from bindto', async () => {
    expect(await pingProbe(ping, target('127.0.0.2', { bindAddress: '127.0.0.1' }))(never)).toEqual({ ok: true, reason: 'echo reply from 127.0.0.2 (seq 1)' });
  });

  it('gets an ICMPv6 echo reply from ::1', async () => {
    expect(await pingProbe(ping, target('::1'))(never)).toEqual({ ok: true, reason: 'echo reply from ::1 (seq 1)' });
  });

  it('keeps concurrent checks of one target apart', async () => {
    const probes = Array.from({ length: 10 }, () => pingProbe(ping, target('127.0.0.1')));
    const results = await Promise.all(probes.map((p) => p(never)));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('binds to the loopback device (bind_if)', async () => {
    expect(await pingProbe(ping, target('127.0.0.1', { bindInterface: 'lo' }))(never)).toMatchObject({ ok: true });
    expect(await pingProbe(ping, target('127.0.0.1', { bindInterface: 'no-such-if0' }))(never)).toEqual({ ok: false, reason: 'setsockopt: No such device' });
  });

  it('fails unusable addresses without sending', async () => {
    expect(await pingProbe(ping, target('not-an-ip'))(never)).toEqual({ ok: false, reason: 'not an IP address: not-an-ip' });
    expect(await pingProbe(ping, target('::1', { bindAddress: '127.0.0.1' }))(never)).toEqual({ ok: false, reason: 'bindto 127.0.0.1 does not suit ::1' });
    expect(await pingProbe(ping, target('127.0.0.1', { bindAddress: '192.0.2.77' }))(never)).toEqual({ ok: false, reason: 'local address not available (EADDRNOTAVAIL)' });
  });

  it('does not start when already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await pingProbe(ping, target('127.0.0.1'))(ac.signal)).toEqual({ ok: false, reason: 'aborted' });
  });
});
