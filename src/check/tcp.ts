/**
 * TCP_CHECK: the real server is up when a TCP connection to it completes within connect_timeout;
 * the connection is closed as soon as it is made (keepalived: check/check_tcp.c). The connect
 * is the addon's (src/native/tcp-connect.ts): no Node.js socket object per check.
 */
import type { TcpCheck } from '../config/checkers/tcp.js';
import { errnoName, ETIMEDOUT, tcpConnector, type TcpConnectRequest } from '../native/tcp-connect.js';
import { failed, socketErrorReason, type Probe, type ProbeResult, type ProbeTarget } from './probe.js';
import { socketEnds } from './socket-ends.js';

/**
 * The host to connect to with Node.js sockets (HTTP, SMTP, UDP): an IPv6 link-local target
 * needs its zone (bind_if), which Node.js takes as `fe80::1%eth0`.
 */
export function connectHost(target: ProbeTarget): string {
  const a = target.address;
  if (target.bindInterface !== undefined && /^fe[89ab][0-9a-f]:/i.test(a) && !a.includes('%')) return `${a}%${target.bindInterface}`;
  return a;
}

/** `127.0.0.1:80`, `[::1]:80`. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The local end for net/tls connect options (bindto / bind_port). */
export function localEnd(target: ProbeTarget): { localAddress?: string; localPort?: number } {
  return {
    ...(target.bindAddress !== undefined ? { localAddress: target.bindAddress } : {}),
    ...(target.bindPort !== undefined ? { localPort: target.bindPort } : {}),
  };
}

const connected: ProbeResult = Object.freeze({ ok: true, reason: 'connected' });
const aborted: ProbeResult = Object.freeze(failed('aborted'));
// verdicts are shared, not made per check: one per timeout value and per errno
const timedOut = new Map<number, ProbeResult>();
const refusedBy = new Map<number, ProbeResult>();

function verdict(outcome: number, timeoutMs: number): ProbeResult {
  if (outcome === 0) return connected;
  if (outcome === -1) return aborted;
  const cache = outcome === ETIMEDOUT ? timedOut : refusedBy;
  const key = outcome === ETIMEDOUT ? timeoutMs : outcome;
  let r = cache.get(key);
  if (!r) {
    const name = errnoName(outcome);
    r = Object.freeze(failed(outcome === ETIMEDOUT ? `no connection within ${timeoutMs} ms` : socketErrorReason({ code: name, message: name })));
    cache.set(key, r);
  }
  return r;
}

export function tcpProbe(_check: TcpCheck, target: ProbeTarget): Probe {
  const ends = socketEnds(target);
  if ('error' in ends) {
    const unusable = failed(ends.error);
    return () => Promise.resolve(unusable);
  }
  const request: TcpConnectRequest = { peer: ends.peer, local: ends.local, mark: ends.mark, device: ends.device, timeoutMs: target.timeoutMs };
  return (signal) => tcpConnector().connect(request, signal).then((outcome) => verdict(outcome, request.timeoutMs));
}

const noop = (): void => {};

/** Destroy a socket for good: no listener left, and a late error from it is swallowed, not uncaught. */
export function destroySocket(sock: { removeAllListeners(): unknown; on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  sock.removeAllListeners();
  sock.on('error', noop);
  sock.destroy();
}
