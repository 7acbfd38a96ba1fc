import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';
import type { Checker } from '../../../src/config/checkers/index.js';
import { readHexString } from '../../../src/config/checkers/udp.js';

/** One real server holding `checkers`, inside a complete NAT service. */
function withChecker(checkers: string, before = ''): ReturnType<typeof parseText> {
  return parseText(`${before}
virtual_server 192.0.2.100 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  delay_loop 10
  real_server 192.0.2.21 80 {
${checkers}
  }
}
`);
}
const checkersOf = (r: ReturnType<typeof parseText>): Checker[] => r.config.virtual_server[0]?.real_server[0]?.checkers ?? [];

describe('checkers', () => {
  it('reads HTTP_GET with url blocks, status ranges and common options', () => {
    const r = withChecker(`    HTTP_GET {
      url {
        path /health
        digest 9B3A0C85A887A256D6939DA88AABD8CD
        status_code 200-299 302
      }
      connect_port 8080
      connect_timeout 3
      retry 3
      delay_before_retry 2
    }`);
    expect(messages(r)).toEqual([]);
    const [c] = checkersOf(r);
    expect(c).toMatchObject({
      type: 'HTTP_GET',
      connect_port: 8080,
      connect_timeout: 3,
      retry: 3,
      delay_before_retry: 2,
      // inherited from the virtual server
      delay_loop: 10,
      http_protocol: '1.0',
    });
    if (c?.type !== 'HTTP_GET') throw new Error('not HTTP_GET');
    expect(c.url[0]).toMatchObject({ path: '/health', digest: '9b3a0c85a887a256d6939da88aabd8cd' });
    expect(c.url[0]!.status_code).toEqual([
      { min: 200, max: 299 },
      { min: 302, max: 302 },
    ]);
  });

  it('applies keepalived defaults to TCP_CHECK and MISC_CHECK', () => {
    const r = withChecker(`    TCP_CHECK {
    }
    MISC_CHECK {
      misc_path "/usr/local/bin/check web"
      misc_dynamic
    }`);
    expect(messages(r)).toEqual([]);
    const [tcp, misc] = checkersOf(r);
    expect(tcp).toMatchObject({ type: 'TCP_CHECK', connect_timeout: 5, retry: 1, delay_before_retry: 1, delay_loop: 10 });
    // MISC_CHECK's retry defaults to 0 and misc_timeout to delay_loop... as keepalived
    expect(misc).toMatchObject({ type: 'MISC_CHECK', retry: 0, misc_dynamic: true });
    if (misc?.type !== 'MISC_CHECK') throw new Error('not MISC_CHECK');
    expect(misc.misc_path?.args).toEqual(['/usr/local/bin/check', 'web']);
  });

  it('reports the errors keepalived 2.2.7 reports, at the same lines', () => {
    // Verdicts of Debian's keepalived -t on the same text (rc 5).
    const r = withChecker(`    HTTP_GET {
      url {
        path /
        digest 1234
        status_code 200-
      }
    }
    MISC_CHECK {
      misc_timeout 5
    }
    DNS_CHECK {
      type BOGUS
    }
    TCP_CHECK {
      connect_port 70000
    }`);
    expect(messages(r)).toEqual([
      "11: digest '1234' character length should be 32 rather than 4",
      "12: Invalid HTTP_GET status code '200-'",
      '17: No script path has been specified for MISC_CHECKER - skipping',
      '19: Unknown DNS check type BOGUS - ignoring',
      "22: number '70000' outside range [1, 65535]",
      "22: Invalid checker connect_port '70000'",
    ]);
    // the MISC_CHECK without a script is dropped; the others stay
    expect(checkersOf(r).map((c) => c.type)).toEqual(['HTTP_GET', 'DNS_CHECK', 'TCP_CHECK']);
  });

  it('reads DNS_CHECK, SMTP_CHECK host blocks and UDP_CHECK payloads', () => {
    const r = withChecker(`    DNS_CHECK {
      type AAAA
      name example.com
    }
    SMTP_CHECK {
      helo_name director.example
      host {
        connect_ip 192.0.2.25
        connect_port 25
      }
    }
    UDP_CHECK {
      payload 0a 0b 1
      require_reply 0c Xf
    }`);
    expect(messages(r)).toEqual([]);
    const [dns, smtp, udp] = checkersOf(r);
    expect(dns).toMatchObject({ type: 'DNS_CHECK', query_type: 'AAAA', name: 'example.com' });
    expect(smtp).toMatchObject({ type: 'SMTP_CHECK', helo_name: 'director.example' });
    if (smtp?.type !== 'SMTP_CHECK') throw new Error('not SMTP_CHECK');
    expect(smtp.host[0]).toMatchObject({ connect_ip: '192.0.2.25', connect_port: 25 });
    expect(udp).toMatchObject({ type: 'UDP_CHECK', payload: '0a0b01', require_reply: { data: '0c0f', mask: '00f0' } });
  });

  it('FILE_CHECK refers to a track_file by name', () => {
    const ok = withChecker('    FILE_CHECK {\n      track_file health\n      weight 5\n    }', 'track_file health {\n  file /run/health\n}\n');
    expect(messages(ok)).toEqual([]);
    expect(checkersOf(ok)[0]).toMatchObject({ type: 'FILE_CHECK', track_file: 'health', weight: 5 });
    const missing = withChecker('    FILE_CHECK {\n      track_file nosuch\n    }');
    expect(messages(missing)).toEqual(['9: track_file nosuch not found', '10: FILE_CHECK has no track_file specified - ignoring']);
    expect(checkersOf(missing)).toEqual([]);
  });
});

describe('readHexString (keepalived hex strings)', () => {
  it.each([
    ['0a0b', false, { data: '0a0b' }],
    ['0a 0b 1', false, { data: '0a0b01' }],
    ['0a0b0', false, { data: '0a0b00' }],
    ['DEAD beef', false, { data: 'deadbeef' }],
    ['0X', true, { data: '00', mask: '0f' }],
  ])('%s', (text, wildcards, want) => {
    expect(readHexString(text, wildcards)).toEqual(want);
  });
  it.each([[''], ['   '], ['0g'], ['0X']])('rejects %j without wildcards', (text) => {
    expect(readHexString(text, false)).toBeNull();
  });
});
