/**
 * `bfd_instance NAME { }` (keepalived: bfd/bfd_parser.c). Times are in milliseconds, as the
 * keywords take them.
 */
import { block, type Handler, type KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { formatIp, parseIp } from '../address.js';
import { readInt, readUnsigned } from '../values.js';

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

function address(field: 'neighbor_ip' | 'source_ip'): Handler<B> {
  return (b, st, p) => {
    const a = st.words[1] === undefined ? null : parseIp(st.words[1]);
    if (!a) p.error(`Configuration error: BFD instance ${b.name} has malformed ${field.replace('_ip', '')} address ${st.words[1] ?? ''}, ignoring`);
    else b[field] = formatIp(a);
  };
}

function ms(field: 'min_rx' | 'min_tx' | 'idle_tx', max: number): Handler<B> {
  return (b, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, max);
    if (n === null) p.error(`Configuration error: BFD instance ${b.name} ${field} value ${st.words[1] ?? ''} is not valid (must be in range [1-${max}]), ignoring`);
    else b[field] = n;
  };
}

const bfdKeywords: KeywordTable<B> = {
  source_ip: address('source_ip'),
  neighbor_ip: address('neighbor_ip'),
  neighbour_ip: address('neighbor_ip'),
  min_rx: ms('min_rx', 1000000),
  min_tx: ms('min_tx', 1000000),
  idle_tx: ms('idle_tx', 1000000),
  multiplier: (b, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 255);
    if (n === null) p.error(`Configuration error: BFD instance ${b.name} multiplier value ${st.words[1] ?? ''} not valid (must be in range [1-255]), ignoring`);
    else b.multiplier = n;
  },
  passive: (b) => {
    b.passive = true;
  },
  ttl: (b, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 255);
    if (n !== null) b.ttl = n;
  },
  hoplimit: (b, st, p) => {
    const n = readUnsigned(p, st.words[1], 1, 255);
    if (n !== null) b.ttl = n;
  },
  max_hops: (b, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 255);
    if (n !== null) b.max_hops = n;
  },
  weight: (b, st, p) => {
    const n = readInt(p, st.words[1], -253, 253);
    if (n === null) p.error(`Configuration error: BFD instance ${b.name} weight ${st.words[1] ?? ''} not valid (must be in range [-253-253]), ignoring`);
    else b.weight = n;
    if (st.words[2] === 'reverse') b.weight_reverse = true;
  },
  vrrp: (b) => {
    b.vrrp = true;
  },
  checker: (b) => {
    b.checker = true;
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
        p.error(`BFD name ${name} too long`);
        return null;
      }
      if (c.bfd_instance.some((b) => b.name === name)) {
        p.error(`BFD instance ${name} already configured`);
        return null;
      }
      const b: B = { name, min_rx: 10, min_tx: 10, idle_tx: 1000, multiplier: 5, passive: false, weight: 0, weight_reverse: false, vrrp: false, checker: false };
      c.bfd_instance.push(b);
      return b;
    },
    bfdKeywords,
    (b, c, p) => {
      if (b.neighbor_ip === undefined) {
        p.error(`Configuration error: BFD instance ${b.name} has no neighbor_ip, disabling instance`);
        c.bfd_instance.splice(c.bfd_instance.indexOf(b), 1);
      } else if (b.source_ip !== undefined && parseIp(b.source_ip)?.family !== parseIp(b.neighbor_ip)?.family) {
        p.error(`Configuration error: BFD instance ${b.name} source address and neighbor address families differ, ignoring source address`);
        delete b.source_ip;
      }
      if (!b.vrrp && !b.checker) {
        b.vrrp = true;
        b.checker = true;
      }
    },
  ),
};
