/**
 * A netlink socket (the kernel edge): requests with sequence numbers, acknowledgements and
 * errors, multi-part dumps ending in NLMSG_DONE. Thin: messages are built by the codecs.
 */
import { constants as osConstants } from 'node:os';
import { intOption, nativeSockets, type NativeSockets } from '../native/index.js';
import { sockaddrNl } from '../net/sockaddr.js';
import {
  decodeError,
  decodeMessages,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NetlinkMessage,
} from './codec.js';

const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

export class NetlinkError extends Error {
  constructor(
    readonly errno: number,
    readonly request: string,
  ) {
    super(`${request}: ${errnoNames.get(errno) ?? `errno ${errno}`}`);
  }
  get code(): string {
    return errnoNames.get(this.errno) ?? `E${this.errno}`;
  }
}

interface Pending {
  what: string;
  dump: boolean;
  replies: NetlinkMessage[];
  resolve: (m: NetlinkMessage[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The largest datagram of batched requests (well under the default socket send buffer). */
const MaxBatchBytes = 32 * 1024;

export class NetlinkSocket {
  readonly #n: NativeSockets;
  readonly #fd: number;
  #seq = Math.floor(Math.random() * 0x7fffffff);
  readonly #pending = new Map<number, Pending>();
  #closed = false;
  #outbox: { seq: number; bytes: Uint8Array; dump: boolean }[] = [];
  /** The last request of a sent datagram -> the earlier ones, which were sent without NLM_F_ACK. */
  readonly #batchTails = new Map<number, number[]>();
  #outboxBytes = 0;
  #flushQueued = false;
  /** The kernel runs one dump per socket at a time (a second one gets EBUSY): dumps queue here. */
  #dumpQueue: Promise<unknown> = Promise.resolve();

  constructor(protocol: number, readonly timeoutMs = 5000) {
    this.#n = nativeSockets();
    const c = this.#n.constants;
    this.#fd = this.#n.socket(c.AF_NETLINK, c.SOCK_RAW, protocol);
    try {
      // a big receive buffer so that bursts of acknowledgements are not dropped (ENOBUFS):
      // as root past net.core.rmem_max, else up to it
      try {
        this.#n.setsockopt(this.#fd, c.SOL_SOCKET, c.SO_RCVBUFFORCE, intOption(4 << 20));
      } catch {
        this.#n.setsockopt(this.#fd, c.SOL_SOCKET, c.SO_RCVBUF, intOption(4 << 20));
      }
      this.#n.setsockopt(this.#fd, c.SOL_NETLINK, c.NETLINK_EXT_ACK, intOption(1));
      // acknowledgements without a copy of the request: a quarter of the buffer each
      this.#n.setsockopt(this.#fd, c.SOL_NETLINK, c.NETLINK_CAP_ACK, intOption(1));
      this.#n.bind(this.#fd, sockaddrNl());
      this.#n.watch(this.#fd, () => this.#drain());
    } catch (e) {
      this.#n.close(this.#fd);
      throw e;
    }
  }

  /** Send one request; resolves with the replies (for a dump, every part before NLMSG_DONE). */
  request(type: number, flags: number, payload: Uint8Array, what: string): Promise<NetlinkMessage[]> {
    if ((flags & NLM_F_DUMP) !== NLM_F_DUMP) return this.#send(type, flags, payload, what, false);
    const done = this.#dumpQueue.then(() => this.#send(type, flags, payload, what, true));
    this.#dumpQueue = done.catch(() => undefined);
    return done;
  }

  #send(type: number, flags: number, payload: Uint8Array, what: string, dump: boolean): Promise<NetlinkMessage[]> {
    if (this.#closed) return Promise.reject(new Error(`${what}: netlink socket closed`));
    const seq = (this.#seq = (this.#seq + 1) >>> 0 || 1);
    const bytes = encodeMessage({ type, flags: flags | NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK), seq, pid: 0, payload });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // timers run before I/O callbacks in a loop turn: read what has arrived before giving up
        this.#drain();
        if (!this.#pending.has(seq)) return;
        this.#pending.delete(seq);
        reject(new Error(`${what}: no answer from the kernel in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.#pending.set(seq, { what, dump, replies: [], resolve, reject, timer });
      if (dump) {
        // a dump goes alone: its answer is a stream of its own
        this.#flush();
        this.#outbox.push({ seq, bytes, dump });
        this.#flush();
        return;
      }
      this.#outbox.push({ seq, bytes, dump });
      this.#outboxBytes += bytes.length;
      if (this.#outboxBytes >= MaxBatchBytes) this.#flush();
      else if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }

  /**
   * Requests made in one turn of the loop go to the kernel in one datagram, and only the last
   * asks for an acknowledgement: the kernel handles a datagram's messages in order and answers a
   * failed one with its error even unasked, so the last one's answer means every earlier one
   * without an error succeeded. A burst of IPVS changes costs two system calls, not two each.
   */
  #flush(): void {
    this.#flushQueued = false;
    const batch = this.#outbox;
    if (batch.length === 0) return;
    this.#outbox = [];
    this.#outboxBytes = 0;
    if (batch.length > 1) {
      for (const b of batch.slice(0, -1)) {
        const flags = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
        flags.writeUInt16LE(flags.readUInt16LE(6) & ~NLM_F_ACK, 6);
      }
      this.#batchTails.set(batch.at(-1)!.seq, batch.slice(0, -1).map((b) => b.seq));
    }
    const data = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((b) => b.bytes));
    let error: Error | null = null;
    try {
      if (this.#n.sendto(this.#fd, data, sockaddrNl(), 0) < 0) error = new Error('netlink send buffer full');
    } catch (e) {
      error = e as Error;
    }
    if (!error) return;
    for (const { seq } of batch) {
      const p = this.#pending.get(seq);
      if (p) this.#finish(seq, p, new Error(`${p.what}: ${error.message}`));
    }
  }

  #drain(): void {
    for (;;) {
      let msg;
      try {
        msg = this.#n.recvmsg(this.#fd, 1 << 16, 0);
      } catch (e) {
        // ENOBUFS: replies were lost; fail what is waiting so callers re-read the state
        for (const [seq, p] of this.#pending) this.#finish(seq, p, e as Error);
        return;
      }
      if (msg === null) return;
      for (const m of decodeMessages(msg.data)) this.#dispatch(m);
    }
  }

  #dispatch(m: NetlinkMessage): void {
    const p = this.#pending.get(m.seq);
    if (!p) return;
    if (m.type === NLMSG_ERROR) {
      const err = decodeError(m.payload);
      this.#finish(m.seq, p, err === 0 ? null : new NetlinkError(-err, p.what));
    } else if (m.type === NLMSG_DONE) {
      this.#finish(m.seq, p, null);
    } else {
      p.replies.push(m);
      if (!p.dump) this.#finish(m.seq, p, null);
    }
  }

  #finish(seq: number, p: Pending, error: Error | null): void {
    clearTimeout(p.timer);
    this.#pending.delete(seq);
    if (error) p.reject(error);
    else p.resolve(p.replies);
    const earlier = this.#batchTails.get(seq);
    if (!earlier) return;
    this.#batchTails.delete(seq);
    // the last of a datagram is answered: the earlier ones that got no error succeeded
    // (unless the answer is a local failure, the socket's, which fails them too)
    const local = error !== null && !(error instanceof NetlinkError);
    for (const s of earlier) {
      const q = this.#pending.get(s);
      if (q) this.#finish(s, q, local ? new Error(`${q.what}: ${error.message}`) : null);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = [];
    for (const [seq, p] of this.#pending) this.#finish(seq, p, new Error(`${p.what}: netlink socket closed`));
    this.#n.close(this.#fd);
  }
}
