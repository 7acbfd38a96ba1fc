// Runs INSIDE User-Mode Linux (started by bench/ipvs.mjs): programs N services x 4 dests with
// keepalived-ts (the IPVS controller, from a parsed keepalived.conf) and with `ipvsadm -R`,
// tears both down, and prints the timings as JSON.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { IpvsClient } from '../dist/ipvs/client.js';
import { IpvsController } from '../dist/ipvs/controller.js';
import { parseConfig } from '../dist/config/index.js';
import { nodeConfigFs } from '../dist/io/node-config-fs.js';
import { systemHostEnvironment } from '../dist/io/host-environment.js';
import { silentLogger } from '../dist/log.js';

const services = Number(process.argv[2] ?? 10000);
const destsPer = 4;
const vip = (i) => `192.0.2.${1 + (i % 250)}`;
const port = (i) => 1000 + Math.floor(i / 250);
const now = () => Number(process.hrtime.bigint()) / 1e6;

// the same table as keepalived.conf and as ipvsadm -R input
let conf = '';
let restore = '';
for (let i = 0; i < services; i++) {
  conf += `virtual_server ${vip(i)} ${port(i)} {\n  lb_algo wrr\n  lb_kind NAT\n  protocol TCP\n`;
  restore += `-A -t ${vip(i)}:${port(i)} -s wrr\n`;
  for (let d = 1; d <= destsPer; d++) {
    conf += `  real_server 203.0.113.${d} ${port(i)} {\n    weight ${d}\n  }\n`;
    restore += `-a -t ${vip(i)}:${port(i)} -r 203.0.113.${d}:${port(i)} -m -w ${d}\n`;
  }
  conf += '}\n';
}
writeFileSync('/run/bench.conf', conf);
const ops = services * (1 + destsPer);
const result = { services, dests: services * destsPer, ops };

// ipvsadm -R: program, check, flush
let t = now();
execFileSync('ipvsadm', ['-R'], { input: restore });
result.ipvsadmRestoreMs = now() - t;
const count = () => execFileSync('ipvsadm', ['-Ln'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter((l) => l.startsWith('  -> ')).length;
result.ipvsadmDests = count();
t = now();
execFileSync('ipvsadm', ['-C']);
result.ipvsadmFlushMs = now() - t;

// keepalived-ts: parse, program (dump + reconcile + requests), reconcile again (no-op), stop
t = now();
const parsed = parseConfig('/run/bench.conf', { fs: nodeConfigFs, host: systemHostEnvironment(), cwd: '/', env: process.env });
result.parseMs = now() - t;
const client = await IpvsClient.open();
// the health checks' view, as the checker daemon gives it: here one real server will go down
const down = new Set();
const health = { alive: (_vs, rs) => !down.has(rs), weight: (_vs, rs) => rs.weight };
const controller = new IpvsController(parsed.config, client, silentLogger(), health);
t = now();
const report = await controller.start();
result.oursProgramMs = now() - t;
result.oursApplied = report.applied;
result.oursFailed = report.failed;
result.oursDests = (await client.table()).reduce((n, e) => n + e.dests.length, 0);
t = now();
const again = await controller.sync();
result.oursNoopSyncMs = now() - t;
result.oursNoopOps = Object.values(again.applied).reduce((a, b) => a + b, 0);
// a health change in one service of N: what the checkers do (only that service), then the same
// change back as a full sync would bring it (dump + reconcile of every service)
const changed = parsed.config.virtual_server[Math.floor(services / 2)];
down.add(changed.real_server[0]);
t = now();
const partial = await controller.syncVirtualServers([changed]);
result.oursHealthChangeMs = now() - t;
result.oursHealthChangeOps = Object.values(partial.applied).reduce((a, b) => a + b, 0);
down.delete(changed.real_server[0]);
t = now();
const full = await controller.sync();
result.oursHealthChangeByFullSyncMs = now() - t;
result.oursHealthChangeByFullSyncOps = Object.values(full.applied).reduce((a, b) => a + b, 0);
t = now();
await controller.stop();
result.oursStopMs = now() - t;
result.afterStop = (await client.table()).length;
client.close();
console.log(JSON.stringify(result));
