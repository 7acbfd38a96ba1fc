/**
 * PING_CHECK: one ICMP / ICMPv6 echo request, passed by the matching echo reply within the
 * timeout (keepalived: check/check_ping.c icmp_connect_thread(), ping_it(), recv_it(),
 * ping6_it(), recv6_it(), set_ping_group_range()). keepalived's rules, kept here:
 * - an unprivileged ping socket (SOCK_DGRAM + IPPROTO_ICMP / IPPROTO_ICMPV6): the kernel sets
 *   the echo ID (the socket's "port"), fills the checksum and hands the socket only replies
 *   with its ID; keepalived widens net.ipv4.ping_group_range to start at gid 0 so that root may
 *   open one (widenPingGroupRange() below does the same for the daemon to call);
 * - the request: 8-byte header, sequence number counting up per check, then 128 bytes of
 *   "keepalived check - " repeated (set_buf());
 * - bind_if (SO_BINDTODEVICE) and bindto are honoured;
 * - no reply within connect_timeout fails.
 * Differences: keepalived keeps one socket per checker open between checks; here every check
 * opens and closes its own, so a reply with another ID or sequence can only be a stray and is
 * ignored (keepalived fails on a sequence mismatch, which it can see from a late reply to its
 * previous check). When the ping socket is refused (EACCES: gid outside ping_group_range)
 * and the process may open raw sockets (CAP_NET_RAW), the check falls back to a raw ICMP
 * socket with its own random ID and the same matching; a raw socket also sees ICMP errors,
 * so a destination-unreachable quoting our request fails at once.
 */
import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseIp, type IpAddress } from '../config/address.js';
import type { PingCheck } from '../config/checkers/ping.js';
import { nativeSockets, type NativeSockets } from '../native/index.js';
import { internetChecksum } from '../net/checksum.js';
import { addressOfSockaddr, sockaddrIn, sockaddrIn6 } from '../net/sockaddr.js';
import { failed, passed, runBounded, socketErrorReason, type Probe, type ProbeTarget } from './probe.js';
import { ifIndex } from './socket-ends.js';
import { keepalivedFiller } from './udp.js';

// The addon's constants have no IPPROTO_ICMP / IPPROTO_ICMPV6: the values from <netinet/in.h>.
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

export const IcmpEchoReply = 0;
export const IcmpDestUnreachable = 3;
export const IcmpEchoRequest = 8;
export const Icmp6DestUnreachable = 1;
export const Icmp6EchoRequest = 128;
export const Icmp6EchoReply = 129;

/** keepalived's ICMP_BUFSIZE: the echo data after the 8-byte header. */
export const PingPayloadLength = 128;

export type IcmpFamily = 'inet' | 'inet6';

/**
 * An echo request (pure). The IPv4 checksum is filled in (a raw socket sends it as is; a ping
 * socket recomputes it); the ICMPv6 one is left 0, as the kernel computes it over the
 * pseudo-header for both socket kinds.
 */
export function encodeEchoRequest(family: IcmpFamily, id: number, seq: number, payload: Uint8Array = keepalivedFiller(PingPayloadLength)): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = family === 'inet' ? IcmpEchoRequest : Icmp6EchoRequest;
  b.writeUInt16BE(id & 0xffff, 4);
  b.writeUInt16BE(seq & 0xffff, 6);
  Buffer.from(payload).copy(b, 8);
  if (family === 'inet') b.writeUInt16BE(internetChecksum(b), 2);
  return b;
}

export interface IcmpHeader {
  type: number;
  code: number;
  checksum: number;
  /** Echo identifier and sequence (the rest-of-header word for other types). */
  id: number;
  seq: number;
}

/** The first 8 bytes of an ICMP / ICMPv6 message, or null when shorter (pure). */
export function decodeIcmpHeader(msg: Uint8Array): IcmpHeader | null {
  if (msg.length < 8) return null;
  const b = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  return { type: b[0]!, code: b[1]!, checksum: b.readUInt16BE(2), id: b.readUInt16BE(4), seq: b.readUInt16BE(6) };
}

/** The payload of an IPv4 packet (header skipped by its IHL) if it carries `protocol`, else null. */
function ipv4Payload(p: Uint8Array, protocol: number): Uint8Array | null {
  if (p.length < 20 || p[0]! >> 4 !== 4) return null;
  const ihl = (p[0]! & 0x0f) * 4;
  if (ihl < 20 || p.length < ihl || p[9] !== protocol) return null;
  return p.subarray(ihl);
}

export interface EchoExpectation {
  family: IcmpFamily;
  /** The echo ID to match; null when the kernel matched it already (ping socket). */
  id: number | null;
  seq: number;
  /** IPv4 raw sockets receive the IP header in front of the ICMP message. */
  ipHeader: boolean;
}

export type EchoVerdict = { verdict: 'reply' } | { verdict: 'ignore'; why: string } | { verdict: 'unreachable'; reason: string };

const UnreachableV4 = ['network unreachable', 'host unreachable', 'protocol unreachable', 'port unreachable', 'fragmentation needed'];
const UnreachableV6 = ['no route', 'administratively prohibited', 'beyond scope of source', 'address unreachable', 'port unreachable'];

/** What one received ICMP datagram means for the echo request `e` (pure). */
export function judgeIcmp(packet: Uint8Array, e: EchoExpectation): EchoVerdict {
  let msg: Uint8Array | null = packet;
  if (e.ipHeader) {
    msg = ipv4Payload(packet, IPPROTO_ICMP);
    if (!msg) return { verdict: 'ignore', why: 'not an ICMP packet' };
    if (internetChecksum(msg) !== 0) return { verdict: 'ignore', why: 'bad checksum' };
  }
  const h = decodeIcmpHeader(msg);
  if (!h) return { verdict: 'ignore', why: `short ICMP message (${msg.length} bytes)` };
  const v4 = e.family === 'inet';
  const ours = (id: number, seq: number): boolean => (e.id === null || id === e.id) && seq === e.seq;
  if (h.type === (v4 ? IcmpEchoReply : Icmp6EchoReply)) {
    return ours(h.id, h.seq) ? { verdict: 'reply' } : { verdict: 'ignore', why: `echo reply id ${h.id} seq ${h.seq} is not ours` };
  }
  if (h.type === (v4 ? IcmpDestUnreachable : Icmp6DestUnreachable)) {
    // The error quotes the start of the packet that caused it: is it our request?
    const quoted = msg.subarray(8);
    let inner: Uint8Array | null = null;
    if (v4) inner = ipv4Payload(quoted, IPPROTO_ICMP);
    else if (quoted.length >= 40 && quoted[0]! >> 4 === 6 && quoted[6] === IPPROTO_ICMPV6) inner = quoted.subarray(40);
    const ih = inner ? decodeIcmpHeader(inner) : null;
    if (ih && ih.type === (v4 ? IcmpEchoRequest : Icmp6EchoRequest) && ours(ih.id, ih.seq)) {
      const what = (v4 ? UnreachableV4 : UnreachableV6)[h.code] ?? `code ${h.code}`;
      return { verdict: 'unreachable', reason: `destination unreachable (${what})` };
    }
    return { verdict: 'ignore', why: 'an error about another packet' };
  }
  return { verdict: 'ignore', why: `ICMP type ${h.type}` };
}

export const PingGroupRangePath = '/proc/sys/net/ipv4/ping_group_range';

/** The two numbers of a ping_group_range file, or null when malformed (pure). */
export function parsePingGroupRange(text: string): [number, number] | null {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return lo < 2 ** 32 && hi < 2 ** 32 ? [lo, hi] : null;
}

/**
 * keepalived's set_ping_group_range(true): make the range start at gid 0 (keeping its end) so
 * that root may open ping sockets. Returns the start to give back to restorePingGroupRange()
 * when it changed the file, null when it did not (already 0, or unreadable: then PING_CHECK
 * needs CAP_NET_RAW for its raw-socket fallback). Never throws.
 */
export function widenPingGroupRange(path = PingGroupRangePath): number | null {
  try {
    const range = parsePingGroupRange(readFileSync(path, 'latin1'));
    if (!range || range[0] === 0) return null;
    writeFileSync(path, `0\t${range[1]}\n`);
    return range[0];
  } catch {
    return null;
  }
}

/** keepalived's set_ping_group_range(false): put back the start widenPingGroupRange() replaced. */
export function restorePingGroupRange(previousStart: number, path = PingGroupRangePath): boolean {
  try {
    const range = parsePingGroupRange(readFileSync(path, 'latin1'));
    if (!range) return false;
    if (range[0] !== previousStart) writeFileSync(path, `${previousStart}\t${range[1]}\n`);
    return true;
  } catch {
    return false;
  }
}

/** The interface index for an IPv6 zone (link-local targets), 0 when unknown. */
function sameBytes(a: Uint8Array | null, b: IpAddress): boolean {
  return a !== null && a.length === b.bytes.length && b.bytes.every((v, i) => v === a[i]);
}

interface OpenedSocket {
  fd: number;
  raw: boolean;
}

/** A ping socket, or a raw ICMP socket when the ping socket is not permitted. */
function openIcmpSocket(n: NativeSockets, v4: boolean): OpenedSocket {
  const domain = v4 ? n.constants.AF_INET : n.constants.AF_INET6;
  const protocol = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  try {
    return { fd: n.socket(domain, n.constants.SOCK_DGRAM, protocol), raw: false };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw e;
    try {
      return { fd: n.socket(domain, n.constants.SOCK_RAW, protocol), raw: true };
    } catch (e2) {
      throw new Error(
        `no ICMP socket: ping socket refused (${code}: gid not in net.ipv4.ping_group_range) and raw socket refused (${(e2 as { code?: string }).code ?? (e2 as Error).message})`,
      );
    }
  }
}

/**
 * Which socket a PING_CHECK of `family` gets on this machine now: 'ping' (unprivileged ping
 * socket), 'raw' (the fallback) or null (neither; the check will fail). Opens and closes one.
 */
export function icmpSocketKind(family: IcmpFamily): 'ping' | 'raw' | null {
  try {
    const n = nativeSockets();
    const s = openIcmpSocket(n, family === 'inet');
    n.close(s.fd);
    return s.raw ? 'raw' : 'ping';
  } catch {
    return null;
  }
}

export function pingProbe(_check: PingCheck, target: ProbeTarget): Probe {
  const zone = /%(.+)$/.exec(target.address)?.[1];
  const dst = parseIp(target.address.replace(/%.*$/, ''));
  const local = target.bindAddress !== undefined ? parseIp(target.bindAddress) : null;
  let seq = 0;
  return (signal) => {
    if (!dst) return Promise.resolve(failed(`not an IP address: ${target.address}`));
    if (target.bindAddress !== undefined && (!local || local.family !== dst.family)) {
      return Promise.resolve(failed(`bindto ${target.bindAddress} does not suit ${target.address}`));
    }
    const v4 = dst.family === 'inet';
    const ms = target.timeoutMs;
    return runBounded(signal, ms, () => failed(`no echo reply within ${ms} ms`), (run) => {
      const n: NativeSockets = nativeSockets();
      const sock: OpenedSocket = openIcmpSocket(n, v4);
      const fd = sock.fd;
      const release = (): void => n.close(fd); // also stops the watch
      seq = (seq % 0xffff) + 1; // 1, 2, ... as keepalived's ++seq_no
      const expect: EchoExpectation = { family: dst.family, id: sock.raw ? randomInt(0, 0x10000) : null, seq, ipHeader: sock.raw && v4 };
      const dstBytes = Uint8Array.from(dst.bytes);
      const scope = !v4 && dst.bytes[0] === 0xfe && (dst.bytes[1]! & 0xc0) === 0x80 ? ifIndex(zone ?? target.bindInterface) : 0;
      const onReadable = (): void => {
        while (!run.done) {
          let m;
          try {
            m = n.recvmsg(fd, 2048, 0);
          } catch (e) {
            // a ping socket reports ICMP errors for its requests as the socket's error
            return run.finish(failed(socketErrorReason(e)));
          }
          if (!m) return;
          if (!sameBytes(addressOfSockaddr(m.name), dst)) continue;
          const v = judgeIcmp(m.data, expect);
          if (v.verdict === 'reply') return run.finish(passed(`echo reply from ${target.address} (seq ${seq})`));
          if (v.verdict === 'unreachable') return run.finish(failed(v.reason));
        }
      };
      try {
        if (target.bindInterface !== undefined) {
          n.setsockopt(fd, n.constants.SOL_SOCKET, n.constants.SO_BINDTODEVICE, Buffer.from(`${target.bindInterface}\0`, 'latin1'));
        }
        if (local) n.bind(fd, v4 ? sockaddrIn(Uint8Array.from(local.bytes)) : sockaddrIn6(Uint8Array.from(local.bytes), 0, scope));
        n.watch(fd, onReadable);
        const packet = encodeEchoRequest(dst.family, expect.id ?? 0, seq);
        const sent = n.sendto(fd, packet, v4 ? sockaddrIn(dstBytes) : sockaddrIn6(dstBytes, 0, scope), 0);
        if (sent < 0) run.finish(failed('socket send buffer full'));
      } catch (e) {
        run.finish(failed(socketErrorReason(e)));
      }
      return release;
    });
  };
}
