// Inside User-Mode Linux (run by bench/checkers-uml.mjs): keepalived -C and keepalived-ts -C,
// one after the other, with one configuration of N TCP_CHECK (or HTTP_GET) real servers at
// delay_loop 1 (127.1.x.y, all reaching one bench/tcp-sink or http-sink on 0.0.0.0:18000;
// IPVS programmed for real).
// For each agent, over SECONDS once every checker has run: checks per second as the sink
// counts the connections, CPU seconds of the agent's processes per 1,000 checks, and their RSS.
// --start-only[=RUNS]: only the start, RUNS times per agent (default 3), alternating, after one
// round that warms the caches and is not counted (see measureStart below); --also=CLI[,CLI]
// adds other builds of keepalived-ts (their dist/cli.js) to the same runs, to compare on one boot.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loopbackLvsConfig, loopbackRsIp } from './lib.mjs';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const [n, seconds, sinkPath, kind] = [Number(positional[0] ?? 1000), Number(positional[1] ?? 20), positional[2], positional[3] ?? 'tcp'];
const also = flags.find((f) => f.startsWith('--also='))?.slice('--also='.length).split(',') ?? [];
const startRuns = flags.find((f) => f.startsWith('--start-only')) ? Number(flags.find((f) => f.startsWith('--start-only')).split('=')[1] ?? 3) : 0;
const check =
  kind === 'http'
    ? '    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      connect_timeout 2\n    }\n'
    : '    TCP_CHECK {\n      connect_timeout 2\n    }\n';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' });
sh('ip', ['link', 'set', 'lo', 'up']);
if (startRuns > 0) {
  // the start-only runs add one VRRP instance (a BACKUP that stays alone on a veth pair)
  sh('ip', ['link', 'add', 'kv0', 'type', 'veth', 'peer', 'name', 'kv1']);
  sh('ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'kv0']);
  for (const l of ['kv0', 'kv1']) sh('ip', ['link', 'set', l, 'up']);
}

const dir = mkdtempSync('/tmp/kts-checkers-uml-');
const rsIp = loopbackRsIp;
let conf = loopbackLvsConfig(n, check);
if (startRuns > 0) conf += 'vrrp_instance VI_1 {\n  state BACKUP\n  interface kv0\n  virtual_router_id 51\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    198.51.100.100/24\n  }\n}\n';
writeFileSync(join(dir, 'keepalived.conf'), conf);

const sink = spawn(sinkPath, ['18000'], { stdio: ['ignore', 'pipe', 'inherit'] });
const sinkLines = [];
let pendingLine = null;
sink.stdout.setEncoding('utf8');
sink.stdout.on('data', (t) => {
  for (const l of t.split('\n').filter(Boolean)) {
    sinkLines.push(l);
    pendingLine?.(l);
  }
});
await new Promise((r) => (pendingLine = (l) => l === 'ready' && r()));
const sinkCount = () =>
  new Promise((r) => {
    pendingLine = (l) => r(Number(l));
    sink.kill('SIGUSR1');
  });

/** utime + stime (s) and RSS (kB) of every process in the agent's process group. */
function usage(pgid) {
  let cpu = 0;
  let rss = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) !== pgid) continue; // field 5: pgrp
      cpu += (Number(f[11]) + Number(f[12])) / 100; // utime, stime in USER_HZ ticks
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return { cpu, rss };
}

async function measure(agent) {
  const argv =
    agent === 'keepalived-ts'
      ? ['dist/cli.js', ['-C', '-n', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-c', join(dir, 'c.pid')]]
      : ['keepalived', ['-C', '-n', '-D', '-f', join(dir, 'keepalived.conf'), '-p', join(dir, 'k.pid'), '-c', join(dir, 'c.pid')]];
  const p = spawn(argv[0], argv[1], { stdio: ['ignore', 'ignore', 'ignore'], detached: true });
  // started: every service programmed; then bootstrap (1 s) and the warmup spread (1 s) pass
  const t0 = Date.now();
  while (!sh('ipvsadm', ['-Ln']).includes(`${rsIp(n - 1)}:18000`)) {
    if (Date.now() - t0 > 300_000) throw new Error(`${agent}: table not programmed in 300 s`);
    await sleep(500);
  }
  const startS = (Date.now() - t0) / 1000;
  await sleep(5000);
  const c0 = await sinkCount();
  const u0 = usage(p.pid);
  const w0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = await sinkCount();
  const u1 = usage(p.pid);
  const elapsed = (performance.now() - w0) / 1000;
  const dests = sh('ipvsadm', ['-Ln']).split('\n').filter((l) => l.includes(':18000')).length;
  process.kill(-p.pid, 'SIGTERM');
  await new Promise((r) => p.once('exit', r));
  sh('ipvsadm', ['-C']);
  const checks = c1 - c0;
  return {
    agent,
    startS: Number(startS.toFixed(1)),
    checksPerSecond: Math.round(checks / elapsed),
    cpuSecondsPer1000Checks: Number((((u1.cpu - u0.cpu) / checks) * 1000).toFixed(4)),
    cpuShare: Number(((u1.cpu - u0.cpu) / elapsed).toFixed(2)),
    rssMB: Math.round(u1.rss / 1024),
    destsAtEnd: dests,
  };
}

/**
 * --start-only: from spawning the agent (both subsystems, -l so that it logs to its stderr, here
 * a file) to the IPVS table programmed (the last real server of the last virtual server is in
 * the kernel's table: both agents add in configuration order, one request after the other on
 * one socket; the full table is checked once afterwards) and the VRRP instance in BACKUP
 * ("Entering BACKUP STATE" in its log). Polled every 20 ms in this process over netlink (no
 * ipvsadm process per poll, which would take the one CPU from the agent). For keepalived-ts, the
 * times of its log lines (pino's `time`, in ms) give the phases.
 */
async function measureStart(agent, run) {
  const { IpvsClient } = await import(new URL('../dist/ipvs/client.js', import.meta.url).href);
  const client = await IpvsClient.open();
  const v = Math.ceil(n / 4) - 1;
  const last = { af: 2, protocol: 6, address: `192.0.2.${1 + (v % 250)}`, port: 1000 + Math.floor(v / 250), fwmark: 0 };
  const lastRs = rsIp(n - 1);
  const logFile = join(dir, `${agent.replace(/\//g, '_')}-${run}.log`);
  const fd = openSync(logFile, 'w');
  const files = ['-p', join(dir, 'k.pid'), '-r', join(dir, 'r.pid'), '-c', join(dir, 'c.pid')];
  const [cmd, args] = agent === 'keepalived' ? ['keepalived', ['-n', '-l', '-D', '-f', join(dir, 'keepalived.conf'), ...files]] : [agent === 'keepalived-ts' ? 'dist/cli.js' : agent, ['-n', '-l', '-D', '-f', join(dir, 'keepalived.conf'), ...files]];
  const t0 = Date.now();
  const p = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let tableMs = null;
  let backupMs = null;
  const logFd = openSync(logFile, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let seen = '';
  while (tableMs === null || backupMs === null) {
    const now = Date.now() - t0;
    if (now > 300_000) throw new Error(`${agent}: not started in 300 s`);
    if (tableMs === null) {
      try {
        if ((await client.dests(last)).some((d) => d.address === lastRs)) tableMs = Date.now() - t0;
      } catch {
        // the service is not there yet
      }
    }
    if (backupMs === null) {
      // only what was written since the last poll (re-reading the whole log each time would take the CPU from the agent)
      const got = readSync(logFd, chunk, 0, chunk.length, null);
      seen = seen.slice(-64) + chunk.toString('latin1', 0, got);
      if (seen.includes('Entering BACKUP STATE')) backupMs = Date.now() - t0;
    }
    await sleep(20);
  }
  const cpuS = usage(p.pid).cpu;
  client.close();
  closeSync(logFd);
  const dests = sh('ipvsadm', ['-Ln']).split('\n').filter((l) => l.includes(':18000')).length;
  process.kill(-p.pid, 'SIGTERM');
  await new Promise((r) => p.once('exit', r));
  sh('ipvsadm', ['-C']);
  if (dests !== n) throw new Error(`${agent}: ${dests} of ${n} real servers in the table when the last was seen`);
  // cpuS: CPU time of the agent's processes when both were seen (less noisy than the wall time when the host is busy)
  const result = { agent, run, startMs: Math.max(tableMs, backupMs), tableMs, backupMs, cpuS, destsAtStart: dests };
  if (agent !== 'keepalived') {
    // the first line of each kind, ms from the spawn
    const marks = { firstLog: /./, checkersStarting: /Starting Healthcheck child/, ipvsFound: /IPVS: kernel table found/, firstIpvsOp: /"msg":"IPVS: add/, tableProgrammed: /IPVS: table programmed/, vrrpStarting: /Starting VRRP child/, backup: /Entering BACKUP STATE/ };
    const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{'));
    result.phasesMs = {};
    for (const [k, re] of Object.entries(marks)) {
      const l = lines.find((x) => re.test(x));
      if (l) result.phasesMs[k] = JSON.parse(l).time - t0;
    }
    // -D: the agent's own marks (src/startup-timing.ts), ms from its process start, which was
    // about `processStart` ms after the spawn
    const timing = lines.find((x) => x.includes('"msg":"Start timing'));
    if (timing) {
      const { time, ms } = JSON.parse(timing);
      result.startTiming = { processStart: time - t0 - ms.checkersStarted, ...ms };
    }
  }
  return result;
}

const results = [];
if (startRuns > 0) {
  const agents = ['keepalived', 'keepalived-ts', ...also];
  for (let run = 0; run <= startRuns; run++) for (const agent of agents) results.push(await measureStart(agent, run));
  const counted = results.filter((r) => r.run > 0);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = agents.map((agent) => {
    const rs = counted.filter((r) => r.agent === agent);
    return { agent, startMsMedian: median(rs.map((r) => r.startMs)), cpuSMedian: median(rs.map((r) => r.cpuS)), startMs: rs.map((r) => r.startMs) };
  });
  sink.kill('SIGTERM');
  console.log(JSON.stringify({ realServers: n, kind, startOnly: true, summary, results: counted, warmup: results.filter((r) => r.run === 0) }));
  process.exit(0);
}
for (const agent of ['keepalived', 'keepalived-ts']) results.push(await measure(agent));
sink.kill('SIGTERM');
console.log(JSON.stringify({ realServers: n, kind, seconds, results }));
