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

/** Default retry count by kind when neither checker nor servers set one (check_*.c). */
const defaultRetry: Record<Checker['type'], number> = {
  TCP_CHECK: 1,
  HTTP_GET: 1,
  SSL_GET: 1,
  MISC_CHECK: 0,
  SMTP_CHECK: 1,
  DNS_CHECK: 1,
  UDP_CHECK: 1,
  FILE_CHECK: 0,
  PING_CHECK: 1,
  BFD_CHECK: 0,
};

export function completeCheckers(owner: CheckerOwner, vs: CheckerVirtualServer, _p: Parser): void {
  for (const c of owner.checkers) {
    inheritCommon(c, owner, vs, defaultRetry[c.type]);
    if (c.type === 'MISC_CHECK') c.misc_timeout ??= c.delay_loop;
  }
}
