/** SMTP_CHECK: expect an SMTP greeting and HELO reply (keepalived: check/check_smtp.c). */
import { block } from '../parser.js';
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';

export interface SmtpCheck extends CheckerCommon {
  type: 'SMTP_CHECK';
  helo_name: string;
  /** Deprecated `host { }` sub-blocks: extra endpoints with their own connection options. */
  host: CheckerCommon[];
}

export const smtpCheck = checkerBlock<{ checkers: unknown[] }, SmtpCheck>(
  () => ({ type: 'SMTP_CHECK', helo_name: 'smtpchecker.keepalived.org', host: [] }),
  {
    ...commonCheckerKeywords<SmtpCheck>(),
    helo_name: (c, st, p) => {
      if (st.words[1] === undefined) p.error('SMTP_CHECK helo name missing');
      else c.helo_name = st.words[1];
    },
    host: block((c: SmtpCheck) => {
      const h: CheckerCommon = {};
      c.host.push(h);
      return h;
    }, commonCheckerKeywords<CheckerCommon>()),
  },
);
