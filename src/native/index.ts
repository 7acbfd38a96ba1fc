/**
 * The native addon (native/sockets.c, built by `npm install`): raw, packet and netlink sockets
 * and recvmsg with ancillary data, which Node.js does not offer. Loaded lazily so that the
 * configuration tools work on a machine where the addon was not built.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReceivedMessage {
  data: Buffer;
  /** The peer's sockaddr bytes. */
  name: Buffer;
  /** Control messages (cmsghdr sequence). */
  control: Buffer;
  flags: number;
}

export interface NativeSockets {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void;
  bind(fd: number, sockaddr: Uint8Array): void;
  /** Bytes sent, or -1 if the socket buffer is full. */
  sendto(fd: number, data: Uint8Array, sockaddr: Uint8Array | null, flags: number): number;
  /** null when nothing is waiting. */
  recvmsg(fd: number, maxData: number, maxControl: number): ReceivedMessage | null;
  watch(fd: number, onReadable: () => void): void;
  unwatch(fd: number): void;
  close(fd: number): void;
  getsockname(fd: number): Buffer;
  /** Create a FIFO (an existing path is left alone). */
  mkfifo(path: string, mode: number): void;
  /** Raise the soft open-files limit towards `want` (never lowers it); returns the limit now in force. */
  raiseNofileLimit(want: number): number;
  /** CLOCK_REALTIME minus CLOCK_MONOTONIC, µs. */
  clockOffsetUs(): number;
  /** A CLOCK_MONOTONIC timerfd (the clock of process.hrtime). */
  timerfdCreate(): number;
  /** Absolute deadline in µs of that clock; 0 disarms. */
  timerfdArm(fd: number, atUs: number): void;
  timerfdRead(fd: number): number;
  /** mallopt(M_ARENA_MAX): at most `n` malloc arenas from now on. */
  limitMallocArenas(n: number): void;
  /** malloc_trim(0): true when memory went back to the system. */
  trimMemory(): boolean;
  /** TCP probes (native/tcp_probe.c): the callback gets a count of (slot, kind, a, b) results in the first array, their bytes in the second. */
  tcpProbeInit(onResults: (count: number) => void): [Int32Array, Uint8Array];
  /** A slot (>= 0) while the connect is under way, or -errno when it could not start; with a request, it is written once connected. */
  tcpProbeStart(peer: Uint8Array, local: Uint8Array | null, mark: number, device: string | null, timeoutMs: number, request: Uint8Array | null): number;
  /** A stream probe's bytes were taken: read on. */
  tcpProbeRead(slot: number): void;
  tcpProbeCancel(slot: number): void;
  tcpProbeActive(): number;
  /** Tests only: the next `count` tcpProbeRead calls fail with `errno` (the hand-off of a failure found mid-batch). */
  tcpProbeTestFailReads(count: number, errno: number): void;
  /**
   * Run `callback(signum)` on the event loop at each delivery of a numbered signal (a libuv
   * uv_signal_t, unref'd). One callback per signal; a second call replaces the first. Throws a
   * RangeError for KILL, STOP, the synchronous faults and numbers outside 1..31, SIGRTMIN..SIGRTMAX.
   */
  signalWatch(signum: number, callback: (signum: number) => void): void;
  signalUnwatch(signum: number): void;
  /**
   * The advert keeper (native/advert_keeper.c): a slot per MASTER advert stream on socket `fd`.
   * `ipIdOffset`: where each frame's IPv4 identification sits (-1: none); the addon's thread sends
   * the frames itself when no keeperTick() came `slackUs` after an interval, while the last tick
   * is at most two intervals and the slack old, and at least `coverMinUs`.
   */
  keeperOpen(fd: number, ipIdOffset: number, slackUs: number, coverMinUs: number): number;
  /** The frames of a slot, each with its destination (a sockaddr, or null on a connected socket) and sendto flags; copied. */
  keeperFrames(slot: number, frames: Uint8Array[], sockaddrs: (Uint8Array | null)[], flags: number[]): void;
  /** An advert is due: frames sent now, 0 when the thread sent it already, or -errno. */
  keeperTick(slot: number, intervalUs: number): number;
  /** No more sends from the thread until the next tick (leaving MASTER). */
  keeperPause(slot: number): void;
  /** Before the slot's socket is closed. */
  keeperClose(slot: number): void;
  /** [adverts the thread sent, of which failed, 1 when the thread runs SCHED_FIFO (root) else 0]. */
  keeperStats(slot: number): [number, number, number];
  /** The longest time between two adverts of the slot out (µs, sent by either thread) since the last call. */
  keeperTakeMaxGap(slot: number): number;
  /**
   * setns(2) of the calling thread into the network namespace /run/netns/<name> (native/netns.c).
   * Throws an Error with `code` (ENOENT: no such namespace, EPERM: not allowed), or a RangeError
   * when `name` is not a single path component of 1..255 bytes.
   */
  enterNetns(name: string): void;
  /** The C library's SIGRTMIN / SIGRTMAX at run time (34 / 64 with glibc). */
  sigrtmin(): number;
  sigrtmax(): number;
  constants: Record<
    | 'AF_INET' | 'AF_INET6' | 'AF_PACKET' | 'AF_UNIX' | 'AF_NETLINK' | 'SOCK_RAW' | 'SOCK_DGRAM' | 'SOL_SOCKET' | 'SO_BINDTODEVICE' | 'SO_MARK'
    | 'SO_RCVBUF' | 'SO_RCVBUFFORCE' | 'SO_SNDBUF' | 'SO_PRIORITY' | 'SO_TIMESTAMPNS' | 'IPPROTO_IP' | 'IPPROTO_IPV6' | 'IP_TOS' | 'IP_TTL' | 'IP_HDRINCL'
    | 'IP_PKTINFO' | 'IP_RECVTTL' | 'IP_TTL_CMSG' | 'IP_MULTICAST_IF' | 'IP_MULTICAST_TTL' | 'IP_MULTICAST_LOOP'
    | 'IP_ADD_MEMBERSHIP' | 'IP_DROP_MEMBERSHIP' | 'IP_MULTICAST_ALL' | 'IPV6_CHECKSUM' | 'IPV6_RECVPKTINFO' | 'IPV6_PKTINFO'
    | 'IPV6_RECVHOPLIMIT' | 'IPV6_HOPLIMIT' | 'IPV6_MULTICAST_IF' | 'IPV6_MULTICAST_HOPS' | 'IPV6_MULTICAST_LOOP'
    | 'IPV6_ADD_MEMBERSHIP' | 'SOL_PACKET' | 'NETLINK_ROUTE' | 'NETLINK_GENERIC' | 'SOL_NETLINK' | 'NETLINK_EXT_ACK' | 'NETLINK_CAP_ACK'
    | 'NETLINK_ADD_MEMBERSHIP' | 'MSG_DONTROUTE' | 'MSG_TRUNC' | 'MSG_CTRUNC'
    /** The kernel headers the addon was built with ((major << 16) | (minor << 8) | patch). */
    | 'LINUX_VERSION_CODE',
    number
  >;
}

let loaded: NativeSockets | null = null;

/**
 * The addon, or an Error saying how to build it. node-gyp-build picks, under the package root,
 * build/Release/*.node (built from source) first, else the prebuild for this platform, arch and
 * libc in prebuilds/ (shipped in the npm package; N-API, so one file serves every Node.js >= 20).
 */
export function nativeSockets(): NativeSockets {
  if (loaded) return loaded;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const load = createRequire(import.meta.url)('node-gyp-build') as (dir: string) => unknown;
  try {
    loaded = load(root) as NativeSockets;
  } catch (err) {
    const message = err instanceof Error ? err.message.trim() : String(err);
    if (message.startsWith('No native build was found')) {
      throw new Error(
        `native addon not built (no build/Release/keepalived_ts_native.node, nor a prebuild in prebuilds/${process.platform}-${process.arch}, under ${root}): ` +
          `run 'npm install' there (building from source needs python3, make and a C compiler). ${message}`,
        { cause: err },
      );
    }
    throw new Error(`native addon under ${root} could not be loaded: ${message}`, { cause: err });
  }
  return loaded;
}

/** Integer socket option value (an `int`, host order). */
export function intOption(value: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  return b;
}
