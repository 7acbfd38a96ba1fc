/**
 * TCP connects done by the addon (native/tcp_probe.c): a non-blocking connect() per call,
 * completions read from one epoll set and handed over in batches, connect_timeout kept by a
 * libuv timer. A check costs a socket and a few system calls, not a Node.js socket object.
 */
import { getSystemErrorName } from 'node:util';
import { nativeSockets, type NativeSockets } from './index.js';

export interface TcpConnectRequest {
  /** sockaddr_in / sockaddr_in6 of the peer. */
  peer: Uint8Array;
  /** The local end to bind first (bindto / bind_port), or null. */
  local: Uint8Array | null;
  /** SO_MARK (fwmark); 0 for none. */
  mark: number;
  /** SO_BINDTODEVICE (bind_if), or null. */
  device: string | null;
  timeoutMs: number;
}

/** What became of a connect: 0 connected, else an errno (ETIMEDOUT when connect_timeout ran out). */
export type ConnectOutcome = number;

interface Waiting {
  resolve: (outcome: ConnectOutcome) => void;
  signal: AbortSignal;
}

export const ETIMEDOUT = 110;

export class TcpConnector {
  readonly #native: NativeSockets;
  readonly #results: Int32Array;
  readonly #waiting: (Waiting | undefined)[] = [];
  readonly #watched = new WeakSet<AbortSignal>();

  constructor(native: NativeSockets = nativeSockets()) {
    this.#native = native;
    this.#results = native.tcpProbeInit((count) => this.#deliver(count));
  }

  /** Resolves with the outcome; never rejects. An aborted signal resolves at once with -1. */
  connect(req: TcpConnectRequest, signal: AbortSignal): Promise<ConnectOutcome> {
    if (signal.aborted) return Promise.resolve(-1);
    const slot = this.#native.tcpProbeStart(req.peer, req.local, req.mark, req.device, req.timeoutMs);
    if (slot < 0) return Promise.resolve(-slot);
    this.#watchAbort(signal);
    return new Promise((resolve) => {
      this.#waiting[slot] = { resolve, signal };
    });
  }

  /** Connects under way (every one holds a socket). */
  get active(): number {
    return this.#native.tcpProbeActive();
  }

  #deliver(count: number): void {
    const r = this.#results;
    for (let i = 0; i < count; i++) {
      const slot = r[2 * i]!;
      const w = this.#waiting[slot];
      if (!w) continue;
      this.#waiting[slot] = undefined;
      w.resolve(r[2 * i + 1]!);
    }
  }

  // one listener per signal (the pool passes one signal to every probe), not one per connect
  #watchAbort(signal: AbortSignal): void {
    if (this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        this.#waiting.forEach((w, slot) => {
          if (w?.signal !== signal) return;
          this.#native.tcpProbeCancel(slot);
          this.#waiting[slot] = undefined;
          w.resolve(-1);
        });
      },
      { once: true },
    );
  }
}

let shared: TcpConnector | null = null;

/** The process's one connector (the addon keeps one epoll set). */
export function tcpConnector(): TcpConnector {
  shared ??= new TcpConnector();
  return shared;
}

/** `ECONNREFUSED` for 111. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
