#!/usr/bin/env node
// Time keepalived-ts's configuration reader on a generated LVS configuration of N virtual
// servers with 4 real servers each (TCP_CHECK on half, HTTP_GET on the other half).
// Usage: npm run build && node bench/config-parse.mjs [N=2500] [ROUNDS=5]
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../dist/config/index.js';
import { nodeConfigFs } from '../dist/io/node-config-fs.js';
import { systemHostEnvironment } from '../dist/io/host-environment.js';

const services = Number(process.argv[2] ?? 2500);
const rounds = Number(process.argv[3] ?? 5);
const lines = ['global_defs {', '  router_id bench', '}'];
for (let s = 0; s < services; s++) {
  // documentation prefix only; nothing is sent, but the file may be reused in a lab
  const vip = `2001:db8:${s.toString(16)}::1`;
  lines.push(`virtual_server ${vip} 80 {`, '  delay_loop 6', '  lb_algo wrr', '  lb_kind DR', '  protocol TCP');
  for (let r = 0; r < 4; r++) {
    lines.push(`  real_server 2001:db8:${s.toString(16)}::${10 + r} 80 {`, '    weight 1');
    if (r % 2) lines.push('    TCP_CHECK {', '      connect_timeout 3', '    }');
    else lines.push('    HTTP_GET {', '      url {', '        path /health', '        status_code 200', '      }', '      connect_timeout 3', '    }');
    lines.push('  }');
  }
  lines.push('}');
}
const dir = mkdtempSync(join(tmpdir(), 'kts-bench-'));
const file = join(dir, 'keepalived.conf');
writeFileSync(file, lines.join('\n') + '\n');
const host = systemHostEnvironment();
const times = [];
let result;
for (let i = 0; i < rounds; i++) {
  const t0 = process.hrtime.bigint();
  result = parseConfig(file, { fs: nodeConfigFs, host, cwd: dir });
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
// keepalived -t on the same file, when it is installed, for comparison (it reads the file in
// each of its passes, as the daemon does).
let keepalivedMs = null;
try {
  const { execFileSync } = await import('node:child_process');
  const t0 = process.hrtime.bigint();
  execFileSync('keepalived', ['-t', '-f', file], { stdio: 'ignore' });
  keepalivedMs = Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
} catch (e) {
  if (e.status !== undefined && e.status !== null) keepalivedMs = 'exit ' + e.status;
}
rmSync(dir, { recursive: true });
times.sort((a, b) => a - b);
const realServers = result.config.virtual_server.reduce((n, vs) => n + vs.real_server.length, 0);
console.log(JSON.stringify({
  lines: lines.length,
  virtual_servers: result.config.virtual_server.length,
  real_servers: realServers,
  diagnostics: result.diagnostics.length,
  median_ms: Math.round(times[Math.floor(times.length / 2)]),
  best_ms: Math.round(times[0]),
  keepalived_t_ms: keepalivedMs,
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
}));
