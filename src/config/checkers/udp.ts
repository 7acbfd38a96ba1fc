/** UDP_CHECK: send a datagram, optionally require a reply (keepalived: check/check_udp.c). */
import { readUnsigned } from '../values.js';
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';

export interface UdpCheck extends CheckerCommon {
  type: 'UDP_CHECK';
  /** Payload bytes as lower-case hex. */
  payload?: string;
  /** `true` for any reply, or the bytes the reply must start with. */
  require_reply?: HexPattern | true;
  min_reply_length: number;
  max_reply_length: number;
}

/** Reply bytes as lower-case hex; `mask` (same length) has 'f' nibbles where `X` matched anything. */
export interface HexPattern {
  data: string;
  mask?: string;
}

/**
 * keepalived's hex strings: runs of digits with optional spaces; each byte is two digits, or
 * one digit when a space or the end follows it. With `wildcards`, `X` stands for any nibble.
 * Returns null for an invalid or empty string.
 */
export function readHexString(text: string, wildcards: boolean): HexPattern | null {
  let data = '';
  let mask = '';
  let masked = false;
  const nibble = (ch: string): [string, string] | null => {
    if (/^[0-9a-fA-F]$/.test(ch)) return [ch.toLowerCase(), '0'];
    if (wildcards && (ch === 'X' || ch === 'x')) return ['0', 'f'];
    return null;
  };
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ' || text[i] === '\t') {
      i++;
      continue;
    }
    const hi = nibble(text[i++]!);
    if (!hi) return null;
    let byte: [string, string] = ['0' + hi[0], '0' + hi[1]];
    if (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      const lo = nibble(text[i++]!);
      if (!lo) return null;
      byte = [hi[0] + lo[0], hi[1] + lo[1]];
    }
    if (byte[1] !== '00') masked = true;
    data += byte[0];
    mask += byte[1];
  }
  if (data === '') return null;
  return masked ? { data, mask } : { data };
}

export const udpCheck = checkerBlock<{ checkers: unknown[] }, UdpCheck>(
  // keepalived's default longest reply is UINT8_MAX
  () => ({ type: 'UDP_CHECK', min_reply_length: 0, max_reply_length: 255 }),
  {
    ...commonCheckerKeywords<UdpCheck>(),
    payload: (c, st, p) => {
      if (st.words.length < 2) return p.error('UDP_CHECK payload requires a payload');
      const bytes = readHexString(st.words.slice(1).join(' '), false);
      if (!bytes) p.error('Invalid hex string for UDP_CHECK payload');
      else c.payload = bytes.data;
    },
    require_reply: (c, st, p) => {
      c.require_reply = true;
      if (st.words.length < 2) return;
      const bytes = readHexString(st.words.slice(1).join(' '), true);
      if (!bytes) p.error('Invalid hex string for UDP_CHECK reply');
      else c.require_reply = bytes;
    },
    min_reply_length: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 0, 65535);
      if (n === null) p.error(`UDP_CHECK min length ${st.words[1] ?? ''} not valid - must be between 0 & 65535`);
      else c.min_reply_length = n;
    },
    max_reply_length: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 0, 65535);
      if (n === null) p.error(`UDP_CHECK max length ${st.words[1] ?? ''} not valid - must be between 0 & 65535`);
      else c.max_reply_length = n;
    },
  },
  (c, _o, p) => {
    if (c.min_reply_length > c.max_reply_length) {
      p.error(`UDP_CHECK min_reply length ${c.min_reply_length} > max_reply_length ${c.max_reply_length} - will always fail`);
    }
    return true;
  },
);
