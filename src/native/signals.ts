/**
 * Numbered signals on the event loop. Node's process.on knows only named signals; keepalived also
 * uses real-time ones (SIGRTMIN+2 asks for the JSON dump, SIGRTMAX-1 for stats and clearing them),
 * which the addon's libuv signal watch catches. SIGRTMIN/SIGRTMAX come from the C library at run
 * time, as keepalived computes them, not from a table.
 */
import { nativeSockets, type NativeSockets } from './index.js';

type SignalAddon = Pick<NativeSockets, 'signalWatch' | 'signalUnwatch' | 'sigrtmin' | 'sigrtmax'>;

/** Linux with glibc, for when the addon is missing (`--signum` works without it). */
export const GlibcSigrtmin = 34;
export const GlibcSigrtmax = 64;

/** SIGRTMIN and SIGRTMAX as the C library reports them; glibc's values when the addon cannot be loaded. */
export function realtimeSignalRange(addon?: Pick<NativeSockets, 'sigrtmin' | 'sigrtmax'>): { min: number; max: number } {
  try {
    const a = addon ?? nativeSockets();
    return { min: a.sigrtmin(), max: a.sigrtmax() };
  } catch {
    return { min: GlibcSigrtmin, max: GlibcSigrtmax };
  }
}

/**
 * keepalived's signal functions as `--signum` names them (lib/signals.c `get_signum()`, with JSON
 * built in and no THREAD_DUMP, as Debian's 2.2.7): name -> signal number on this system.
 */
export function keepalivedSignals(range = realtimeSignalRange()): Readonly<Record<KeepalivedSignalName, number>> {
  return {
    STOP: 15, // SIGTERM
    RELOAD: 1, // SIGHUP
    DATA: 10, // SIGUSR1
    STATS: 12, // SIGUSR2
    STATS_CLEAR: range.max - 1,
    JSON: range.min + 2,
  };
}

export type KeepalivedSignalName = 'STOP' | 'RELOAD' | 'DATA' | 'STATS' | 'STATS_CLEAR' | 'JSON';

const handlers = new Map<number, Set<(signum: number) => void>>();

/**
 * Call `handler(signum)` on the event loop each time `signum` arrives; returns the function that
 * stops it. Several handlers may share a signal; when the last one goes, the signal's disposition
 * returns to what it was (the default action, for a real-time signal: terminate). The watch does
 * not keep the process alive. Throws when the addon is missing or the number cannot be caught
 * (KILL, STOP, the synchronous faults, libc's reserved numbers, out of range).
 */
export function onNumberedSignal(signum: number, handler: (signum: number) => void, addon?: SignalAddon): () => void {
  if (!Number.isInteger(signum)) throw new RangeError(`signal number must be an integer, got ${signum}`);
  const a = addon ?? nativeSockets();
  let set = handlers.get(signum);
  if (!set) {
    const fresh = new Set<(signum: number) => void>();
    a.signalWatch(signum, (n) => {
      // a copy: a handler may unregister itself
      for (const h of [...fresh]) h(n);
    });
    handlers.set(signum, fresh);
    set = fresh;
  }
  // the same function registered twice is two registrations, as with EventEmitter
  const entry = (n: number): void => handler(n);
  set.add(entry);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    const current = handlers.get(signum);
    if (!current) return;
    current.delete(entry);
    if (current.size === 0) {
      handlers.delete(signum);
      a.signalUnwatch(signum);
    }
  };
}
