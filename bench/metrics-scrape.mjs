#!/usr/bin/env node
// bench/metrics-scrape: what /metrics and /status cost at N real servers. The checkers are real
// (TCP_CHECK against bench/tcp-sink.c on loopback, delay_loop 1, the real pool and health book,
// as bench/checkers.mjs); the IPVS table is the desired one (no kernel: the scrape reads the
// controller's table and counters, never the kernel). A scrape is what the daemon does for
// GET /metrics: a DumpSnapshot of the running daemon, then the exposition text, served by the
// daemon's HTTP server on 127.0.0.1 and fetched whole.
// Reports per scrape: wall time (median and p99 over ROUNDS), CPU time, body size and series;
// the same for /status; the CPU it adds at a 15 s and a 1 s scrape interval; and, when prom-client
// can be required (`npm i --prefix /tmp/pc prom-client` and NODE_PATH=/tmp/pc/node_modules), the same series kept in prom-client gauges.
// usage: npm run build && node bench/metrics-scrape.mjs [N=10000] [ROUNDS=30]
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfigOffHeap } from '../dist/config/off-heap.js';
import { HealthCheckers } from '../dist/check/checkers.js';
import { CheckMetrics } from '../dist/check/check-metrics.js';
import { probeFactory } from '../dist/check/kinds.js';
import { concurrencyFor } from '../dist/check/daemon.js';
import { desiredTable } from '../dist/ipvs/desired.js';
import { nativeSockets } from '../dist/native/index.js';
import { silentLogger } from '../dist/log.js';
import { EventHub } from '../dist/events/hub.js';
import { DaemonSnapshotter } from '../dist/cli/daemon-snapshot.js';
import { DaemonObserver } from '../dist/observe/observer.js';
import { ObservabilityServer } from '../dist/observe/http-server.js';
import { loopbackLvsConfig } from './lib.mjs';

const n = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 30);
const port = 18100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let conf = loopbackLvsConfig(n, '    TCP_CHECK {\n      connect_timeout 2\n    }\n', () => port);
const confPath = join(mkdtempSync(join(tmpdir(), 'kts-bench-metrics-')), 'keepalived.conf');
writeFileSync(confPath, conf);
conf = null;
const parsed = await parseConfigOffHeap(confPath, { cwd: '/', env: process.env });
const sink = join(dirname(confPath), 'tcp-sink');
execFileSync('cc', ['-O2', '-o', sink, new URL('./tcp-sink.c', import.meta.url).pathname]);
const sinkProc = spawn(sink, [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => sinkProc.stdout.once('data', r));
rmSync(dirname(confPath), { recursive: true });

const limit = nativeSockets().raiseNofileLimit(2 * n + 1024);
const checkMetrics = new CheckMetrics();
const health = new HealthCheckers(
  parsed.config,
  probeFactory({ config: parsed.config, scripts: { run: async () => ({ code: 0, signal: null, timedOut: false }) }, defaultIdentity: null }),
  { healthChanged: () => undefined, runScript: () => undefined },
  silentLogger(),
  { concurrency: concurrencyFor(limit), metrics: checkMetrics },
);
const controller = {
  desired: desiredTable(parsed.config, health.book).table,
  counters: { fullSyncs: 1, partialSyncs: 0, applied: { 'add-service': n / 4, 'edit-service': 0, 'delete-service': 0, 'add-dest': n, 'edit-dest': 0, 'delete-dest': 0 }, refusedRetried: 0, refused: 0 },
};
// the members of CheckerDaemon that the snapshot and the observer read
const checkerDaemon = { config: parsed.config, controller, checkMetrics, status: () => ({ checkers: health.status(), pool: health.stats() }) };
const hub = new EventHub();
const sources = { hub, config: () => parsed.config, vrrp: () => null, checkers: () => checkerDaemon };
const snapshotter = new DaemonSnapshotter(sources);
const observer = new DaemonObserver({ sources, snapshotter, wanted: () => ({ vrrp: false, checkers: true }), stopping: () => false });
const server = await ObservabilityServer.start({ listen: [{ host: '127.0.0.1', port: 0 }], log: silentLogger(), routes: { metrics: () => observer.metrics(), status: () => observer.status(), health: () => observer.health() } });
const base = `http://127.0.0.1:${server.addresses[0].port}`;

health.start();
await sleep(3000); // every checker has run at least once: states, results and histograms are filled
// then the checks stop, so that the CPU measured is the scrape's alone (10,000 checks a second
// would take most of this machine's two cores and drown it)
await health.pool.stop();

async function measure(path) {
  const wall = [];
  const cpu = [];
  let bytes = 0;
  let series = 0;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const body = await (await fetch(`${base}${path}`)).text();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    bytes = Buffer.byteLength(body);
    series = path === '/metrics' ? body.split('\n').filter((l) => l && !l.startsWith('#')).length : 0;
    await sleep(200);
  }
  const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
  return { wallMedianMs: Number(q(wall, 0.5).toFixed(1)), wallP99Ms: Number(q(wall, 0.99).toFixed(1)), cpuMedianMs: Number(q(cpu, 0.5).toFixed(1)), bytes, series };
}

const metrics = await measure('/metrics');
const status = await measure('/status');
// the daemon's side alone: snapshot and text, without the HTTP transfer and the client
const inProcess = [];
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  await observer.metrics();
  const c = process.cpuUsage(c0);
  inProcess.push((c.user + c.system) / 1000);
}
inProcess.sort((a, b) => a - b);
const scrapeCpuMs = inProcess[Math.floor(inProcess.length / 2)];

let promClient = null;
try {
  const prom = createRequire(import.meta.url)('prom-client');
  // the real-server series in prom-client gauges, set from the same state at each scrape (its collect() hook)
  const registry = new prom.Registry();
  const up = new prom.Gauge({ name: 'keepalived_real_server_up', help: 'up', labelNames: ['virtual_server', 'real_server'], registers: [registry] });
  const weight = new prom.Gauge({ name: 'keepalived_real_server_weight', help: 'weight', labelNames: ['virtual_server', 'real_server'], registers: [registry] });
  const wall = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const s of health.status()) {
      up.set({ virtual_server: s.virtual_server, real_server: s.real_server }, s.alive ? 1 : 0);
      weight.set({ virtual_server: s.virtual_server, real_server: s.real_server }, s.weight);
    }
    const text = await registry.metrics();
    wall.push(performance.now() - t0);
    promClient = { bytes: Buffer.byteLength(text) };
  }
  wall.sort((a, b) => a - b);
  promClient.twoFamiliesMedianMs = Number(wall[Math.floor(wall.length / 2)].toFixed(1));
} catch (e) {
  if (e.code !== 'MODULE_NOT_FOUND') throw e;
}

await server.close();
await health.stop();
observer.close();
sinkProc.kill('SIGTERM');
console.log(
  JSON.stringify({
    realServers: n,
    rounds,
    metrics,
    status,
    daemonCpuPerScrapeMs: Number(scrapeCpuMs.toFixed(1)),
    cpuPercentAt15s: Number(((scrapeCpuMs / 15000) * 100).toFixed(3)),
    cpuPercentAt1s: Number(((scrapeCpuMs / 1000) * 100).toFixed(2)),
    promClient,
  }),
);
process.exit(0);
