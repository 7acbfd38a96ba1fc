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

/**
 * Checkers removed while their block is read (keepalived's misc_user_handler() dequeues the
 * checker when its user or group does not exist): the rest of the block is ignored and the
 * checker is dropped when the block closes.
 */
const removed = new WeakSet<MiscCheck>();

export const miscCheck = checkerBlock<{ checkers: unknown[] }, MiscCheck>(
  () => ({ type: 'MISC_CHECK', misc_dynamic: false }),
  {
    ...commonCheckerKeywords<MiscCheck>(),
    misc_path: (c, st, p) => {
      if (removed.has(c)) return;
      if (c.misc_path) {
        p.error('MISC_CHECK misc_path already specified - ignoring');
        return;
      }
      const spec = p.readScript(st);
      if (spec) c.misc_path = spec;
    },
    misc_timeout: (c, st, p) => {
      if (removed.has(c)) return;
      const n = readUnsigned(p, st.words[1], 0, 4294);
      if (n === null) p.error(`Invalid misc_timeout value '${st.words[1] ?? ''}'`);
      else c.misc_timeout = n;
    },
    misc_dynamic: (c) => {
      if (removed.has(c)) return;
      c.misc_dynamic = true;
    },
    user: (c, st, p) => {
      if (removed.has(c)) return;
      const user = st.words[1];
      const group = st.words[2];
      if (user === undefined) {
        p.error(`No user specified for misc checker script ${commandString(c.misc_path)}`);
        return;
      }
      if (!p.host.lookupUser(user) || (group !== undefined && !p.host.lookupGroup(group))) {
        p.error(`Failed to set uid/gid for misc checker script ${commandString(c.misc_path)} - removing`);
        // the checker is gone: its script is neither run nor counted by the security check
        removed.add(c);
        if (c.misc_path) p.forgetScript(c.misc_path);
        return;
      }
      c.user = group === undefined ? { user } : { user, group };
    },
  },
  (c, _owner, p) => {
    if (removed.has(c)) return false;
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
