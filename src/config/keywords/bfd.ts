/**
 * `bfd_instance NAME { }` (keepalived: bfd/bfd_parser.c). Times are in milliseconds, as the
 * keywords take them.
 */
import { block, type Handler, type KeywordTable, type Parser } from '../parser.js';
import type { Statement } from '../reader.js';
import type { KeepalivedConfig } from '../model.js';
import { formatIp, parseIp } from '../address.js';
import { readDecimal, readInt, readUnsigned } from '../values.js';

export interface BfdInstance {
  name: string;
  neighbor_ip?: string;
  source_ip?: string;
  /** Milliseconds. */
  min_rx: number;
  min_tx: number;
  idle_tx: number;
  multiplier: number;
  passive: boolean;
  ttl?: number;
  max_hops?: number;
  /** Weight applied to tracking VRRP instances. */
  weight: number;
  weight_reverse: boolean;
  vrrp: boolean;
  checker: boolean;
}

type B = BfdInstance;

/** The block stops being read after a malformed neighbor address (keepalived skip_block()). */
const discarded = new WeakSet<B>();

function address(field: 'neighbor_ip' | 'source_ip'): Handler<B> {
  return (b, st, p) => {
    if (discarded.has(b)) return;
    const w = st.words[1] ?? p.missingParameter();
    const a = parseIp(w);
    if (a) b[field] = formatIp(a);
    else if (field === 'source_ip') p.error(`Configuration error: BFD instance ${b.name} has malformed source address ${w}, ignoring`);
    else {
      p.error(`Configuration error: BFD instance ${b.name} has malformed neighbor address ${w}, ignoring instance`);
      discarded.add(b);
    }
  };
}

/** UINT32_MAX / 1000: the largest interval, in milliseconds. */
const IntervalMaxMs = 4294967;

/** An interval in milliseconds with up to 3 decimals (read as microseconds), stored in ms. */
function ms(field: 'min_rx' | 'min_tx' | 'idle_tx', minMs: number): Handler<B> {
  return (b, st, p) => {
    if (discarded.has(b)) return;
    const us = readDecimal(p, st.words[1], minMs * 1000, IntervalMaxMs * 1000, 3);
    if (us === null) p.error(`Configuration error: BFD instance ${b.name} ${field} value ${st.words[1]} is not valid (must be in range [${minMs}-${IntervalMaxMs}]), ignoring`);
    else b[field] = us / 1000;
  };
}

function ttl(b: B, st: Statement, p: Parser): void {
  if (discarded.has(b)) return;
  const n = readUnsigned(p, st.words[1], 1, 255);
  if (n === null) p.error(`Configuration error: BFD instance ${b.name} ttl/hoplimit value ${st.words[1]} not valid (must be in range [1-255]), ignoring`);
  else b.ttl = n;
}

const bfdKeywords: KeywordTable<B> = {
  source_ip: address('source_ip'),
  neighbor_ip: address('neighbor_ip'),
  neighbour_ip: address('neighbor_ip'),
  min_rx: ms('min_rx', 1),
  min_tx: ms('min_tx', 1),
  idle_tx: ms('idle_tx', 1000),
  multiplier: (b, st, p) => {
    if (discarded.has(b)) return;
    const n = readUnsigned(p, st.words[1], 1, 255);
    if (n === null) p.error(`Configuration error: BFD instance ${b.name} multiplier value ${st.words[1]} not valid (must be in range [1-255]), ignoring`);
    else b.multiplier = n;
  },
  passive: (b) => {
    if (!discarded.has(b)) b.passive = true;
  },
  ttl,
  hoplimit: ttl,
  max_hops: (b, st, p) => {
    if (discarded.has(b)) return;
    const n = readInt(p, st.words[1], -1, 255);
    if (n === null) p.error(`Configuration error: BFD instance ${b.name} max_hops value ${st.words[1]} not valid (must be in range [-1-255]), ignoring`);
    else b.max_hops = n;
  },
  weight: (b, st, p) => {
    if (discarded.has(b)) return;
    const n = readInt(p, st.words[1], -253, 253);
    if (n === null) p.error(`Configuration error: BFD instance ${b.name} weight value ${st.words[1]} not valid (must be in range [-253-253]), ignoring`);
    else b.weight = n;
    if (st.words[2] !== undefined) {
      if (st.words[2] === 'reverse') b.weight_reverse = true;
      else p.error(`Configuration error: BFD instance ${b.name} unknown weight option ${st.words[2]}`);
    }
  },
  vrrp: (b) => {
    if (!discarded.has(b)) b.vrrp = true;
  },
  checker: (b) => {
    if (!discarded.has(b)) b.checker = true;
  },
};

export const bfdRootKeywords: KeywordTable<KeepalivedConfig> = {
  bfd_instance: block(
    (c, st, p) => {
      const name = st.words[1];
      if (name === undefined) {
        p.error('bfd_instance requires a name');
        return null;
      }
      if (name.length >= 32) {
        p.error(`Configuration error: BFD instance ${name} name too long (maximum length is 31 characters) - ignoring`);
        return null;
      }
      if (c.bfd_instance.some((b) => b.name === name)) {
        p.error(`Configuration error: BFD instance ${name} already configured - ignoring`);
        return null;
      }
      const b: B = { name, min_rx: 10, min_tx: 10, idle_tx: 1000, multiplier: 5, passive: false, weight: 0, weight_reverse: false, vrrp: false, checker: false };
      c.bfd_instance.push(b);
      return b;
    },
    bfdKeywords,
    (b, c, p) => {
      const drop = (): void => {
        c.bfd_instance.splice(c.bfd_instance.indexOf(b), 1);
      };
      if (discarded.has(b)) {
        drop();
        return;
      }
      if (b.neighbor_ip === undefined) {
        p.error(`Configuration error: BFD instance ${b.name} has no neighbor address set, disabling instance`);
        drop();
        return;
      }
      if (b.source_ip !== undefined && parseIp(b.source_ip)?.family !== parseIp(b.neighbor_ip)?.family) {
        p.error(
          `Configuration error: BFD instance ${b.name} source address ${b.source_ip} and neighbor address ${b.neighbor_ip} are not of the same family, disabling instance`,
        );
        drop();
        return;
      }
      const twin = c.bfd_instance.find((o) => o !== b && o.neighbor_ip === b.neighbor_ip && o.source_ip === b.source_ip);
      if (twin) {
        p.error(
          b.source_ip !== undefined
            ? `Configuration error: BFD instance ${b.name} has duplicate source/neighbor address ${b.source_ip}/${b.neighbor_ip}, ignoring instance`
            : `Configuration error: BFD instance ${b.name} has duplicate neighbor address ${b.neighbor_ip}, ignoring instance`,
        );
        drop();
        return;
      }
      const ttlDefault = parseIp(b.neighbor_ip)?.family === 'inet' ? 255 : 64;
      if (b.max_hops !== undefined && b.max_hops > (b.ttl ?? ttlDefault)) {
        p.error(`BFD instance ${b.name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`);
        b.max_hops = b.ttl ?? ttlDefault;
      }
      if (!b.vrrp && !b.checker) {
        b.vrrp = true;
        b.checker = true;
      }
    },
  ),
};
