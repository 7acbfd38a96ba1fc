/** TCP_CHECK: a TCP connect to the real server (keepalived: check/check_tcp.c). */
import type { KeywordTable } from '../parser.js';
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';

export interface TcpCheck extends CheckerCommon {
  type: 'TCP_CHECK';
}

const keywords: KeywordTable<TcpCheck> = commonCheckerKeywords<TcpCheck>();

export const tcpCheck = checkerBlock<{ checkers: unknown[] }, TcpCheck>(() => ({ type: 'TCP_CHECK' }), keywords);
