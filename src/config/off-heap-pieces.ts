/**
 * A parse result cut into pieces small enough to copy between threads without stalling the
 * event loop, and put back together. Copying a whole 10,000-real-server model in one message
 * costs the receiving thread 60-90 ms of deserialisation in one go: a reload would hold a 0.1 s
 * advert back by most of an interval. In pieces of a few hundred real servers each copy costs
 * ~2 ms, and the receiver lets its timers run between them. Pure.
 */
import type { ParseResult } from './index.js';
import type { KeepalivedConfig } from './model.js';

type VirtualServer = KeepalivedConfig['virtual_server'][number];
type RealServer = VirtualServer['real_server'][number];

export type Piece =
  /** The result with no virtual servers: always first. */
  | { readonly kind: 'head'; readonly result: ParseResult }
  /** Virtual servers, the last one perhaps with only the first of its real servers. */
  | { readonly kind: 'vs'; readonly vs: readonly VirtualServer[] }
  /** More real servers of the last virtual server. */
  | { readonly kind: 'rs'; readonly rs: readonly RealServer[] }
  | { readonly kind: 'end' };

/** Real servers per piece: ~2 ms of structured-clone work each on a 2 GHz core. */
export const RealServersPerPiece = 250;

export function splitParseResult(result: ParseResult, perPiece = RealServersPerPiece): Piece[] {
  const { virtual_server, ...rest } = result.config;
  const total = virtual_server.reduce((n, vs) => n + vs.real_server.length + 1, 0);
  // small configurations go in one piece
  if (total <= perPiece) return [{ kind: 'head', result }, { kind: 'end' }];
  const pieces: Piece[] = [{ kind: 'head', result: { ...result, config: { ...rest, virtual_server: [] } } }];
  // many small virtual servers share a piece (one round trip per piece: dear in UML); a large
  // one is cut into several
  let batch: VirtualServer[] = [];
  let weight = 0;
  const flush = (): void => {
    if (batch.length > 0) pieces.push({ kind: 'vs', vs: batch });
    batch = [];
    weight = 0;
  };
  for (const vs of virtual_server) {
    const room = Math.max(1, perPiece - weight);
    const first = vs.real_server.slice(0, room);
    batch.push({ ...vs, real_server: first });
    weight += first.length + 1;
    if (first.length < vs.real_server.length) {
      flush();
      for (let i = first.length; i < vs.real_server.length; i += perPiece) pieces.push({ kind: 'rs', rs: vs.real_server.slice(i, i + perPiece) });
    } else if (weight >= perPiece) flush();
  }
  flush();
  pieces.push({ kind: 'end' });
  return pieces;
}

/** Puts the pieces back together, in the order they were made. */
export class ParseResultAssembler {
  #result: ParseResult | null = null;
  #done = false;

  /** Add a piece; true once the result is whole. */
  add(piece: Piece): boolean {
    if (this.#done) throw new Error('configuration pieces after the end');
    if (piece.kind === 'head') {
      if (this.#result) throw new Error('a second configuration head');
      this.#result = piece.result;
      return false;
    }
    const result = this.#result;
    if (!result) throw new Error('configuration pieces before the head');
    const servers = result.config.virtual_server;
    switch (piece.kind) {
      case 'vs':
        for (const vs of piece.vs) servers.push(vs);
        break;
      case 'rs': {
        const last = servers[servers.length - 1];
        if (!last) throw new Error('real servers without their virtual server');
        for (const rs of piece.rs) last.real_server.push(rs);
        break;
      }
      case 'end':
        this.#done = true;
        break;
    }
    return this.#done;
  }

  get result(): ParseResult {
    if (!this.#done || !this.#result) throw new Error('the configuration is not whole yet');
    return this.#result;
  }
}
