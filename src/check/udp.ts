/**
 * UDP_CHECK: send one datagram on a connected UDP socket and judge what comes back
 * (keepalived: check/check_udp.c udp_connect_thread(), udp_check_thread(), check_udp_reply();
 * core/layer4.c udp_bind_connect(), udp_socket_state()). keepalived's rules:
 * - the payload is `payload`, else 32 bytes of "keepalived check - " repeated (set_buf(); the
 *   reference calls them random, the code sends this fixed text so as not to leak its stack);
 * - an ICMP destination-unreachable error fails the check. The socket is connect()ed, so the
 *   kernel reports it as ECONNREFUSED (port) / EHOSTUNREACH / ENETUNREACH on the socket;
 * - without require_reply, silence until the timeout passes, and so does any reply;
 * - with require_reply the first reply decides; silence fails. Only when require_reply has
 *   bytes is the reply judged: its length must be within min/max_reply_length, and its first
 *   min(reply length, pattern length) bytes must equal the pattern's where the mask has no
 *   bits ('X' nibbles match anything). A bare `require_reply` takes any reply of any length.
 *
 * The datagram exchange itself (exchangeDatagram) is shared with DNS_CHECK.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { parseIp } from '../config/address.js';
import type { UdpCheck } from '../config/checkers/udp.js';
import { failed, passed, runBounded, socketErrorReason, type Probe, type ProbeResult, type ProbeTarget } from './probe.js';
import { connectHost } from './tcp.js';

/** keepalived's set_buf(): `length` bytes of "keepalived check - " repeated. */
export function keepalivedFiller(length: number): Buffer {
  const text = Buffer.from('keepalived check - ', 'latin1');
  const b = Buffer.alloc(length);
  for (let off = 0; off < length; off += text.length) text.copy(b, off, 0, Math.min(text.length, length - off));
  return b;
}

/** keepalived's UDP_BUFSIZE: the size of the default payload. */
export const UdpDefaultPayloadLength = 32;

/** The datagram a UDP_CHECK sends. */
export function udpPayload(check: Pick<UdpCheck, 'payload'>): Buffer {
  return check.payload !== undefined ? Buffer.from(check.payload, 'hex') : keepalivedFiller(UdpDefaultPayloadLength);
}

/** Why a reply does not satisfy the check (keepalived's check_udp_reply()), or null if it does. Pure. */
export function udpReplyMismatch(reply: Uint8Array, check: Pick<UdpCheck, 'require_reply' | 'min_reply_length' | 'max_reply_length'>): string | null {
  const want = check.require_reply;
  if (want === undefined || want === true) return null;
  const len = reply.length;
  if (len < check.min_reply_length) return `reply of ${len} bytes is shorter than min_reply_length ${check.min_reply_length}`;
  if (len > check.max_reply_length) return `reply of ${len} bytes is longer than max_reply_length ${check.max_reply_length}`;
  const data = Buffer.from(want.data, 'hex');
  const mask = want.mask !== undefined ? Buffer.from(want.mask, 'hex') : null;
  const n = Math.min(len, data.length);
  for (let i = 0; i < n; i++) {
    const care = mask ? ~mask[i]! & 0xff : 0xff;
    if ((reply[i]! ^ data[i]!) & care) {
      return `reply does not match require_reply at byte ${i}: got 0x${hex2(reply[i]!)}, want 0x${hex2(data[i]!)}${care !== 0xff ? ` (mask 0x${hex2(care)})` : ''}`;
    }
  }
  return null;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export interface DatagramExchange {
  /** The datagram to send. */
  payload: Uint8Array;
  /** The verdict on a datagram from the target, or null to keep waiting for another. */
  onReply(message: Buffer): ProbeResult | null;
  /** The verdict when the timeout passes without one. */
  onTimeout(ms: number): ProbeResult;
}

const noop = (): void => {};

/** Same host? (the kernel already drops other senders on a connected socket; this is belt and braces). */
function sameAddress(a: string, b: string): boolean {
  const strip = (s: string): string => s.replace(/%.*$/, '');
  const x = parseIp(strip(a));
  const y = parseIp(strip(b));
  return x !== null && y !== null && x.family === y.family && x.bytes.every((v, i) => v === y.bytes[i]);
}

/**
 * Send `payload` from a UDP socket connect()ed to the target and wait for a verdict: a reply
 * (onReply), a socket error (fails: ICMP errors arrive so), the timeout (onTimeout), or the
 * abort signal. Never rejects; the socket and timer are gone when it settles.
 */
export function exchangeDatagram(target: ProbeTarget, signal: AbortSignal, x: DatagramExchange): Promise<ProbeResult> {
  const host = connectHost(target);
  const family = isIP(target.address.replace(/%.*$/, ''));
  if (family === 0) return Promise.resolve(failed(`not an IP address: ${target.address}`));
  if (!(target.port >= 1 && target.port <= 65535)) return Promise.resolve(failed('no port to send to'));
  const ms = target.timeoutMs;
  return runBounded(signal, ms, () => x.onTimeout(ms), (run) => {
    const sock = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    sock.on('error', (e) => run.finish(failed(socketErrorReason(e))));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port !== target.port || !sameAddress(rinfo.address, target.address)) return;
      const v = x.onReply(msg);
      if (v) run.finish(v);
    });
    if (target.bindAddress !== undefined || target.bindPort !== undefined) {
      sock.bind({ ...(target.bindAddress !== undefined ? { address: target.bindAddress } : {}), port: target.bindPort ?? 0, exclusive: true });
    }
    sock.connect(target.port, host, () => {
      sock.send(x.payload, (e) => {
        if (e) run.finish(failed(socketErrorReason(e)));
      });
    });
    return () => {
      sock.removeAllListeners();
      sock.on('error', noop);
      try {
        sock.close();
      } catch {
        // already closed
      }
    };
  });
}

export function udpProbe(check: UdpCheck, target: ProbeTarget): Probe {
  const payload = udpPayload(check);
  const requireReply = check.require_reply !== undefined;
  return (signal) =>
    exchangeDatagram(target, signal, {
      payload,
      onReply: (msg) => {
        const why = udpReplyMismatch(msg, check);
        return why ? failed(why) : passed(`reply of ${msg.length} bytes`);
      },
      onTimeout: (ms) => (requireReply ? failed(`no reply within ${ms} ms`) : passed(`no ICMP error within ${ms} ms`)),
    });
}
