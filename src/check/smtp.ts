/**
 * SMTP_CHECK: connect, read the 220 greeting, send `HELO <helo_name>`, read the 250 reply, send
 * `QUIT`, read its reply, close (keepalived: check/check_smtp.c smtp_engine_thread(), states
 * SMTP_START .. SMTP_RECV_QUIT). The whole dialogue must end within the target's timeout.
 *
 * Where this differs from keepalived, on purpose:
 * - multi-line replies (`220-...` continuation lines, RFC 5321 4.2.1) are read to their last
 *   line; keepalived looks at the first line only and fails a `220-` banner;
 * - a bare code line (`250\r\n`, legal in RFC 5321) is accepted; keepalived's smtp_get_status()
 *   fails it because of the `\r`;
 * - a line longer than SmtpMaxLine bytes fails the check; keepalived wraps its 512-byte buffer
 *   (smtp_get_line_cb()) and goes on reading until its timeout.
 * Like keepalived, any line answers QUIT (its content is not looked at), but the server must
 * send one: a connection closed before it fails the check ("Read failure").
 */
import { connect } from 'node:net';
import type { CheckerCommon } from '../config/checkers/common.js';
import type { SmtpCheck } from '../config/checkers/smtp.js';
import { failed, passed, probeTarget, runBounded, socketErrorReason, type Probe, type ProbeTarget } from './probe.js';
import { connectHost, destroySocket, localEnd } from './tcp.js';

/** keepalived's SMTP_BUFF_MAX: a reply line (CRLF included) may not be longer. */
export const SmtpMaxLine = 512;

/** A reply line or a whole reply, quoted for a log line: the first bytes, control characters escaped. */
export function quoteBytes(b: Uint8Array, max = 40): string {
  const s = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, max)).toString('latin1');
  return JSON.stringify(s) + (b.byteLength > max ? '...' : '');
}

export type SmtpReadResult =
  /** More bytes are needed. */
  | { kind: 'incomplete' }
  /** A complete reply; `rest` are the bytes after it. */
  | { kind: 'reply'; code: number; firstLine: string; rest: Buffer }
  | { kind: 'error'; reason: string };

const ReplyLine = /^([0-9]{3})([ -].*)?$/s;

/**
 * Reads one SMTP reply from the start of `buf` (pure). Lines end in LF (a CR before it is
 * dropped); every line is `NNN-text` except the last, `NNN text` or `NNN`; all lines of a reply
 * carry the same code.
 */
export function readSmtpReply(buf: Buffer, maxLine = SmtpMaxLine): SmtpReadResult {
  let start = 0;
  let code: number | null = null;
  let firstLine = '';
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl + 1;
    if (end - start > maxLine) return { kind: 'error', reason: `reply line longer than ${maxLine} bytes` };
    if (nl < 0) return { kind: 'incomplete' };
    const raw = buf.subarray(start, nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl);
    const m = ReplyLine.exec(raw.toString('latin1'));
    if (!m) return { kind: 'error', reason: `not an SMTP reply: ${quoteBytes(raw)}` };
    const lineCode = Number(m[1]);
    if (code === null) {
      code = lineCode;
      firstLine = raw.toString('latin1');
    } else if (lineCode !== code) {
      return { kind: 'error', reason: `multi-line reply ${code} continued with code ${lineCode}` };
    }
    start = nl + 1;
    if (!m[2]?.startsWith('-')) return { kind: 'reply', code, firstLine, rest: buf.subarray(start) };
  }
}

/**
 * The endpoints one SMTP_CHECK stands for, one checker each (keepalived:
 * smtp_check_end_handler() queues a separate checker, with its own retries, per endpoint):
 * - the checker's own connection options (connect_ip/port, bindto, bind_port, bind_if, fwmark),
 *   defaulting to the real server, when any of them is set or there is no `host {}` block;
 * - then one per deprecated `host {}` block, each defaulting to the real server; when the
 *   checker set no connection option of its own, the first host block takes its place.
 * A host without connect_timeout gets the checker's (keepalived gives it the real or virtual
 * server's; after inheritance these only differ when the checker set its own). Likewise a
 * connect_timeout alone on the checker cannot be seen here and does not count as an option.
 */
export function smtpTargets(check: SmtpCheck, rs: { ip: string; port: number }): ProbeTarget[] {
  const own =
    check.connect_ip !== undefined ||
    check.connect_port !== undefined ||
    check.bindto !== undefined ||
    check.bind_port !== undefined ||
    check.bind_if !== undefined ||
    check.fwmark !== undefined;
  const hosts = check.host.map((h: CheckerCommon) => probeTarget({ ...h, connect_timeout: h.connect_timeout ?? check.connect_timeout }, rs));
  return own || hosts.length === 0 ? [probeTarget(check, rs), ...hosts] : hosts;
}

/** One probe per endpoint of the checker (see smtpTargets). */
export function smtpProbes(check: SmtpCheck, rs: { ip: string; port: number }): Probe[] {
  return smtpTargets(check, rs).map((t) => smtpProbe(check, t));
}

type Stage = 'greeting banner' | 'HELO reply' | 'QUIT reply';

/** One endpoint (the caller makes one per target of smtpTargets()). */
export function smtpProbe(check: SmtpCheck, target: ProbeTarget): Probe {
  const ms = target.timeoutMs;
  const helo = `HELO ${check.helo_name}\r\n`;
  return (signal) => {
    let connected = false;
    let stage: Stage = 'greeting banner';
    const onTimeout = () => failed(connected ? `timed out after ${ms} ms waiting for the ${stage}` : `no connection within ${ms} ms`);
    return runBounded(signal, ms, onTimeout, (run) => {
      let buf: Buffer = Buffer.alloc(0);
      // an invalid local address or port makes net.connect throw: runBounded reports it
      const sock = connect({ host: connectHost(target), port: target.port, ...localEnd(target) });
      const send = (line: string, next: Stage): void => {
        stage = next;
        sock.write(line);
      };
      const onData = (chunk: Buffer): void => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        while (!run.done) {
          if (stage === 'QUIT reply') {
            // keepalived only waits for a line here; what it says does not matter
            if (buf.indexOf(0x0a) >= 0) run.finish(passed('HELO accepted'));
            else if (buf.length > SmtpMaxLine) run.finish(failed(`QUIT reply: reply line longer than ${SmtpMaxLine} bytes`));
            return;
          }
          const r = readSmtpReply(buf);
          if (r.kind === 'incomplete') return;
          if (r.kind === 'error') return run.finish(failed(`${stage}: ${r.reason}`));
          buf = r.rest;
          if (stage === 'greeting banner') {
            if (r.code !== 220) return run.finish(failed(`bad greeting banner: ${r.code} ${quoteBytes(Buffer.from(r.firstLine, 'latin1'))}`));
            send(helo, 'HELO reply');
          } else {
            if (r.code !== 250) return run.finish(failed(`bad HELO reply: ${r.code} ${quoteBytes(Buffer.from(r.firstLine, 'latin1'))}`));
            send('QUIT\r\n', 'QUIT reply');
          }
        }
      };
      sock.setNoDelay(true);
      sock.once('connect', () => {
        connected = true;
      });
      sock.on('data', onData);
      sock.once('end', () => run.finish(failed(`connection closed by the server while waiting for the ${stage}`)));
      sock.once('error', (e) => run.finish(failed(socketErrorReason(e))));
      return () => destroySocket(sock);
    });
  };
}
