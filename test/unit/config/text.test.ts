import { describe, expect, it } from 'vitest';
import { decomment, splitAtBrace, splitQuotedEscaped, tokenize } from '../../../src/config/text.js';

describe('decomment', () => {
  it.each([
    ['  a b  ', 'a b'],
    ['a # c', 'a'],
    ['a ! c', 'a'],
    ['a "b # c" d', 'a "b # c" d'],
    ['a \\# b', 'a # b'],
    ['a "\\#" b', 'a "\\#" b'],
    ['a b \\', 'a b\\'],
    ['a b   \\', 'a b\\'],
    ['# all', ''],
  ])('%j -> %j', (input, output) => {
    expect(decomment(input).text).toBe(output);
  });

  it('flags an unterminated quote', () => {
    expect(decomment('a "b').unterminatedQuote).toBe(true);
    expect(decomment('a "b" "c"').unterminatedQuote).toBe(false);
  });
});

describe('tokenize', () => {
  it('splits on white space and keeps quoted text whole without the quotes', () => {
    expect(tokenize('a\tb  "c d"  e').words).toEqual(['a', 'b', 'c d', 'e']);
  });
  it('ends a word at a quote and does not treat single quotes specially', () => {
    expect(tokenize(`x_"mid"y 'a b'`).words).toEqual(['x_', 'mid', 'y', "'a", "b'"]);
  });
  it('reports an unmatched quote and keeps the words before it', () => {
    expect(tokenize('router_id "x')).toEqual({ words: ['router_id'], unmatchedQuote: true });
  });
});

describe('splitQuotedEscaped (script command lines)', () => {
  it('joins quoted parts of a word, with both quote kinds', () => {
    expect(splitQuotedEscaped(`ab"c d"e 'f g' h`)).toEqual({ ok: true, words: ['abc de', 'f g', 'h'] });
  });
  it('processes escapes; \\x takes every hex digit that follows and keeps the low byte, as keepalived does', () => {
    expect(splitQuotedEscaped('a\\x20 \\x20b \\101 \\t \\cA \\"')).toEqual({ ok: true, words: ['a ', '\x0b', 'A', '\t', '\x01', '"'] });
  });
  it('handles the man page example, escaped twice', () => {
    const line = splitQuotedEscaped(`notify_master "/etc/keepalived/notify_event.sh ' spaces\\\\x20f\\x69le ' '\\"s p a c e \\"' VG.VI master" root`);
    expect(line.ok).toBe(true);
    if (!line.ok) return;
    expect(line.words[2]).toBe('root');
    const argv = splitQuotedEscaped(line.words[1]!);
    expect(argv).toEqual({ ok: true, words: ['/etc/keepalived/notify_event.sh', ' spaces\x0file ', '"s p a c e "', 'VG.VI', 'master'] });
  });
  it('reports a missing closing quote', () => {
    expect(splitQuotedEscaped(`a 'b`).ok).toBe(false);
  });
});

describe('splitAtBrace', () => {
  it.each([
    ['global_defs { router_id a }', { head: 'global_defs', rest: '{ router_id a }' }],
    ['{ router_id a }', { head: '{', rest: 'router_id a }' }],
    ['router_id a }', { head: 'router_id a', rest: '}' }],
    ['}', { head: '}' }],
    ['script "a { b }"', { head: 'script "a { b }"' }],
  ])('%j', (input, output) => {
    expect(splitAtBrace(input)).toEqual(output);
  });
});
