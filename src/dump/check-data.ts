/**
 * /tmp/keepalived_check.data as keepalived 2.2.7's checker child writes it on SIGUSR1
 * (check/check_print.c, check_data.c dump_data_check(), check_api.c dump_checker() and each
 * checker's dump function): the global definitions, the LVS topology and the health checkers.
 */
import { globalDataLines } from './global-data.js';
import { cmdStr, ctime24Us, decimalUs, secUsec, withIdentity } from './text.js';
import type { DumpChecker, DumpForwarding, DumpRealServer, DumpSnapshot, DumpUrl, DumpVirtualServer } from './snapshot.js';

/** keepalived's IP_VS_VERSION_CODE as Debian builds it. */
export const LvsVersion = '1.2.1';

function forwarding(out: string[], prefix: string, f: DumpForwarding): void {
  const label = 'forwarding method = ';
  if (f.method !== 'TUN') {
    out.push(`   ${prefix}${label}${f.method}`);
    return;
  }
  if (f.type === 'ipip') {
    out.push(`   ${prefix}${label}TUN, type = IPIP`);
    return;
  }
  const csum = f.checksum === 'nocsum' ? ', no checksum' : f.checksum === 'csum' ? ', checksum' : f.checksum === 'remcsum' ? ', remote checksum' : ', no checksum';
  // keepalived drops the prefix on these two
  if (f.type === 'gue') out.push(`   ${label}TUN, type = GUE, port = ${f.port ?? 0}${csum}`);
  else out.push(`   ${label}TUN, type = GRE${csum}`);
}

function realServerLines(out: string[], rs: DumpRealServer): void {
  out.push('   ------< Real server >------');
  out.push(`   RIP = ${rs.address}, RPORT = ${rs.port}, WEIGHT = ${rs.weight} EFF WEIGHT = ${rs.effectiveWeight}`);
  forwarding(out, '', rs.forwarding);
  out.push(`   Alpha is ${rs.alpha ? 'ON' : 'OFF'}`);
  out.push(`   connection timeout = ${decimalUs(rs.connectTimeoutUs)}`);
  out.push(`   connection limit range = ${rs.lowerThreshold} -> ${rs.upperThreshold}`);
  out.push(`   Delay loop = ${decimalUs(rs.delayLoopUs)}`);
  if (rs.retry !== undefined) out.push(`   Retry count = ${rs.retry}`);
  if (rs.delayBeforeRetryUs !== undefined) out.push(`   Retry delay = ${decimalUs(rs.delayBeforeRetryUs)}`);
  if (rs.warmupUs !== undefined) out.push(`   Warmup = ${decimalUs(rs.warmupUs)}`);
  out.push(`   Inhibit on failure is ${rs.inhibit ? 'ON' : 'OFF'}`);
  if (rs.notifyUp) out.push(`     RS up notify script = ${withIdentity(rs.notifyUp)}`);
  if (rs.notifyDown) out.push(`     RS down notify script = ${withIdentity(rs.notifyDown)}`);
  if (rs.virtualhost !== undefined) out.push(`    VirtualHost = '${rs.virtualhost}'`);
  if (rs.snmpName !== undefined) out.push(`   SNMP name = ${rs.snmpName}`);
  out.push(`   Using smtp notification = ${rs.smtpAlert ? 'yes' : 'no'}`);
  out.push(`   initial weight = ${rs.initialWeight}`);
  out.push(`   effective weight = ${rs.effectiveWeight}`);
  out.push(`   previous effective_weight = ${rs.previousEffectiveWeight}`);
  out.push(`   alive = ${rs.alive ? 1 : 0}`);
  out.push(`   num failed checkers = ${rs.failedCheckers}`);
  out.push(`   RS set = ${rs.set ? 1 : 0}`);
  out.push('   reloaded = 0');
}

function virtualServerLines(out: string[], vs: DumpVirtualServer): void {
  out.push(' ------< Virtual server >------');
  const k = vs.key;
  out.push(k.kind === 'group' ? ` VS GROUP = ${vs.label}` : k.kind === 'fwmark' ? ` VS FWMARK = ${k.fwmark}` : ` VS VIP = ${k.address}, VPORT = ${k.port}`);
  if (vs.virtualhost !== undefined) out.push(`   VirtualHost = ${vs.virtualhost}`);
  if (vs.snmpName !== undefined) out.push(`   SNMP name = '${vs.snmpName}'`);
  out.push(`   Address family = ${vs.family === 'inet' ? 'inet' : vs.family === 'inet6' ? 'inet6' : vs.family === 'both' ? 'IPv4 & IPv6' : 'unknown'}`);
  out.push(`   connection timeout = ${decimalUs(vs.connectTimeoutUs)}`);
  out.push(`   delay_loop = ${decimalUs(vs.delayLoopUs)}`);
  out.push(`   lvs_sched = ${vs.scheduler}`);
  const en = (b: boolean): string => (b ? 'en' : 'dis');
  out.push(`   Hashed = ${en(vs.hashed)}abled`);
  if (vs.scheduler === 'sh' || vs.scheduler === 'mh') {
    out.push(`   ${vs.scheduler}-port = ${en(vs.flag2)}abled`);
    out.push(`   ${vs.scheduler}-fallback = ${en(vs.flag1)}abled`);
  } else {
    out.push(`   flag-1 = ${en(vs.flag1)}abled`);
    out.push(`   flag-2 = ${en(vs.flag2)}abled`);
    out.push(`   flag-3 = ${en(vs.flag3)}abled`);
  }
  out.push(`   One packet scheduling = ${en(vs.onePacket)}abled${vs.onePacket && vs.protocol !== 'UDP' ? ' (inactive due to not UDP)' : ''}`);
  if (vs.persistenceTimeout) out.push(`   persistence timeout = ${vs.persistenceTimeout}`);
  if (vs.persistenceGranularity !== undefined) out.push(`   persistence granularity = ${vs.persistenceGranularity}`);
  out.push(`   protocol = ${vs.protocol}`);
  out.push(`   alpha is ${vs.alpha ? 'ON' : 'OFF'}`);
  out.push(`   omega is ${vs.omega ? 'ON' : 'OFF'}`);
  if (vs.retry !== undefined) out.push(`   Retry count = ${vs.retry}`);
  if (vs.delayBeforeRetryUs !== undefined) out.push(`   Retry delay = ${decimalUs(vs.delayBeforeRetryUs)}`);
  if (vs.warmupUs !== undefined) out.push(`   Warmup = ${decimalUs(vs.warmupUs)}`);
  out.push(`   Inhibit on failure is ${vs.inhibit ? 'ON' : 'OFF'}`);
  out.push(`   quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`);
  if (vs.quorumUp) out.push(`   Quorum up notify script = ${withIdentity(vs.quorumUp)}`);
  if (vs.quorumDown) out.push(`   Quorum down notify script = ${withIdentity(vs.quorumDown)}`);
  if (vs.haSuspend) out.push('   Using HA suspend');
  out.push(`   Using smtp notification = ${vs.smtpAlert ? 'yes' : 'no'}`);
  forwarding(out, 'default ', vs.forwarding);
  if (vs.sorryServer) {
    out.push(`   sorry server ${vs.sorryServer.duplicatesRs ? '(duplicates rs) ' : ''}= ${vs.sorryServer.label}`);
    forwarding(out, '  ', vs.sorryServer.forwarding);
    out.push(`     Inhibit on failure is ${vs.sorryServer.inhibit ? 'ON' : 'OFF'}`);
  }
  out.push(`   alive = ${vs.alive ? 1 : 0}`);
  out.push(`   quorum_state_up = ${vs.quorumStateUp ? 1 : 0}`);
  out.push('   reloaded = 0');
  for (const rs of vs.realServers) realServerLines(out, rs);
}

/** dump_url(): the status codes as ranges. */
function urlLines(out: string[], u: DumpUrl): void {
  out.push(`   Checked url = ${u.path}`);
  if (u.digest !== undefined) out.push(`     digest = ${u.digest}`);
  out.push('     HTTP Status Code(s)');
  for (const r of u.statusCodes) out.push(r.min === r.max ? `       ${r.min}` : `       ${r.min}-${r.max}`);
  if (u.virtualhost !== undefined) out.push(`     Virtual host = ${u.virtualhost}`);
}

function checkerLines(out: string[], c: DumpChecker): void {
  out.push(` ${c.vsLabel} -> ${c.rsLabel}`);
  out.push(`   Enabled = ${c.enabled ? 'yes' : 'no'}`);
  out.push(`   Up = ${c.up ? 'yes' : 'no'}`);
  out.push(`   Has run = ${c.hasRun ? 'yes' : 'no'}`);
  out.push(`   Current weight = ${c.currentWeight}`);
  if (c.kind.type !== 'FILE_CHECK') {
    out.push(`   Alpha = ${c.alpha ? 'yes' : 'no'}`);
    out.push(`   Delay loop = ${c.delayLoopUs} us`);
    out.push(`   Warmup = ${c.warmupUs} us`);
    out.push(`   Retries = ${c.retry}`);
    if (c.retry) {
      out.push(`   Delay before retry = ${c.delayBeforeRetryUs} us`);
      out.push(`   Retries iterations = ${c.retryIterations}`);
    }
    out.push(`   Default delay before retry = ${c.defaultDelayBeforeRetryUs} us`);
  }
  out.push(`   Log all failures = ${c.logAllFailures ? 'yes' : 'no'}`);
  const co = c.connection;
  if (co) {
    out.push('   Connection');
    out.push(`     Dest = ${co.dest}`);
    if (co.bindTo !== undefined) out.push(`     Bind to = ${co.bindTo}`);
    if (co.bindIf !== undefined) out.push(`     Bind i/f = ${co.bindIf}`);
    if (co.fwmark) out.push(`     Mark = ${co.fwmark}`);
    out.push(`     Timeout = ${(co.timeoutUs / 1e6).toFixed(6)}`);
    if (co.lastErrno) out.push(`     Last errno = ${co.lastErrno}`);
  }
  const k = c.kind;
  switch (k.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      out.push(`   Keepalive method = ${k.type}`);
      break;
    case 'HTTP_GET':
    case 'SSL_GET':
      out.push(`   Keepalive method = ${k.type}, http protocol ${k.httpProtocol}`);
      if (k.virtualhost !== undefined) out.push(`   Virtualhost = ${k.virtualhost}`);
      out.push(`   Enable SNI ${k.sni ? '' : 'un'}set`);
      out.push(`   Fast recovery ${k.fastRecovery ? '' : 'un'}set`);
      for (const u of k.urls) urlLines(out, u);
      break;
    case 'MISC_CHECK':
      out.push('   Keepalive method = MISC_CHECK');
      out.push(`   script = ${cmdStr(k.command.args)}`);
      out.push(`   timeout = ${Math.floor(k.timeout)}`);
      out.push(`   dynamic = ${k.dynamic ? 'YES' : 'NO'}`);
      out.push(`   uid:gid = ${k.command.uid}:${k.command.gid}`);
      out.push(`   Last ran = ${secUsec(k.lastRanUs)} (${ctime24Us(k.lastRanUs)})`);
      out.push(`   Last status = ${k.lastStatus}`);
      break;
    case 'SMTP_CHECK':
      out.push('   Keepalive method = SMTP_CHECK');
      out.push(`   helo = ${k.helo}`);
      break;
    case 'DNS_CHECK':
      out.push('   Keepalive method = DNS_CHECK');
      out.push(`   Type = ${k.queryType}`);
      out.push(`   Name = ${k.name}`);
      break;
    case 'UDP_CHECK':
      out.push('   Keepalive method = UDP_CHECK');
      out.push(k.payloadLength !== undefined ? `   Payload len = ${k.payloadLength}` : '   Payload specified = no');
      out.push(`   Require reply = ${k.requireReply ? 'yes' : 'no'}`);
      if (k.requireReply) {
        out.push(`     Min reply length = ${k.minReply}`);
        out.push(`     Max reply length = ${k.maxReply}`);
        out.push(`     Reply data len = ${k.replyLength}`);
        if (k.replyMask !== undefined) out.push(`     Reply data mask = ${k.replyMask ? 'yes' : 'no'}`);
      }
      break;
    case 'FILE_CHECK':
      out.push('   Keepalive method = FILE_CHECK');
      out.push(`     Tracked file = ${k.file}`);
      out.push('     Reloaded = No');
      break;
    case 'BFD_CHECK':
      out.push('   Keepalive method = BFD_CHECK');
      out.push(`   Name = ${k.name}`);
      out.push(`   Alpha is ${c.alpha ? 'ON' : 'OFF'}`);
      break;
  }
}

/** The text of /tmp/keepalived_check.data (the checker process's SIGUSR1 dump). */
export function formatCheckData(s: DumpSnapshot): string {
  const out = globalDataLines(s.globals, 'checker');
  if (s.virtualServers.length) {
    out.push('------< LVS Topology >------');
    out.push(` System is compiled with LVS v${LvsVersion}`);
    for (const vs of s.virtualServers) virtualServerLines(out, vs);
  }
  if (s.checkers.length) {
    out.push('------< Health checkers >------');
    for (const c of s.checkers) checkerLines(out, c);
  }
  return `${out.join('\n')}\n`;
}
