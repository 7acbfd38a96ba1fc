/**
 * HTTP_GET and SSL_GET: fetch URLs and compare status code / MD5 digest / regex
 * (keepalived: check/check_http.c).
 */
import { block, type KeywordTable } from '../parser.js';
import { checkerBlock, commonCheckerKeywords, optionalBool, type CheckerCommon } from './common.js';
import { readUnsigned } from '../values.js';

export interface HttpUrl {
  path?: string;
  /** Lower-case hex MD5 of the body. */
  digest?: string;
  /** Accepted status codes as ranges; default 200-299 when neither digest nor codes are set. */
  status_code: { min: number; max: number }[];
  virtualhost?: string;
  regex?: string;
  regex_no_match: boolean;
  regex_options?: string[];
  regex_min_offset?: number;
  regex_max_offset?: number;
  regex_stack?: number;
}

export interface HttpCheck extends CheckerCommon {
  type: 'HTTP_GET' | 'SSL_GET';
  url: HttpUrl[];
  virtualhost?: string;
  http_protocol: '1.0' | '1.1' | '1.0C';
  enable_sni?: boolean;
  fast_recovery?: boolean;
}

const urlKeywords: KeywordTable<HttpUrl> = {
  path: (u, st, p) => {
    if (st.words[1] === undefined) p.error('HTTP_GET path missing');
    else u.path = st.words[1];
  },
  digest: (u, st, p) => {
    const d = st.words[1] ?? '';
    if (u.digest !== undefined && u.digest === d.toLowerCase()) {
      p.error(`Digest '${d}' is a duplicate`);
      return;
    }
    if (d.length !== 32) {
      p.error(`digest '${d}' character length should be 32 rather than ${d.length}`);
      return;
    }
    if (!/^[0-9a-fA-F]{32}$/.test(d)) {
      p.error(`Unable to interpret hex digit in '${d}'`);
      return;
    }
    u.digest = d.toLowerCase();
  },
  status_code: (u, st, p) => {
    for (const w of st.words.slice(1)) {
      const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(w);
      const min = m ? Number(m[1]) : NaN;
      const max = m ? Number(m[2] ?? m[1]) : NaN;
      if (!(min >= 100 && max <= 599 && min <= max)) {
        p.error(`Invalid HTTP_GET status code '${w}'`);
        continue;
      }
      u.status_code.push({ min, max });
    }
  },
  virtualhost: (u, st, p) => {
    if (st.words[1] === undefined) p.error('Missing HTTP_GET virtualhost name');
    else u.virtualhost = st.words[1];
  },
  regex: (u, st, p) => {
    if (st.words[1] === undefined) p.error('regex requires a pattern');
    else u.regex = st.words.slice(1).join(' ');
  },
  regex_no_match: (u) => {
    u.regex_no_match = true;
  },
  regex_options: (u, st) => {
    u.regex_options = st.words.slice(1);
  },
  regex_min_offset: (u, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n !== null) u.regex_min_offset = n;
  },
  regex_max_offset: (u, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n !== null) u.regex_max_offset = n;
  },
  regex_stack: (u, st, p) => {
    const n = readUnsigned(p, st.words[1], 0, 4294967295);
    if (n !== null) u.regex_stack = n;
  },
};

function keywords(): KeywordTable<HttpCheck> {
  return {
    ...commonCheckerKeywords<HttpCheck>(),
    nb_get_retry: (c, st, p) => {
      p.error("nb_get_retry is deprecated - please use 'retry'");
      const n = readUnsigned(p, st.words[1], 0, 4294967295);
      if (n === null) p.error(`Invalid nb_get_retry value '${st.words[1] ?? ''}'`);
      else c.retry = n;
    },
    virtualhost: (c, st, p) => {
      if (st.words[1] === undefined) p.error('HTTP_GET virtualhost name missing');
      else c.virtualhost = st.words[1];
    },
    http_protocol: (c, st, p) => {
      const w = st.words[1];
      if (w === undefined) p.error('Missing http_protocol version');
      else if (w === '1.0' || w === '1.1') c.http_protocol = w;
      else if (w === '1.0C' || w === '1.0c') c.http_protocol = '1.0C';
      else p.error(`Invalid http_protocol version ${w}`);
    },
    enable_sni: optionalBool('enable_sni'),
    fast_recovery: optionalBool('fast_recovery'),
    url: block(
      (c) => {
        const u: HttpUrl = { status_code: [], regex_no_match: false };
        c.url.push(u);
        return u;
      },
      urlKeywords,
      (u, c, p) => {
        if (u.path === undefined) {
          p.error('HTTP/SSL_GET checker url has no path - ignoring');
          c.url.splice(c.url.indexOf(u), 1);
          return;
        }
        if (u.status_code.length === 0 && u.digest === undefined) u.status_code.push({ min: 200, max: 299 });
      },
    ),
  };
}

function httpBlock(type: 'HTTP_GET' | 'SSL_GET') {
  return checkerBlock<{ checkers: unknown[] }, HttpCheck>(
    () => ({ type, url: [], http_protocol: '1.0' }),
    keywords(),
    (c, _owner, p) => {
      if (c.url.length === 0) {
        p.error('HTTP/SSL_GET checker has no urls specified - ignoring');
        return false;
      }
      return true;
    },
  );
}

export const httpGetCheck = httpBlock('HTTP_GET');
export const sslGetCheck = httpBlock('SSL_GET');
