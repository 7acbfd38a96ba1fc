/**
 * Builders for the many keywords that take one plain value. Each returns a handler that reads
 * the value with keepalived's rules (src/config/values.ts) and stores it under `field` (by
 * default the keyword itself, so the model's field names are keepalived's keyword names).
 */
import { Grade } from '../diagnostics.js';
import type { Handler } from '../parser.js';
import { parseIp, formatIp } from '../address.js';
import { readInt, readOptionalBool, readString, readTimerUs, readUnsigned, readDecimal } from '../values.js';

type Fields = Record<string, unknown>;

function store<T>(target: T, field: string, value: unknown): void {
  (target as Fields)[field] = value;
}

/** A signed integer in [min, max]. */
export function int<T>(min: number, max: number, field?: string): Handler<T> {
  return (t, st, p) => {
    const v = readInt(p, st.words[1], min, max);
    if (v !== null) store(t, field ?? st.words[0]!, v);
  };
}

/** An unsigned integer in [min, max]. */
export function uint<T>(min: number, max: number, field?: string): Handler<T> {
  return (t, st, p) => {
    const v = readUnsigned(p, st.words[1], min, max);
    if (v !== null) store(t, field ?? st.words[0]!, v);
  };
}

/** Seconds with up to microsecond resolution, stored as seconds. */
export function seconds<T>(minSeconds: number, maxSeconds = 2147483647, field?: string): Handler<T> {
  return (t, st, p) => {
    const v = readTimerUs(p, st.words[1], Math.round(minSeconds * 1e6), Math.round(maxSeconds * 1e6));
    if (v !== null) store(t, field ?? st.words[0]!, v / 1e6);
  };
}

/** A decimal with `places` decimals, stored as a number. */
export function decimal<T>(min: number, max: number, places: number, field?: string): Handler<T> {
  const scale = 10 ** places;
  return (t, st, p) => {
    const v = readDecimal(p, st.words[1], Math.round(min * scale), Math.round(max * scale), places);
    if (v !== null) store(t, field ?? st.words[0]!, v / scale);
  };
}

/** A keyword that switches something on, optionally followed by on/off/true/false/yes/no. */
export function flag<T>(field?: string, value = true): Handler<T> {
  return (t, st, p) => {
    const v = readOptionalBool(p, st);
    if (v !== null) store(t, field ?? st.words[0]!, value ? v : !v);
  };
}

/** A keyword that takes no value and sets a field to a fixed value. */
export function set<T>(field: string, value: unknown): Handler<T> {
  return (t) => store(t, field, value);
}

/** One string argument. */
export function str<T>(field?: string): Handler<T> {
  return (t, st, p) => {
    const v = readString(p, st);
    if (v !== null) store(t, field ?? st.words[0]!, v);
  };
}

/** All the arguments as a list of strings. */
export function words<T>(field?: string): Handler<T> {
  return (t, st, p) => {
    if (st.words.length < 2) {
      p.report(Grade.MissingParameter, `${st.words[0]} requires a parameter`);
      return;
    }
    store(t, field ?? st.words[0]!, st.words.slice(1));
  };
}

/** One of a fixed set of words (case-sensitive unless `fold`). */
export function choice<T>(values: readonly string[], field?: string, fold = false): Handler<T> {
  return (t, st, p) => {
    const w = readString(p, st);
    if (w === null) return;
    const found = values.find((v) => (fold ? v.toLowerCase() === w.toLowerCase() : v === w));
    if (found === undefined) p.error(`invalid ${st.words[0]} '${w}' - expected one of ${values.join(', ')}`);
    else store(t, field ?? st.words[0]!, found);
  };
}

/** An IPv4 or IPv6 address, stored in canonical form. */
export function address<T>(field?: string, family?: 'inet' | 'inet6'): Handler<T> {
  return (t, st, p) => {
    const w = readString(p, st);
    if (w === null) return;
    const a = parseIp(w);
    if (!a || (family && a.family !== family)) p.error(`invalid address '${w}' for ${st.words[0]}`);
    else store(t, field ?? st.words[0]!, formatIp(a));
  };
}

/** A script keyword: command, args and optional user/group (registered for the security check). */
export function script<T>(field?: string): Handler<T> {
  return (t, st, p) => {
    const spec = p.readScript(st);
    if (spec) store(t, field ?? st.words[0]!, spec);
  };
}

/** Accepted for compatibility, nothing to store (e.g. keywords of features not built in). */
export function ignored<T>(): Handler<T> {
  return () => undefined;
}

/** Deprecated alias: stores under the current name and says so (keepalived logs this only). */
export function alias<T>(current: string, handler: Handler<T>): Handler<T> {
  return (t, st, p) => {
    p.report(Grade.Info, `${st.words[0]} is deprecated - please use ${current}`);
    handler(t, { ...st, words: [current, ...st.words.slice(1)] }, p);
  };
}
