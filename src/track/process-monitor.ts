/**
 * The kernel edge of `vrrp_track_process` (keepalived 2.2.7, keepalived/core/track_process.c):
 * a NETLINK_CONNECTOR socket subscribed to the process-events connector, a scan of /proc, and
 * the reads of /proc/PID/comm and cmdline an exec calls for. The counting is process-tracker.ts.
 *
 * Order at start, so that nothing is missed: subscribe, then scan; events queued meanwhile are
 * handled after the scan (a pid counts once, so replaying them is harmless). When the connector
 * cannot be used (not root, a kernel without CONFIG_PROC_CONNECTOR / CONFIG_PROC_EVENTS, or no
 * answer to the subscription within a second) one error says why and /proc is scanned every
 * second instead, through the clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { intOption, nativeSockets, type NativeSockets } from '../native/index.js';
import { sockaddrNl } from '../net/sockaddr.js';
import { CN_IDX_PROC, decodeDatagram, encodeMcastRequest, fromKernel, NETLINK_CONNECTOR, type ProcEvent } from './process-connector.js';
import { neededReads, parseCmdline, parseComm } from './process-match.js';
import { ProcessTracker, type ProcessSighting, type TrackedProcessStatus } from './process-tracker.js';
import type { ResolvedTrackProcess } from './types.js';

const SecondUs = 1_000_000;
/** Without the connector, /proc is scanned this often. */
const ScanIntervalUs = SecondUs;
/** The kernel answers a subscription at once; silence this long means no CONFIG_PROC_EVENTS. */
const AckTimeoutUs = SecondUs;
/** After events were lost (ENOBUFS), wait for things to settle before rescanning (keepalived: TIMER_HZ). */
const RescanAfterLossUs = SecondUs;
/** The kernel keeps at most 15 bytes of a process name (TASK_COMM_LEN - 1). */
const MaxCommLength = 15;
const ENOBUFS = osConstants.errno.ENOBUFS;
const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

export interface ProcessMonitorOptions {
  clock: Clock;
  log: Logger;
  /** The reported quorum state of tracked process `id` changed. */
  onChange(id: number, up: boolean): void;
  /** false: do not open the connector, scan /proc every second (the fallback, on purpose). Default true. */
  connector?: boolean;
}

/** How processes are being followed: kernel events, or a /proc scan every second. */
export type ProcessMonitorMode = 'events' | 'scan';

export class ProcessMonitor {
  readonly #opts: ProcessMonitorOptions;
  readonly #tracker: ProcessTracker;
  readonly #reads: { comm: boolean; cmdline: boolean };
  readonly #initial = new Map<number, boolean>();
  #mode: ProcessMonitorMode = 'scan';
  #closed = false;
  #socket?: { n: NativeSockets; fd: number };
  /** A LISTEN went out and was not refused: an IGNORE is owed at close (the kernel counts listeners). */
  #listening = false;
  #cancelAckTimer?: () => void;
  #cancelRescan?: () => void;
  #cancelScanTick?: () => void;
  /** Last connector sequence number seen per CPU, to log lost events. */
  readonly #cpuSeq = new Map<number, number>();
  /** The receive buffer as the kernel holds it (doubled on each loss, as keepalived). */
  #rcvBuf = 0;

  private constructor(specs: readonly ResolvedTrackProcess[], opts: ProcessMonitorOptions) {
    this.#opts = opts;
    this.#tracker = new ProcessTracker(specs, { clock: opts.clock, log: opts.log, onChange: (id, up) => opts.onChange(id, up) });
    this.#reads = neededReads(specs);
  }

  /**
   * Subscribe to the process events (or fall back to scanning), scan /proc, and return.
   * Synchronous: when it returns, `initial` and `status` hold the scan's result; no `onChange`
   * is called for it.
   */
  static start(specs: readonly ResolvedTrackProcess[], opts: ProcessMonitorOptions): ProcessMonitor {
    const m = new ProcessMonitor(specs, opts);
    for (const s of specs) {
      if (!s.fullCommand && Buffer.byteLength(s.process) > MaxCommLength) {
        opts.log.warn(
          { trackProcess: s.name },
          `track_process ${s.name}: process name '${s.process}' is longer than ${MaxCommLength} bytes and can never match a process name (use full_command)`,
        );
      }
    }
    if (specs.length === 0) return m;
    if (opts.connector !== false) m.#openConnector();
    if (!m.#socket) m.#startScanning();
    m.#tracker.start(m.#scan());
    for (const s of m.#tracker.status()) m.#initial.set(s.id, s.up);
    return m;
  }

  /** Per tracked process: the matching processes now and the quorum state last reported. */
  status(): TrackedProcessStatus[] {
    return this.#tracker.status();
  }

  /** The quorum state after the start scan (keepalived sets the priorities from it before any event). */
  initial(id: number): boolean {
    return this.#initial.get(id) ?? false;
  }

  get mode(): ProcessMonitorMode {
    return this.#mode;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelAckTimer?.();
    this.#cancelRescan?.();
    this.#cancelScanTick?.();
    this.#tracker.close();
    this.#closeSocket();
  }

  #openConnector(): void {
    let n: NativeSockets;
    try {
      n = nativeSockets();
    } catch (e) {
      this.#fallBack(`the native addon is missing (${(e as Error).message})`);
      return;
    }
    const c = n.constants;
    let fd: number;
    try {
      fd = n.socket(c.AF_NETLINK, c.SOCK_DGRAM, NETLINK_CONNECTOR);
    } catch (e) {
      this.#fallBack(
        errorCode(e) === 'EPROTONOSUPPORT'
          ? 'the kernel has no process events connector (CONFIG_PROC_CONNECTOR, CONFIG_PROC_EVENTS)'
          : `cannot open the process events socket: ${(e as Error).message}`,
      );
      return;
    }
    this.#socket = { n, fd };
    try {
      // port id 0: the kernel picks one (another netlink socket of ours may hold our pid)
      n.bind(fd, sockaddrNl(0, CN_IDX_PROC));
      n.watch(fd, () => this.#drain());
      if (n.sendto(fd, encodeMcastRequest('listen'), sockaddrNl(), 0) < 0) throw new Error('socket buffer full');
      this.#listening = true;
    } catch (e) {
      this.#closeSocket();
      const why = errorCode(e) === 'EPERM' ? ' (not root: CAP_NET_ADMIN is needed)' : '';
      this.#fallBack(`cannot subscribe to process events: ${(e as Error).message}${why}`);
      return;
    }
    this.#mode = 'events';
    this.#rcvBuf = readNumber('/proc/sys/net/core/rmem_default') ?? 212992;
    const { clock } = this.#opts;
    this.#cancelAckTimer = clock.at(clock.nowUs() + AckTimeoutUs, () => {
      this.#cancelAckTimer = undefined;
      this.#closeSocket();
      this.#fallBack('the kernel did not answer the process events subscription (no CONFIG_PROC_EVENTS, or not in the initial user and pid namespaces)');
      this.#startScanning();
    });
  }

  #fallBack(why: string): void {
    this.#opts.log.error({ reason: why }, `track_process: ${why} - scanning /proc every second instead`);
  }

  #closeSocket(): void {
    const s = this.#socket;
    if (!s) return;
    this.#socket = undefined;
    if (this.#listening) {
      this.#listening = false;
      try {
        s.n.sendto(s.fd, encodeMcastRequest('ignore'), sockaddrNl(), 0);
      } catch {
        // closing anyway
      }
    }
    try {
      s.n.unwatch(s.fd);
    } catch {
      // not watched
    }
    s.n.close(s.fd);
  }

  #startScanning(): void {
    this.#mode = 'scan';
    const { clock } = this.#opts;
    const tick = (): void => {
      if (this.#closed) return;
      this.#tracker.rescan(this.#scan());
      this.#cancelScanTick = clock.at(clock.nowUs() + ScanIntervalUs, tick);
    };
    this.#cancelScanTick = clock.at(clock.nowUs() + ScanIntervalUs, tick);
  }

  #drain(): void {
    const s = this.#socket;
    if (!s || this.#closed) return;
    for (;;) {
      let m;
      try {
        m = s.n.recvmsg(s.fd, 8192, 0);
      } catch (e) {
        // A socket error (sk_err) shows as POLLERR, on which libuv stops the poll for good:
        // watch again once this callback is over.
        this.#rewatchSoon(s);
        if ((e as { errno?: number }).errno === ENOBUFS) {
          this.#eventsLost();
          continue; // what is still queued is good
        }
        this.#opts.log.warn({ err: (e as Error).message }, `process monitor netlink recv error: ${(e as Error).message}`);
        return;
      }
      if (m === null || this.#socket !== s) return;
      if (!fromKernel(m.name)) continue;
      const { events, problems } = decodeDatagram(m.data);
      for (const p of problems) this.#opts.log.warn({ problem: p }, `process monitor: ${p}`);
      for (const ev of events) {
        this.#handle(ev);
        if (this.#socket !== s) return;
      }
    }
  }

  #handle(ev: ProcEvent): void {
    if (ev.kind === 'ack') {
      if (!this.#cancelAckTimer) return; // only the answer to the LISTEN matters
      this.#cancelAckTimer();
      this.#cancelAckTimer = undefined;
      if (ev.err !== 0) {
        this.#listening = false;
        this.#closeSocket();
        this.#fallBack(`the kernel refused the process events subscription: ${errnoNames.get(ev.err) ?? `errno ${ev.err}`}`);
        this.#startScanning();
        return;
      }
      this.#opts.log.debug('proc_events has confirmed it is configured');
      return;
    }
    this.#noteSequence(ev.cpu, ev.seq);
    // Threads are not processes: keepalived follows an event only when pid == tgid
    switch (ev.kind) {
      case 'fork':
        if (ev.childPid === ev.childTgid) this.#tracker.fork(ev.parentTgid, ev.childTgid);
        break;
      case 'exec':
        if (ev.pid === ev.tgid) {
          const seen = this.#read(ev.tgid);
          if (seen) this.#tracker.exec(seen);
        }
        break;
      case 'comm':
        if (ev.pid === ev.tgid) this.#tracker.commChange(ev.tgid, ev.comm);
        break;
      case 'exit':
        if (ev.pid === ev.tgid) this.#tracker.exit(ev.tgid);
        break;
    }
  }

  #rewatchSoon(s: { n: NativeSockets; fd: number }): void {
    setImmediate(() => {
      if (this.#socket === s && !this.#closed) s.n.watch(s.fd, () => this.#drain());
    });
  }

  #noteSequence(cpu: number, seq: number): void {
    const last = this.#cpuSeq.get(cpu);
    this.#cpuSeq.set(cpu, seq);
    if (last === undefined || this.#cancelRescan || seq === ((last + 1) >>> 0)) return;
    this.#opts.log.info({ cpu }, `Missed ${(seq - last - 1) >>> 0} messages on CPU ${cpu}`);
  }

  /** ENOBUFS: events were dropped. Rescan after a second (a new loss restarts the wait), with a bigger buffer. */
  #eventsLost(): void {
    this.#cancelRescan?.();
    const { clock } = this.#opts;
    this.#cancelRescan = clock.at(clock.nowUs() + RescanAfterLossUs, () => {
      this.#cancelRescan = undefined;
      this.#growReceiveBuffer();
      this.#cpuSeq.clear();
      this.#tracker.rescan(this.#scan());
    });
  }

  #growReceiveBuffer(): void {
    const s = this.#socket;
    if (!s) return;
    const want = this.#rcvBuf * 2;
    try {
      s.n.setsockopt(s.fd, s.n.constants.SOL_SOCKET, s.n.constants.SO_RCVBUF, intOption(want));
    } catch (e) {
      this.#opts.log.info({ err: (e as Error).message }, `Cannot set process monitor SO_RCVBUF option: ${(e as Error).message}`);
      return;
    }
    // the kernel doubles what it is given, up to net.core.rmem_max
    this.#rcvBuf = 2 * Math.min(want, readNumber('/proc/sys/net/core/rmem_max') ?? want);
    this.#opts.log.info(`Setting global_def process_monitor_rcv_bufs to ${want} - recommend updating configuration file`);
  }

  /** A process after an exec, or null when it is already gone (its exit event follows). */
  #read(pid: number): ProcessSighting | null {
    try {
      const comm = this.#reads.comm ? parseComm(readFileSync(`/proc/${pid}/comm`, 'utf8')) : undefined;
      const argv = this.#reads.cmdline ? parseCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8')) : undefined;
      return { pid, comm, argv };
    } catch {
      return null;
    }
  }

  /** Every process in /proc (read_procs): zombies are left out, and processes that vanish while read. */
  #scan(): ProcessSighting[] {
    const out: ProcessSighting[] = [];
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch (e) {
      this.#opts.log.error({ err: (e as Error).message }, `track_process: cannot read /proc: ${(e as Error).message}`);
      return out;
    }
    for (const name of entries) {
      if (!/^[1-9][0-9]*$/.test(name)) continue;
      try {
        const argv = this.#reads.cmdline ? parseCmdline(readFileSync(`/proc/${name}/cmdline`, 'utf8')) : undefined;
        let comm: string | undefined;
        if (this.#reads.comm) {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          const open = stat.indexOf('(');
          const close = stat.lastIndexOf(')');
          if (open < 0 || close < open) continue;
          if (stat[close + 2] === 'Z') continue;
          comm = stat.slice(open + 1, close);
        }
        out.push({ pid: Number(name), comm, argv });
      } catch {
        // gone meanwhile, or not a process directory
      }
    }
    return out;
  }
}

function errorCode(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

function readNumber(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
