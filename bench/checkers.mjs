#!/usr/bin/env node
// bench/checkers: the health-check pool of keepalived-ts at N real servers on loopback at
// delay_loop 1. Real servers are 127.1.0.0 + i (all of 127/8 reaches the listener processes
// on 0.0.0.0), four to a virtual server; the checks are the real TCP_CHECK / HTTP_GET probes run
// by the real pool and health book (IPVS is left out: its edge only counts health changes).
// Reports checks per second, the p99 lateness of a check's start against its schedule, CPU
// seconds per 1,000 checks, and resident memory: at the end (steady), the highest sampled while
// checking, and the highest of the process's life (start included). The configuration is read
// as the daemon reads it (in a worker thread). The real servers are bench/tcp-sink.c or
// bench/http-sink.c (built here with cc), so that the CPU goes to the checker under test.
// usage: npm run build && node [--max-semi-space-size=1] bench/checkers.mjs [N=10000] [tcp|http] [SECONDS=20] [LISTENERS=2]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfigOffHeap } from '../dist/config/off-heap.js';
import { HealthCheckers } from '../dist/check/checkers.js';
import { probeFactory } from '../dist/check/kinds.js';
import { concurrencyFor } from '../dist/check/daemon.js';
import { nativeSockets } from '../dist/native/index.js';
import { silentLogger } from '../dist/log.js';
import { loopbackLvsConfig } from './lib.mjs';

const n = Number(process.argv[2] ?? 10000);
const kind = process.argv[3] ?? 'tcp';
const seconds = Number(process.argv[4] ?? 20);
const listeners = Number(process.argv[5] ?? 2);
const basePort = 18000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const check =
  kind === 'http'
    ? '    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      connect_timeout 2\n    }\n'
    : '    TCP_CHECK {\n      connect_timeout 2\n    }\n';
let conf = loopbackLvsConfig(n, check, (i) => basePort + (i % listeners));
const confPath = join(mkdtempSync(join(tmpdir(), 'kts-bench-checkers-')), 'keepalived.conf');
writeFileSync(confPath, conf);
conf = null;
// as the daemon: two malloc arenas at most, malloc trimmed once started (src/cli/main.ts, daemon.ts)
nativeSockets().limitMallocArenas(2);
const parsed = await parseConfigOffHeap(confPath, { cwd: '/', env: process.env });

const sink = join(dirname(confPath), `${kind}-sink`);
execFileSync('cc', ['-O2', '-o', sink, new URL(`./${kind}-sink.c`, import.meta.url).pathname]);
const procs = [];
for (let l = 0; l < listeners; l++) {
  const p = spawn(sink, [String(basePort + l)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => p.stdout.once('data', r));
  procs.push(p);
}
rmSync(dirname(confPath), { recursive: true });

const limit = nativeSockets().raiseNofileLimit(2 * n + 1024);
let healthChanges = 0;
const checkers = new HealthCheckers(
  parsed.config,
  probeFactory({ config: parsed.config, scripts: { run: async () => ({ code: 0, signal: null, timedOut: false }) }, defaultIdentity: null }),
  { healthChanged: () => healthChanges++, runScript: () => undefined },
  silentLogger(),
  { concurrency: concurrencyFor(limit) },
);
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
checkers.start();
nativeSockets().trimMemory();
// bootstrap (1 s) plus the warmup spread (delay_loop): every checker has run once after that
await sleep(2500);
checkers.pool.resetStats();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await sleep(seconds * 1000);
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const stats = checkers.stats();
const steadyRss = process.memoryUsage().rss;
if (process.env.BENCH_MEM) console.error((await import("node:fs")).readFileSync("/proc/self/smaps_rollup", "utf8").split("\n").filter((l) => /^(Rss|Anonymous|Pss_File)/.test(l)).join(" "), JSON.stringify(Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 2 ** 20)]))), JSON.stringify(process.memoryUsage.rss()));
const down = checkers.status().filter((s) => !s.up).length;
await checkers.stop();
clearInterval(rssTimer);
for (const p of procs) p.kill('SIGTERM');

const result = {
  realServers: n,
  kind,
  seconds: Number(elapsed.toFixed(1)),
  concurrency: concurrencyFor(limit),
  checksPerSecond: Math.round(stats.checks / elapsed),
  expectedPerSecond: n,
  latenessP50Ms: stats.latenessP50Ms,
  latenessP99Ms: stats.latenessP99Ms,
  latenessMaxMs: stats.latenessMaxMs,
  cpuSecondsPer1000Checks: Number((((cpu.user + cpu.system) / 1e6 / stats.checks) * 1000).toFixed(4)),
  steadyRssMB: Math.round(steadyRss / 2 ** 20),
  peakRssWhileCheckingMB: Math.round(peakRss / 2 ** 20),
  peakRssLifetimeMB: Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20),
  downAtEnd: down,
  healthChanges,
};
console.log(JSON.stringify(result));
