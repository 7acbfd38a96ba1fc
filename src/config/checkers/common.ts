/**
 * Options every checker block accepts (keepalived: check/check_api.c
 * `install_checker_common_keywords()`), and the checker's owner types.
 */
import { formatIp, parseIp } from '../address.js';
import { block, type Handler, type KeywordTable, type Parser } from '../parser.js';
import { parseBool, readUnsigned, readTimerUs } from '../values.js';
import type { Statement } from '../reader.js';

export interface CheckerCommon {
  connect_ip?: string;
  connect_port?: number;
  bindto?: string;
  bind_port?: number;
  bind_if?: string;
  /** Seconds. */
  connect_timeout?: number;
  fwmark?: number;
  retry?: number;
  /** Seconds. */
  delay_before_retry?: number;
  warmup?: number;
  delay_loop?: number;
  alpha?: boolean;
  log_all_failures?: boolean;
}

/** The virtual_server settings a checker inherits when it does not set them itself. */
export interface CheckerVirtualServer {
  delay_loop: number;
  connect_timeout?: number;
  retry?: number;
  delay_before_retry?: number;
  warmup?: number;
  alpha: boolean;
}

/** The real_server settings a checker inherits (they override the virtual server's). */
export interface CheckerRealServer {
  ip: string;
  port: number;
  connect_timeout?: number;
  retry?: number;
  delay_before_retry?: number;
  warmup?: number;
  delay_loop?: number;
  alpha?: boolean;
}

function seconds<T extends CheckerCommon>(field: 'connect_timeout' | 'delay_before_retry' | 'warmup' | 'delay_loop', minUs: number): Handler<T> {
  return (c, st, p) => {
    const us = readTimerUs(p, st.words[1], minUs);
    if (us === null) p.error(`${field} '${st.words[1] ?? ''}' invalid - ignoring`);
    else c[field] = us / 1e6;
  };
}

export function commonCheckerKeywords<T extends CheckerCommon>(): KeywordTable<T> {
  return {
    connect_ip: (c, st, p) => {
      const a = st.words[1] === undefined ? null : parseIp(st.words[1]);
      if (!a) p.error(`Invalid connect_ip address ${st.words[1] ?? ''} - ignoring`);
      else c.connect_ip = formatIp(a);
    },
    connect_port: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 1, 65535);
      if (n === null) p.error(`Invalid checker connect_port '${st.words[1] ?? ''}'`);
      else c.connect_port = n;
    },
    bindto: (c, st, p) => {
      const a = st.words[1] === undefined ? null : parseIp(st.words[1]);
      if (!a) p.error(`Invalid bindto address ${st.words[1] ?? ''} - ignoring`);
      else c.bindto = formatIp(a);
    },
    bind_port: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 1, 65535);
      if (n === null) p.error(`Invalid checker bind_port '${st.words[1] ?? ''}'`);
      else c.bind_port = n;
    },
    bind_if: (c, st, p) => {
      if (st.words[1] === undefined) p.error('bind_if requires an interface name');
      else c.bind_if = st.words[1];
    },
    connect_timeout: seconds('connect_timeout', 1),
    fwmark: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 0, 4294967295);
      if (n === null) p.error(`Invalid fwmark '${st.words[1] ?? ''}' specified`);
      else c.fwmark = n;
    },
    retry: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 0, 4294967295);
      if (n === null) p.error(`retry value invalid - ${st.words[1] ?? ''}`);
      else c.retry = n;
    },
    delay_before_retry: seconds('delay_before_retry', 0),
    warmup: seconds('warmup', 0),
    delay_loop: seconds('delay_loop', 1),
    alpha: optionalBool('alpha'),
    log_all_failures: optionalBool('log_all_failures'),
  };
}

export function optionalBool<T>(field: string): Handler<T> {
  return (c, st, p) => {
    const w = st.words[1];
    const b = w === undefined ? true : parseBool(w);
    if (b === null) p.error(`Invalid ${field} parameter ${w}`);
    else (c as Record<string, unknown>)[field] = b;
  };
}

/** What checker keywords may look up in the rest of the configuration (e.g. track_file names). */
export interface CheckerContext {
  trackFileNames(): readonly string[];
}

/** Context by owner (real server) and by checker; set by the real_server block. */
export const checkerContext = new WeakMap<object, CheckerContext>();

/** A checker block: creates the checker, reads its keywords, runs `close` at its `}`. */
export function checkerBlock<O extends { checkers: unknown[] }, C>(
  make: (owner: O, st: Statement, p: Parser) => C,
  table: KeywordTable<C>,
  close?: (checker: C, owner: O, p: Parser) => boolean,
): Handler<O> {
  return block<O, C>(
    (owner, st, p) => {
      const c = make(owner, st, p);
      const context = checkerContext.get(owner);
      if (context && typeof c === 'object' && c !== null) checkerContext.set(c, context);
      owner.checkers.push(c);
      return c;
    },
    table,
    (c, owner, p) => {
      if (close && !close(c, owner, p)) owner.checkers.splice(owner.checkers.indexOf(c), 1);
    },
  );
}

/** Fills inherited settings: checker, then real server, then virtual server, then keepalived's default. */
/** @param defaults the checker kind's own retry and delay_before_retry (null: its delay_loop) */
export function inheritCommon(c: CheckerCommon, rs: CheckerRealServer, vs: CheckerVirtualServer, defaults: { retry: number; delayBeforeRetry: number | null }): void {
  c.connect_timeout ??= rs.connect_timeout ?? vs.connect_timeout ?? 5;
  c.retry ??= rs.retry ?? vs.retry ?? defaults.retry;
  c.delay_loop ??= rs.delay_loop ?? vs.delay_loop;
  c.delay_before_retry ??= rs.delay_before_retry ?? vs.delay_before_retry ?? defaults.delayBeforeRetry ?? c.delay_loop;
  c.warmup ??= rs.warmup ?? vs.warmup ?? c.delay_loop;
  c.alpha ??= rs.alpha ?? vs.alpha;
  c.log_all_failures ??= false;
}
