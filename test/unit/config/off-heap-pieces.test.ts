/**
 * The pieces a worker hands a parse result back in (src/config/off-heap-pieces.ts): put back
 * together they are the result, exactly; a large virtual server is cut into several pieces.
 */
import { describe, expect, it } from 'vitest';
import { ParseResultAssembler, splitParseResult } from '../../../src/config/off-heap-pieces.js';
import { parseText } from '../../helpers/config.js';

function config(servers: number[]): string {
  return servers
    .map(
      (n, v) =>
        `virtual_server 203.0.113.${v + 1} 80 {\n  lb_kind DR\n${Array.from({ length: n }, (_, r) => `  real_server 192.0.2.${(r % 250) + 1} ${1000 + r} {\n    TCP_CHECK {\n    }\n  }\n`).join('')}}\n`,
    )
    .join('');
}

function roundTrip(text: string, perPiece: number): { pieces: number; whole: unknown; original: unknown } {
  const original = parseText(text);
  const pieces = splitParseResult(structuredClone(original), perPiece);
  const a = new ParseResultAssembler();
  let done = false;
  for (const p of pieces) done = a.add(structuredClone(p));
  expect(done).toBe(true);
  return { pieces: pieces.length, whole: a.result, original };
}

describe('a parse result in pieces', () => {
  it('reassembles exactly, virtual servers in order, a large one cut into several pieces', () => {
    const r = roundTrip(config([3, 1200, 40]), 250);
    expect(r.whole).toStrictEqual(r.original);
    // head; the first two servers with 246 real servers; the rest of the 1200 in 4 pieces
    // (250, 250, 250, 204); the last server; end
    expect(r.pieces).toBe(1 + 1 + 4 + 1 + 1);
  });

  it('puts many small virtual servers in one piece', () => {
    const r = roundTrip(config(Array.from({ length: 250 }, () => 1)), 250);
    expect(r.whole).toStrictEqual(r.original);
    // 250 servers of weight 2 (the server and its real server): 125 per piece
    expect((r.original as { config: { virtual_server: unknown[] } }).config.virtual_server).toHaveLength(250);
    expect(r.pieces).toBe(1 + 2 + 1);
  });

  it('sends a small configuration in one piece', () => {
    const r = roundTrip(config([3, 2]), 250);
    expect(r.pieces).toBe(2);
    expect(r.whole).toStrictEqual(r.original);
  });

  it('refuses pieces out of order', () => {
    const pieces = splitParseResult(parseText(config([300])), 100);
    expect(() => new ParseResultAssembler().add(pieces[1]!)).toThrow(/before the head/);
    const a = new ParseResultAssembler();
    for (const p of pieces) a.add(p);
    expect(() => a.add(pieces[0]!)).toThrow(/after the end/);
  });
});
