/**
 * TCP connections made by the addon (native/tcp_probe.c): a non-blocking connect() per call,
 * completions read from one epoll set and handed over in batches, connect_timeout kept by a
 * libuv timer. A TCP_CHECK costs a socket and a few system calls, not a Node.js socket object;
 * an HTTP_GET is the same connection going on to write its request and hand over what it reads.
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

/** A connection that writes a request once made and hands over what it reads. */
export interface StreamHandlers {
  /** The connection is made and the request written. */
  sent(): void;
  /** Bytes read (a copy). Return true for more, false when done (the connection is then closed). */
  data(chunk: Buffer): boolean;
  /** The peer closed the connection. */
  end(): void;
  /** An errno: the connect or a read failed, or ETIMEDOUT when connect_timeout ran out (also before `sent`). -1: aborted. */
  failed(errno: number): void;
}

const enum Kind {
  Done = 0,
  Sent = 1,
  Data = 2,
  End = 3,
  Failed = 4,
}

type Waiting = { signal: AbortSignal; resolve: (outcome: ConnectOutcome) => void; stream?: undefined } | { signal: AbortSignal; stream: StreamHandlers };

export const ETIMEDOUT = 110;

export class TcpConnector {
  readonly #native: NativeSockets;
  readonly #results: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #waiting: (Waiting | undefined)[] = [];
  readonly #watched = new WeakSet<AbortSignal>();

  constructor(native: NativeSockets = nativeSockets()) {
    this.#native = native;
    [this.#results, this.#bytes] = native.tcpProbeInit((count) => this.#deliver(count));
  }

  /** Resolves with the outcome; never rejects. An aborted signal resolves at once with -1. */
  connect(req: TcpConnectRequest, signal: AbortSignal): Promise<ConnectOutcome> {
    if (signal.aborted) return Promise.resolve(-1);
    const slot = this.#native.tcpProbeStart(req.peer, req.local, req.mark, req.device, req.timeoutMs, null);
    if (slot < 0) return Promise.resolve(-slot);
    this.#watchAbort(signal);
    return new Promise((resolve) => {
      this.#waiting[slot] = { resolve, signal };
    });
  }

  /**
   * Connect, write `request`, then hand every read to `handlers` until it says done, the peer
   * closes, or connect_timeout (over the whole exchange) runs out. Exactly one of end / failed
   * is called, unless `data` returned false first.
   */
  stream(req: TcpConnectRequest, request: Uint8Array, signal: AbortSignal, handlers: StreamHandlers): void {
    if (signal.aborted) return handlers.failed(-1);
    const slot = this.#native.tcpProbeStart(req.peer, req.local, req.mark, req.device, req.timeoutMs, request);
    if (slot < 0) return handlers.failed(-slot);
    this.#watchAbort(signal);
    this.#waiting[slot] = { signal, stream: handlers };
  }

  /** Connections under way (every one holds a socket). */
  get active(): number {
    return this.#native.tcpProbeActive();
  }

  #deliver(count: number): void {
    const r = this.#results;
    for (let i = 0; i < count; i++) {
      const slot = r[4 * i]!;
      const kind = r[4 * i + 1]! as Kind;
      const w = this.#waiting[slot];
      if (!w) continue;
      if (!w.stream) {
        this.#waiting[slot] = undefined;
        w.resolve(r[4 * i + 2]!);
        continue;
      }
      switch (kind) {
        case Kind.Sent:
          w.stream.sent();
          break;
        case Kind.Data: {
          const offset = r[4 * i + 2]!;
          const chunk = Buffer.from(this.#bytes.subarray(offset, offset + r[4 * i + 3]!));
          if (w.stream.data(chunk)) this.#native.tcpProbeRead(slot);
          else {
            this.#waiting[slot] = undefined;
            this.#native.tcpProbeCancel(slot);
          }
          break;
        }
        case Kind.End:
          this.#waiting[slot] = undefined;
          w.stream.end();
          break;
        default:
          this.#waiting[slot] = undefined;
          w.stream.failed(r[4 * i + 2]!);
      }
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
          if (w.stream) w.stream.failed(-1);
          else w.resolve(-1);
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
