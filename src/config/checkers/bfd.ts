/** BFD_CHECK: a bfd_instance's session state drives the real server (keepalived: check/check_bfd.c). */
import { checkerBlock, optionalBool, type CheckerCommon } from './common.js';

export interface BfdCheck extends CheckerCommon {
  type: 'BFD_CHECK';
  name?: string;
}

export const bfdCheck = checkerBlock<{ checkers: unknown[] }, BfdCheck>(
  () => ({ type: 'BFD_CHECK' }),
  {
    name: (c, st, p) => {
      if (st.words.length !== 2) p.error('BFD_CHECK - No or too many names specified');
      else if (c.name !== undefined) p.error(`BFD_CHECK - BFD ${st.words[1]} already specified as ${c.name}`);
      else c.name = st.words[1];
    },
    alpha: optionalBool('alpha'),
  },
  (c, _o, p) => {
    if (c.name === undefined) {
      p.error('No name has been specified for BFD_CHECKER - skipping');
      return false;
    }
    return true;
  },
);
