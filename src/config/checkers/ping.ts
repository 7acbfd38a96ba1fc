/** PING_CHECK: ICMP/ICMPv6 echo to the real server (keepalived: check/check_ping.c). */
import { checkerBlock, commonCheckerKeywords, type CheckerCommon } from './common.js';

export interface PingCheck extends CheckerCommon {
  type: 'PING_CHECK';
}

export const pingCheck = checkerBlock<{ checkers: unknown[] }, PingCheck>(() => ({ type: 'PING_CHECK' }), commonCheckerKeywords<PingCheck>());
