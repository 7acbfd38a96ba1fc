/**
 * The socket addresses of a checker's connection, built once per checker from its target:
 * the peer (connect_ip/connect_port, with the scope of a link-local IPv6 address), the local end
 * (bindto/bind_port), the device (bind_if, which as in keepalived scopes link-local IPv6
 * addresses) and the mark (fwmark).
 */
import { readFileSync } from 'node:fs';
import { parseIp } from '../config/address.js';
import { sockaddrIn, sockaddrIn6 } from '../net/sockaddr.js';
import type { ProbeTarget } from './probe.js';

export interface SocketEnds {
  peer: Uint8Array;
  local: Uint8Array | null;
  device: string | null;
  mark: number;
  family: 'inet' | 'inet6';
}

/** The interface index of a name (or of a number given as text); 0 when there is no such interface. */
export function ifIndex(name: string | undefined): number {
  if (name === undefined) return 0;
  if (/^\d+$/.test(name)) return Number(name);
  try {
    return Number(readFileSync(`/sys/class/net/${name.replace(/\//g, '')}/ifindex`, 'latin1').trim()) || 0;
  } catch {
    return 0;
  }
}

const isLinkLocal6 = (b: readonly number[]): boolean => b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;

/** The ends of a connection to `target`, or why there can be none (a reason for the log). */
export function socketEnds(target: ProbeTarget): SocketEnds | { error: string } {
  const zone = /%(.+)$/.exec(target.address)?.[1];
  const peer = parseIp(target.address.replace(/%.*$/, ''));
  if (!peer) return { error: `not an IP address: ${target.address}` };
  const v4 = peer.family === 'inet';
  const scopeName = zone ?? target.bindInterface;
  const scope = !v4 && isLinkLocal6(peer.bytes) ? ifIndex(scopeName) : 0;
  if (!v4 && isLinkLocal6(peer.bytes) && scope === 0) {
    return { error: `link-local ${target.address} needs an existing interface (bind_if${scopeName ? ` ${scopeName} does not exist` : ''})` };
  }
  let local: Uint8Array | null = null;
  if (target.bindAddress !== undefined || target.bindPort !== undefined) {
    const bound = target.bindAddress !== undefined ? parseIp(target.bindAddress) : null;
    if (target.bindAddress !== undefined && !bound) return { error: `bindto ${target.bindAddress} is not an IP address` };
    if (bound && bound.family !== peer.family) {
      return { error: `bindto address ${target.bindAddress} does not suit ${target.address} (address families differ)` };
    }
    const bytes = Uint8Array.from(bound?.bytes ?? new Array<number>(v4 ? 4 : 16).fill(0));
    const port = target.bindPort ?? 0;
    local = v4 ? sockaddrIn(bytes, port) : sockaddrIn6(bytes, port, isLinkLocal6(Array.from(bytes)) ? ifIndex(target.bindInterface) : 0);
  }
  const peerBytes = Uint8Array.from(peer.bytes);
  return {
    peer: v4 ? sockaddrIn(peerBytes, target.port) : sockaddrIn6(peerBytes, target.port, scope),
    local,
    device: scope !== 0 && scopeName !== undefined && !/^\d+$/.test(scopeName) ? scopeName : null,
    mark: target.fwmark ?? 0,
    family: peer.family,
  };
}
