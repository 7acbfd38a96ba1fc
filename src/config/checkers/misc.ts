/** MISC_CHECK: an external script decides (keepalived: check/check_misc.c). */
import type { ScriptSpec } from '../parser.js';
import { readUnsigned } from '../values.js';
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';
import { commandString, defaultScriptUserFails } from '../validate/script-user.js';

export interface MiscCheck extends CheckerCommon {
  type: 'MISC_CHECK';
  misc_path?: ScriptSpec;
  /** Seconds; defaults to the checker's delay_loop. */
  misc_timeout?: number;
  /** Exit codes 2..255 set the weight to code - 2. */
  misc_dynamic: boolean;
  user?: { user: string; group?: string };
}

export const miscCheck = checkerBlock<{ checkers: unknown[] }, MiscCheck>(
  () => ({ type: 'MISC_CHECK', misc_dynamic: false }),
  {
    ...commonCheckerKeywords<MiscCheck>(),
    misc_path: (c, st, p) => {
      if (c.misc_path) {
        p.error('MISC_CHECK misc_path already specified - ignoring');
        return;
      }
      const spec = p.readScript(st);
      if (spec) c.misc_path = spec;
    },
    misc_timeout: (c, st, p) => {
      const n = readUnsigned(p, st.words[1], 0, 4294);
      if (n === null) p.error(`Invalid misc_timeout value '${st.words[1] ?? ''}'`);
      else c.misc_timeout = n;
    },
    misc_dynamic: (c) => {
      c.misc_dynamic = true;
    },
    user: (c, st, p) => {
      const user = st.words[1];
      const group = st.words[2];
      if (user === undefined || !p.host.lookupUser(user) || (group !== undefined && !p.host.lookupGroup(group))) {
        p.error(`Unable to set uid/gid for MISC_CHECK script ${c.misc_path?.command ?? ''} - removing`);
        return;
      }
      c.user = group === undefined ? { user } : { user, group };
    },
  },
  (c, _owner, p) => {
    if (!c.misc_path) {
      p.error('No script path has been specified for MISC_CHECKER - skipping');
      return false;
    }
    // keepalived (misc_end_handler): without a `user`, the default script user must be settable
    if (!c.user && defaultScriptUserFails(p)) {
      p.error(`Unable to set default user for misc script ${commandString(c.misc_path)} - removing`);
      p.forgetScript(c.misc_path);
      return false;
    }
    return true;
  },
);
