/** UDP_CHECK: send a datagram, optionally require a reply (keepalived: check/check_udp.c). */
import { readUnsigned } from '../values.js';
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';

export interface UdpCheck extends CheckerCommon {
  type: 'UDP_CHECK';
  /** Hex string as written. */
  payload?: string;
  require_reply?: string | true;
  min_reply_length: number;
  max_reply_length: number;
}

const hex = /^([0-9a-fA-F]{2})+$/;

export const udpCheck = checkerBlock<{ checkers: unknown[] }, UdpCheck>(
  () => ({ type: 'UDP_CHECK', min_reply_length: 0, max_reply_length: 65535 }),
  {
    ...commonCheckerKeywords<UdpCheck>(),
    payload: (c, st, p) => {
      const h = st.words.slice(1).join('');
      if (h === '') p.error('UDP_CHECK payload requires a payload');
      else if (!hex.test(h)) p.error('Invalid hex string for UDP_CHECK payload');
      else c.payload = h.toLowerCase();
    },
    require_reply: (c, st, p) => {
      const h = st.words.slice(1).join('');
      if (h === '') c.require_reply = true;
      else if (!hex.test(h)) p.error('Invalid hex string for UDP_CHECK reply');
      else c.require_reply = h.toLowerCase();
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
