// Inside User-Mode Linux (run by bench/checkers-uml.mjs): keepalived -C and keepalived-ts -C,
// one after the other, with one configuration of N TCP_CHECK (or HTTP_GET) real servers at
// delay_loop 1 (127.1.x.y, all reaching one bench/tcp-sink or http-sink on 0.0.0.0:18000;
// IPVS programmed for real).
// For each agent, over SECONDS once every checker has run: checks per second as the sink
// counts the connections, CPU seconds of the agent's processes per 1,000 checks, and their RSS.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [n, seconds, sinkPath, kind] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 20), process.argv[4], process.argv[5] ?? 'tcp'];
const check =
  kind === 'http'
    ? '    HTTP_GET {\n      url {\n        path /\n        status_code 200\n      }\n      connect_timeout 2\n    }\n'
    : '    TCP_CHECK {\n      connect_timeout 2\n    }\n';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' });
sh('ip', ['link', 'set', 'lo', 'up']);

const dir = mkdtempSync('/tmp/kts-checkers-uml-');
const rsIp = (i) => {
  const v = (127 << 24) + (1 << 16) + i;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
};
let conf = '';
for (let v = 0; v * 4 < n; v++) {
  conf += `virtual_server 192.0.2.${1 + (v % 250)} ${1000 + Math.floor(v / 250)} {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n`;
  for (let i = v * 4; i < Math.min(n, v * 4 + 4); i++) conf += `  real_server ${rsIp(i)} 18000 {\n${check}  }\n`;
  conf += '}\n';
}
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

const results = [];
for (const agent of ['keepalived', 'keepalived-ts']) results.push(await measure(agent));
sink.kill('SIGTERM');
console.log(JSON.stringify({ realServers: n, kind, seconds, results }));
