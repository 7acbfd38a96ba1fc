/**
 * TCP_CHECK: the real server is up when a TCP connection to it completes within connect_timeout;
 * the connection is closed as soon as it is made (keepalived: check/check_tcp.c).
 */
import { connect } from 'node:net';
import type { TcpCheck } from '../config/checkers/tcp.js';
import { failed, passed, runBounded, socketErrorReason, type Probe, type ProbeTarget } from './probe.js';

/**
 * The host to connect to: an IPv6 link-local target needs its zone (bind_if), which Node.js
 * takes as `fe80::1%eth0`. Any other bind_if cannot be honoured (no SO_BINDTODEVICE in Node.js).
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

const noop = (): void => {};

export function tcpProbe(_check: TcpCheck, target: ProbeTarget): Probe {
  const ms = target.timeoutMs;
  return (signal) =>
    runBounded(signal, ms, () => failed(`no connection within ${ms} ms`), (run) => {
      // net.connect throws synchronously for an invalid local address or port: runBounded reports it
      const sock = connect({ host: connectHost(target), port: target.port, ...localEnd(target) });
      sock.once('connect', () => run.finish(passed('connected')));
      sock.once('error', (e) => run.finish(failed(socketErrorReason(e))));
      return () => destroySocket(sock);
    });
}

/** Destroy a socket for good: no listener left, and a late error from it is swallowed, not uncaught. */
export function destroySocket(sock: { removeAllListeners(): unknown; on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  sock.removeAllListeners();
  sock.on('error', noop);
  sock.destroy();
}
