// bench/ipvs: keepalived-ts against `ipvsadm -R` programming the same IPVS table on a real
// kernel (User-Mode Linux, see src/lab/uml.ts). Root; needs user-mode-linux, kmod, ipvsadm.
// usage: node bench/ipvs.mjs [SERVICES=10000] [RUNS=3]
import { runInUml } from '../dist/lab/uml.js';

const services = Number(process.argv[2] ?? 10000);
const runs = Number(process.argv[3] ?? 3);
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await runInUml(['node', 'bench/ipvs-inside.mjs', String(services)], { timeoutS: 900, memory: '2G' });
  if (r.code !== 0) throw new Error(`run ${i + 1} failed (${r.code}): ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1));
  results.push(res);
  console.error(`run ${i + 1}: ${JSON.stringify(res)}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ops = results[0].ops;
const ours = median(results.map((r) => r.oursProgramMs));
const theirs = median(results.map((r) => r.ipvsadmRestoreMs));
const f = (n) => n.toFixed(0);
console.log(`| ${services} services x 4 dests (${ops} ops), median of ${runs} | time ms | ops/s |`);
console.log('|---|---|---|');
console.log(`| ipvsadm -R (program) | ${f(theirs)} | ${f((ops / theirs) * 1000)} |`);
console.log(`| keepalived-ts (dump + reconcile + program) | ${f(ours)} | ${f((ops / ours) * 1000)} |`);
console.log(`| keepalived-ts re-sync, nothing to change | ${f(median(results.map((r) => r.oursNoopSyncMs)))} | - |`);
console.log(`| keepalived-ts health change in one service (its dests only, no dump) | ${f(median(results.map((r) => r.oursHealthChangeMs)))} | - |`);
console.log(`| the same change by a full sync (dump + reconcile of every service) | ${f(median(results.map((r) => r.oursHealthChangeByFullSyncMs)))} | - |`);
console.log(`| keepalived-ts stop (each dest, then each service, as keepalived) | ${f(median(results.map((r) => r.oursStopMs)))} | ${f((ops / median(results.map((r) => r.oursStopMs))) * 1000)} |`);
console.log(`| ipvsadm -C (flush) | ${f(median(results.map((r) => r.ipvsadmFlushMs)))} | - |`);
console.log(`| keepalived.conf parse | ${f(median(results.map((r) => r.parseMs)))} | - |`);
console.log(`\nkeepalived-ts / ipvsadm -R speed ratio: ${(theirs / ours).toFixed(2)}`);
console.log(JSON.stringify(results));
