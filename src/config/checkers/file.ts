/** FILE_CHECK: a track_file's value sets the real server's weight (keepalived: check/check_file.c). */
import { readInt } from '../values.js';
import { checkerBlock, checkerContext, type CheckerCommon } from './common.js';

export interface FileCheck extends CheckerCommon {
  type: 'FILE_CHECK';
  track_file?: string;
  /** Unset: the track_file's own weight and `reverse` apply. */
  weight?: number;
  weight_reverse: boolean;
}

export const fileCheck = checkerBlock<{ checkers: unknown[] }, FileCheck>(
  () => ({ type: 'FILE_CHECK', weight_reverse: false }),
  {
    track_file: (c, st, p) => {
      const name = st.words[1];
      // keepalived resolves the name against track_file blocks read so far.
      if (name === undefined || !checkerContext.get(c)?.trackFileNames().includes(name)) p.error(`track_file ${name ?? ''} not found`);
      else c.track_file = name;
    },
    weight: (c, st, p) => {
      if (st.words[1] === undefined) {
        p.error('track file weight missing');
        return;
      }
      const n = readInt(p, st.words[1], -254, 254);
      if (n === null) {
        p.error('weight for track file must be in [-254, 254]');
        return;
      }
      c.weight = n;
      if (st.words[2] === 'reverse') c.weight_reverse = true;
      else if (st.words[2] !== undefined) p.error(`unknown track file weight option ${st.words[2]} - ignoring`);
    },
  },
  (c, _o, p) => {
    if (c.track_file === undefined) {
      p.error('FILE_CHECK has no track_file specified - ignoring');
      return false;
    }
    return true;
  },
);
