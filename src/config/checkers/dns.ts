/** DNS_CHECK: send a query and expect an answer (keepalived: check/check_dns.c). */
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';

export const DnsTypes = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;

export interface DnsCheck extends CheckerCommon {
  type: 'DNS_CHECK';
  /** Query type (keyword `type`); default SOA. */
  query_type: (typeof DnsTypes)[number];
  name: string;
}

export const dnsCheck = checkerBlock<{ checkers: unknown[] }, DnsCheck>(
  () => ({ type: 'DNS_CHECK', query_type: 'SOA', name: '.' }),
  {
    ...commonCheckerKeywords<DnsCheck>(),
    type: (c, st, p) => {
      const w = (st.words[1] ?? '').toUpperCase();
      const t = DnsTypes.find((d) => d === w);
      if (!t) p.error(`Unknown DNS check type ${st.words[1] ?? ''} - ignoring`);
      else c.query_type = t;
    },
    name: (c, st, p) => {
      const n = st.words[1] ?? '';
      if (/\.\./.test(n) || (n.startsWith('.') && n !== '.')) {
        p.error(`DNS_CHECK name '${n}' has empty label - ignoring`);
        return;
      }
      c.name = n;
    },
  },
);
