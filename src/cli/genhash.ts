/**
 * `keepalived-ts genhash`: the digest an HTTP_GET/SSL_GET `url { digest }` must hold, with the
 * options of keepalived's genhash (-s server -p port -u url -S -V virtualhost -t timeout).
 */
import { Command, CommanderError } from 'commander';
import { genhash } from '../check/http.js';

export interface GenhashIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export async function runGenhashCommand(argv: readonly string[], io: GenhashIo): Promise<number> {
  const cmd = new Command('keepalived-ts genhash')
    .description("print the MD5 digest of a URL's body, as keepalived's genhash does, for HTTP_GET/SSL_GET `digest`")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('-s, --server <address>', 'server address')
    .option('-p, --port <port>', 'server port (default 80, 443 with --use-ssl)')
    .requiredOption('-u, --url <url>', 'path, or an absolute http:// or https:// URL')
    .option('-S, --use-ssl', 'TLS (SSL_GET)')
    .option('-I, --sni', 'send the virtual host as the TLS server name')
    .option('-V, --use-virtualhost <host>', 'Host header')
    .option('-t, --timeout <seconds>', 'timeout', '5')
    .option('-P, --protocol <version>', 'HTTP protocol 1.0, 1.0C or 1.1 (accepted; see README)');
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? 0 : 1;
    throw e;
  }
  const o = cmd.opts<{ server?: string; port?: string; url: string; useSsl?: boolean; sni?: boolean; useVirtualhost?: string; timeout: string; protocol?: string }>();
  const port = o.port === undefined ? undefined : Number(o.port);
  const timeoutS = Number(o.timeout);
  if ((port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) || !(timeoutS > 0)) {
    io.stderr('keepalived-ts genhash: invalid --port or --timeout\n');
    return 1;
  }
  if (!/^https?:\/\//.test(o.url) && o.server === undefined) {
    io.stderr('keepalived-ts genhash: --server is needed with a path URL\n');
    return 1;
  }
  try {
    const r = await genhash(o.url, {
      ...(o.server !== undefined ? { server: o.server } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(o.useSsl ? { ssl: true } : {}),
      ...(o.useVirtualhost !== undefined ? { virtualhost: o.useVirtualhost } : {}),
      ...(o.sni ? { sni: true } : {}),
      timeoutMs: Math.round(timeoutS * 1000),
    });
    io.stdout(`HTTP status = ${r.status}\nbody bytes = ${r.bytes}\nMD5SUM = ${r.digest}\n`);
    return 0;
  } catch (e) {
    io.stderr(`keepalived-ts genhash: ${(e as Error).message}\n`);
    return 1;
  }
}
