/**
 * What one health check is to the pool: a probe. Each checker kind (one module each in this
 * folder) turns its configuration into a Probe; the pool runs probes on their schedule and the
 * checker state machine (./checker-state.ts) turns results into up and down.
 */
import type { CheckerCommon } from '../config/checkers/common.js';

/** Where a checker connects (keepalived: the checker's co: connect_ip/port, else the real server's). */
export interface ProbeTarget {
  /** connect_ip, else the real server's address. */
  address: string;
  /** connect_port, else the real server's port (0 for fwmark services without a port). */
  port: number;
  /** bindto / bind_port: the local end. */
  bindAddress?: string;
  bindPort?: number;
  /** bind_if: needed for IPv6 link-local targets. */
  bindInterface?: string;
  /** fwmark: SO_MARK on the checker's socket (TCP_CHECK sets it; Node.js sockets cannot). */
  fwmark?: number;
  /** connect_timeout in ms: the whole check, connect to verdict, must end within it. */
  timeoutMs: number;
}

export interface ProbeResult {
  ok: boolean;
  /** Why it failed (or what it saw when it passed), for the log: "connection refused", "status 503". */
  reason: string;
  /** MISC_CHECK with misc_dynamic: the weight the exit code asks for (replaces the configured one). */
  weight?: number;
  /** FILE_CHECK: added to the real server's weight (the file's value times the checker's weight). */
  weightDelta?: number;
}

/**
 * One check. Must settle (never reject) within the target's timeout plus a little, and must
 * release every socket, timer and child it made, whatever the peer does. `signal` aborts it
 * early (shutdown, reload).
 */
export type Probe = (signal: AbortSignal) => Promise<ProbeResult>;

export const passed = (reason = 'ok'): ProbeResult => ({ ok: true, reason });
export const failed = (reason: string): ProbeResult => ({ ok: false, reason });

/** The target of a checker on a real server (keepalived's checker connection options). */
export function probeTarget(check: CheckerCommon, rs: { ip: string; port: number }): ProbeTarget {
  return {
    address: check.connect_ip ?? rs.ip,
    port: check.connect_port ?? rs.port,
    ...(check.bindto !== undefined ? { bindAddress: check.bindto } : {}),
    ...(check.bind_port !== undefined ? { bindPort: check.bind_port } : {}),
    ...(check.bind_if !== undefined ? { bindInterface: check.bind_if } : {}),
    ...(check.fwmark !== undefined ? { fwmark: check.fwmark } : {}),
    timeoutMs: Math.max(1, Math.round((check.connect_timeout ?? 5) * 1000)),
  };
}

/** A short reason from a Node.js socket error: "connection refused (ECONNREFUSED)". */
export function socketErrorReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'timed out',
    EADDRNOTAVAIL: 'local address not available',
    EPIPE: 'connection closed',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  return code ? `${(e as Error).message}` : String((e as Error)?.message ?? e);
}

// one 'abort' listener per signal (the pool gives every probe the same one), not one per check:
// EventTarget listeners are costly to add and remove tens of thousands of times a second
const abortWatchers = new WeakMap<AbortSignal, Set<() => void>>();

/** Call `fn` when `signal` aborts; returns the function that stops watching. */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  let watchers = abortWatchers.get(signal);
  if (!watchers) {
    const set = new Set<() => void>();
    watchers = set;
    abortWatchers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const f of [...set]) f();
        set.clear();
      },
      { once: true },
    );
  }
  const set = watchers;
  set.add(fn);
  return () => void set.delete(fn);
}

/**
 * A timeout's verdict, given only after the event loop has polled once more: Node.js runs
 * timers before it reads sockets, so under load an answer that came in time may still sit
 * unread when the timer fires. A check must never fail because the checker was busy.
 */
export function finalLook(verdict: () => void): void {
  setImmediate(verdict);
}

/** One check in progress: `finish` settles it (once; later calls are ignored). */
export interface ProbeRun {
  finish(result: ProbeResult): void;
  readonly done: boolean;
}

/**
 * The frame every socket probe shares: the check settles exactly once, at the latest when
 * `timeoutMs` is up (with `onTimeout()`) or when `signal` aborts, and whatever ended it, the
 * `release` function `start` returned runs first (sockets destroyed, descriptors closed).
 */
export function runBounded(
  signal: AbortSignal,
  timeoutMs: number,
  onTimeout: () => ProbeResult,
  start: (run: ProbeRun) => (() => void) | void,
): Promise<ProbeResult> {
  if (signal.aborted) return Promise.resolve(failed('aborted'));
  return new Promise<ProbeResult>((resolve) => {
    let done = false;
    let pending: ProbeResult | null = null;
    let release: (() => void) | void = undefined;
    let starting = true;
    const settle = (r: ProbeResult): void => {
      clearTimeout(timer);
      unwatch();
      try {
        release?.();
      } catch {
        // releasing must never stop the verdict
      }
      resolve(r);
    };
    const run: ProbeRun = {
      finish(r) {
        if (done) return;
        done = true;
        // a verdict reached while starting waits until `start` has handed over its release
        if (starting) pending = r;
        else settle(r);
      },
      get done() {
        return done;
      },
    };
    const timer = setTimeout(() => finalLook(() => run.finish(onTimeout())), timeoutMs);
    const unwatch = whenAborted(signal, () => run.finish(failed('aborted')));
    try {
      release = start(run);
    } catch (e) {
      run.finish(failed(socketErrorReason(e)));
    }
    starting = false;
    if (pending) settle(pending);
  });
}
