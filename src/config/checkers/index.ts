/**
 * The checkers a real_server may carry, one module per kind, and their completion (inherited
 * settings filled once the whole virtual_server is read).
 */
import type { KeywordTable, Parser } from '../parser.js';
import { inheritCommon, type CheckerRealServer, type CheckerVirtualServer } from './common.js';
import { tcpCheck, type TcpCheck } from './tcp.js';
import { httpGetCheck, sslGetCheck, type HttpCheck } from './http.js';
import { miscCheck, type MiscCheck } from './misc.js';
import { smtpCheck, type SmtpCheck } from './smtp.js';
import { dnsCheck, type DnsCheck } from './dns.js';
import { udpCheck, type UdpCheck } from './udp.js';
import { fileCheck, type FileCheck } from './file.js';
import { pingCheck, type PingCheck } from './ping.js';
import { bfdCheck, type BfdCheck } from './bfd.js';

export type Checker = TcpCheck | HttpCheck | MiscCheck | SmtpCheck | DnsCheck | UdpCheck | FileCheck | PingCheck | BfdCheck;
export type { CheckerVirtualServer, CheckerRealServer } from './common.js';

export interface CheckerOwner extends CheckerRealServer {
  checkers: Checker[];
}

export const checkerKeywords: KeywordTable<CheckerOwner> = {
  TCP_CHECK: tcpCheck,
  HTTP_GET: httpGetCheck,
  SSL_GET: sslGetCheck,
  MISC_CHECK: miscCheck,
  SMTP_CHECK: smtpCheck,
  DNS_CHECK: dnsCheck,
  UDP_CHECK: udpCheck,
  FILE_CHECK: fileCheck,
  PING_CHECK: pingCheck,
  BFD_CHECK: bfdCheck,
};

/**
 * Default retry count and delay_before_retry (seconds; null: the delay_loop) by kind, when
 * neither checker nor servers set them (check_*.c: HTTP_DEFAULT_DELAY_BEFORE_RETRY 3 s,
 * DNS_DEFAULT_RETRY 3 with the delay_loop between tries, MISC_CHECK and FILE_CHECK no retries).
 */
const kindDefaults: Record<Checker['type'], { retry: number; delayBeforeRetry: number | null }> = {
  TCP_CHECK: { retry: 1, delayBeforeRetry: 1 },
  HTTP_GET: { retry: 1, delayBeforeRetry: 3 },
  SSL_GET: { retry: 1, delayBeforeRetry: 3 },
  MISC_CHECK: { retry: 0, delayBeforeRetry: 1 },
  SMTP_CHECK: { retry: 1, delayBeforeRetry: 1 },
  DNS_CHECK: { retry: 3, delayBeforeRetry: null },
  UDP_CHECK: { retry: 1, delayBeforeRetry: 1 },
  FILE_CHECK: { retry: 0, delayBeforeRetry: 1 },
  PING_CHECK: { retry: 1, delayBeforeRetry: 1 },
  BFD_CHECK: { retry: 0, delayBeforeRetry: 1 },
};

export function completeCheckers(owner: CheckerOwner, vs: CheckerVirtualServer, _p: Parser): void {
  for (const c of owner.checkers) {
    inheritCommon(c, owner, vs, kindDefaults[c.type]);
    if (c.type === 'MISC_CHECK') c.misc_timeout ??= c.delay_loop;
  }
}
