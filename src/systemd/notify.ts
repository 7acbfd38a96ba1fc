/**
 * sd_notify(3) without libsystemd: state datagrams to $NOTIFY_SOCKET (a unix datagram socket,
 * which Node.js cannot open: the native addon does it) for a Type=notify / notify-reload unit, and
 * the watchdog keep-alive when the unit sets WatchdogSec=. Without NOTIFY_SOCKET every method does
 * nothing. Sending never throws: the first failure is reported through `onError`, later ones are
 * counted silently (systemd gone, or a stale variable, would otherwise log at every watchdog tick).
 */
import { endianness } from 'node:os';
import { nativeSockets, type NativeSockets } from '../native/index.js';

type NotifyAddon = Pick<NativeSockets, 'socket' | 'sendto' | 'close' | 'constants'>;

export interface SystemdNotifierOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read; default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Remove those variables from `env` once read (sd_notify's unset_environment), so that notify
   * and check scripts do not inherit them. keepalived does this in its child processes.
   */
  unsetEnvironment?: boolean;
  /** Called once, at the first failure to set up or send. */
  onError?: (message: string) => void;
  pid?: number;
  /** CLOCK_MONOTONIC in µs, for RELOADING's MONOTONIC_USEC; default process.hrtime (that clock). */
  monotonicUs?: () => bigint;
  addon?: NotifyAddon;
}

/** sizeof(sockaddr_un.sun_path) on Linux. */
const SunPathMax = 108;

/** sockaddr_un bytes for a NOTIFY_SOCKET value: a path, or `@name` for the abstract namespace. */
export function notifySocketAddress(value: string, afUnix = 1): Buffer {
  const abstract = value.startsWith('@');
  if (!abstract && !value.startsWith('/')) throw new Error(`NOTIFY_SOCKET '${value}' is neither an absolute path nor @abstract`);
  const name = Buffer.from(abstract ? value.slice(1) : value, 'utf8');
  // a path ends with a NUL; an abstract name is a leading NUL plus exactly its bytes
  const pathLen = name.length + 1;
  if (pathLen > SunPathMax) throw new Error(`NOTIFY_SOCKET '${value}' is longer than a unix socket address allows`);
  const addr = Buffer.alloc(2 + pathLen);
  if (endianness() === 'LE') addr.writeUInt16LE(afUnix, 0);
  else addr.writeUInt16BE(afUnix, 0);
  name.copy(addr, abstract ? 3 : 2);
  return addr;
}

export class SystemdNotifier {
  /** The NOTIFY_SOCKET value, or undefined when not run by systemd as a notify service. */
  readonly socketPath: string | undefined;
  /** WatchdogSec= in µs when the watchdog applies to this process; the pings go every half of it. */
  readonly watchdogUs: number | undefined;
  /** Sends that failed (the first is also reported through onError). */
  failures = 0;

  private readonly pid: number;
  private readonly onError: (message: string) => void;
  private readonly monotonicUs: () => bigint;
  private readonly addonOverride: NotifyAddon | undefined;
  private address: Buffer | null = null;
  private fd = -1;
  private closed = false;
  private watchdogTimer: NodeJS.Timeout | null = null;

  constructor(options: SystemdNotifierOptions = {}) {
    const env = options.env ?? process.env;
    this.pid = options.pid ?? process.pid;
    this.onError = options.onError ?? (() => undefined);
    this.monotonicUs = options.monotonicUs ?? (() => process.hrtime.bigint() / 1000n);
    this.addonOverride = options.addon;
    const socket = env.NOTIFY_SOCKET;
    this.socketPath = socket === undefined || socket === '' ? undefined : socket;
    const usec = Number(env.WATCHDOG_USEC);
    const watchdogPid = env.WATCHDOG_PID;
    // WATCHDOG_PID names the process the watchdog is for: not us when it is another (our parent's)
    const forUs = watchdogPid === undefined || watchdogPid === '' || Number(watchdogPid) === this.pid;
    this.watchdogUs = this.socketPath !== undefined && forUs && Number.isSafeInteger(usec) && usec > 0 ? usec : undefined;
    if (options.unsetEnvironment) {
      delete env.NOTIFY_SOCKET;
      delete env.WATCHDOG_USEC;
      delete env.WATCHDOG_PID;
    }
  }

  get enabled(): boolean {
    return this.socketPath !== undefined && !this.closed;
  }

  /** Start-up (or a reload) is complete: READY=1, MAINPID, and a STATUS line if given. */
  ready(status?: string): void {
    this.send(['READY=1', `MAINPID=${this.pid}`, ...statusLine(status)]);
  }

  /**
   * A reload begins (send ready() when it is done). MONOTONIC_USEC is what systemd 253+ requires
   * with Type=notify-reload to match the message to its reload request; older ones ignore it.
   */
  reloading(status?: string): void {
    this.send(['RELOADING=1', `MONOTONIC_USEC=${this.monotonicUs()}`, ...statusLine(status)]);
  }

  /** A free-form status line for `systemctl status`. */
  status(text: string): void {
    this.send(statusLine(text));
  }

  /** A graceful stop begins. */
  stopping(status?: string): void {
    this.send(['STOPPING=1', ...statusLine(status)]);
  }

  /** The daemon is failing with this errno (keepalived sends EPERM or EINVAL as it exits on an error). */
  errno(code: number, status?: string): void {
    this.send([`ERRNO=${code}`, ...statusLine(status)]);
  }

  /** One keep-alive (the timer of startWatchdog sends them by itself). */
  watchdog(): void {
    this.send(['WATCHDOG=1']);
  }

  /**
   * Send WATCHDOG=1 every WATCHDOG_USEC/2 until stopWatchdog() or close(), on an unref'd timer
   * (the pings must stop when the event loop does: that is what the watchdog detects). Does
   * nothing when no watchdog applies; idempotent.
   */
  startWatchdog(): void {
    if (this.watchdogUs === undefined || this.watchdogTimer || !this.enabled) return;
    this.watchdog();
    const periodMs = Math.max(1, Math.floor(this.watchdogUs / 2000));
    this.watchdogTimer = setInterval(() => this.watchdog(), periodMs);
    this.watchdogTimer.unref();
  }

  stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
  }

  /** Stop the watchdog and close the socket; later calls do nothing. */
  close(): void {
    this.stopWatchdog();
    this.closed = true;
    if (this.fd >= 0) {
      try {
        this.addon().close(this.fd);
      } catch {
        // closing a datagram socket cannot usefully fail
      }
      this.fd = -1;
    }
  }

  private addon(): NotifyAddon {
    return this.addonOverride ?? nativeSockets();
  }

  private send(lines: string[]): void {
    if (!this.enabled || lines.length === 0) return;
    try {
      const addon = this.addon();
      if (this.fd < 0) {
        this.address ??= notifySocketAddress(this.socketPath!, addon.constants.AF_UNIX);
        this.fd = addon.socket(addon.constants.AF_UNIX, addon.constants.SOCK_DGRAM, 0);
      }
      const sent = addon.sendto(this.fd, Buffer.from(lines.join('\n'), 'utf8'), this.address, 0);
      if (sent < 0) throw new Error("the service manager's queue is full");
    } catch (e) {
      this.failures++;
      if (this.failures === 1) this.onError(`systemd notification to ${this.socketPath} failed: ${(e as Error).message}`);
    }
  }
}

function statusLine(status: string | undefined): string[] {
  // one datagram, one assignment per line: a newline would start another
  return status === undefined ? [] : [`STATUS=${status.replace(/\n/g, ' ')}`];
}
