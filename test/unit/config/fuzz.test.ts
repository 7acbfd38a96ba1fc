/**
 * Property tests: whatever bytes the reader is given — random token streams, or real
 * configurations with random damage — it returns a model and diagnostics, never throws and
 * never hangs (vitest's timeout bounds each run). FUZZ_RUNS sets the number of cases
 * (`npm run bench:config-fuzz` runs 100,000).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';

const runs = Number(process.env.FUZZ_RUNS ?? 300);
const root = resolve(import.meta.dirname, '../../..');

function corpus(): string[] {
  const texts: string[] = [];
  for (const dir of ['fixtures/seeds', 'fixtures/conformance', 'conf']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(root, dir)).filter((n) => n.endsWith('.conf'));
    } catch {
      continue;
    }
    for (const n of names) texts.push(readFileSync(join(root, dir, n), 'utf8'));
  }
  return texts;
}

const vocabulary = [
  '{', '}', '"', "'", '#', '!', '\\', '$', '${', '@', '@^', '~SEQ(', '~LST(', ')', ',', '=', '\n', ' ', '\t',
  'include', 'includem', 'includea', '*.conf', 'global_defs', 'router_id', 'vrrp_instance', 'vrrp_sync_group', 'group',
  'vrrp_script', 'script', 'interval', 'weight', 'track_script', 'track_interface', 'track_file', 'virtual_ipaddress',
  'virtual_ipaddress_excluded', 'virtual_routes', 'virtual_rules', 'static_ipaddress', 'state', 'MASTER', 'BACKUP',
  'interface', 'eth0', 'virtual_router_id', 'priority', 'advert_int', 'authentication', 'auth_type', 'PASS', 'AH',
  'auth_pass', 'unicast_peer', 'nopreempt', 'preempt_delay', 'notify_master', 'notify', 'virtual_server',
  'virtual_server_group', 'fwmark', 'real_server', 'sorry_server', 'delay_loop', 'lb_algo', 'lb_kind', 'DR', 'NAT',
  'TUN', 'protocol', 'TCP', 'persistence_timeout', 'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK',
  'DNS_CHECK', 'UDP_CHECK', 'FILE_CHECK', 'PING_CHECK', 'BFD_CHECK', 'url', 'path', 'digest', 'status_code',
  'connect_timeout', 'retry', 'misc_path', 'bfd_instance', 'SSL', 'dev', 'brd', 'scope', 'label', 'via', 'table',
  '192.0.2.1', '192.0.2.1/24', '2001:db8::1', 'fe80::1', '0', '1', '255', '256', '-1', '0.1', '1e9', '4294967296',
  '$X=', '$Y=\\', '${X}', '$X', '${_RANDOM 1 5}', '${_HASH}', '${_PWD}',
];

function parsesCleanly(text: string): void {
  const files = {
    '/etc/keepalived/a.conf': 'include keepalived.conf\nvrrp_instance X {',
    '/etc/keepalived/b.conf': '$X=${X}${X}\n$X',
  };
  const result = parseText(text, { files });
  expect(Array.isArray(result.diagnostics)).toBe(true);
  expect(typeof result.config).toBe('object');
  expect(result.diagnostics.length).toBeLessThanOrEqual(10_000);
  for (const d of result.diagnostics) expect(typeof d.message).toBe('string');
}

describe('the reader never throws or hangs', () => {
  it('on random token streams', () => {
    const token = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...vocabulary) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
      { weight: 1, arbitrary: fc.integer().map(String) },
    );
    const separator = fc.constantFrom(' ', ' ', '\n', '\t', '');
    const stream = fc.array(fc.tuple(token, separator), { maxLength: 200 }).map((parts) => parts.map(([t, s]) => t + s).join(''));
    fc.assert(fc.property(stream, (text) => parsesCleanly(text)), { numRuns: runs });
  });

  it('on real configurations with random damage', () => {
    const texts = corpus();
    expect(texts.length).toBeGreaterThan(10);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.nat({ max: 200 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 20 })) }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.nat({ max: 400 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
    );
    const damaged = fc
      .tuple(fc.nat({ max: texts.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }))
      .map(([i, mutations]) => {
        let t = texts[i]!;
        for (const m of mutations) {
          const at = t.length ? m.at % t.length : 0;
          if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + m.len);
          else if (m.kind === 'insert') t = t.slice(0, at) + m.text + t.slice(at);
          else if (m.kind === 'duplicate') t = t.slice(0, at + m.len) + t.slice(at, at + m.len) + t.slice(at + m.len);
          else if (m.kind === 'truncate') t = t.slice(0, at);
          else t = t.slice(0, at) + Buffer.from(m.bytes).toString('latin1') + t.slice(at);
        }
        return t;
      });
    fc.assert(fc.property(damaged, (text) => parsesCleanly(text)), { numRuns: runs });
  });

  it('on hostile expansions', () => {
    for (const text of [
      '$A=$A$A$A$A\nx $A',
      '$A=${B}\n$B=${A}\nx ${A}',
      '$M= \\\n$M \\\nx\n$M',
      '~SEQ(a, 1000) ~SEQ(b, 1000) ~SEQ(c, 1000) x',
      'include *\ninclude /etc/keepalived/*',
      'include a.conf',
      `${'{'.repeat(5000)}\n${'}'.repeat(6000)}`,
      'x "'.repeat(3000),
    ]) {
      parsesCleanly(text);
    }
  });
});
