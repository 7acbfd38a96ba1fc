#!/usr/bin/env node
// Failover timing of keepalived-ts and of Debian's keepalived, side by side in one run, in the
// namespace lab (root): h1 MASTER priority 150 fails, h2 BACKUP priority 100 takes over;
// measured from a capture on the bridge (kernel timestamps): the old master's last advert (its
// priority-0 advert for SIGTERM) -> the new master's first advert and first gratuitous ARP.
// Usage: npm run build && node bench/failover.mjs [TRIALS=20] [SCENARIO...]
//   SCENARIO = VERSION:ADVERT_INT:MODE, MODE = kill9 | term | linkdown (default: the four below)
import { spawnSync } from 'node:child_process';
import { FailoverLab } from '../dist/lab/failover.js';

const trials = Number(process.argv[2] ?? 20);
const scenarios = process.argv.slice(3).length ? process.argv.slice(3) : ['2:1:kill9', '2:1:term', '2:1:linkdown', '3:0.1:kill9'];
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const rows = [];
for (const sc of scenarios) {
  const [v, adv, mode] = sc.split(':');
  for (const agent of ['keepalived', 'keepalived-ts']) {
    const lab = new FailoverLab('ktsbench', `/tmp/kts-bench-failover/${agent}`);
    await lab.up();
    try {
      const spec = { agent, version: Number(v), advertInt: Number(adv), mode, trials };
      const rs = await lab.run(spec, (line) => console.error(line));
      const over = rs.map((r) => r.advertMs - r.boundMs);
      const garps = rs.filter((r) => r.garpMs !== null).map((r) => r.garpMs - r.boundMs);
      rows.push({
        scenario: sc,
        agent,
        trials: rs.length,
        bound_ms: rs[0]?.boundMs,
        advert_p50_ms: quantile(rs.map((r) => r.advertMs), 0.5),
        advert_p99_ms: quantile(rs.map((r) => r.advertMs), 0.99),
        advert_over_bound_p99_ms: quantile(over, 0.99),
        garp_p50_ms: garps.length ? quantile(rs.map((r) => r.garpMs).filter((x) => x !== null), 0.5) : null,
        garp_over_bound_p99_ms: garps.length ? quantile(garps, 0.99) : null,
      });
    } finally {
      lab.down();
      // a daemon that outlived its scenario would distort the next one: say so and end it
      const left = spawnSync('pgrep', ['-f', `/tmp/kts-bench-failover/${agent}/`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (left.length) {
        console.error(`warning: ${left.length} ${agent} process(es) outlived the ${sc} scenario: ${left.join(' ')} - killed`);
        for (const pid of left) try { process.kill(Number(pid), 'SIGKILL'); } catch {}
      }
    }
  }
}
const f = (x) => (x === null || x === undefined ? '-' : x.toFixed(1));
console.log('| scenario | agent | trials | RFC bound ms | first advert p50 ms | p99 ms | p99 over bound ms | first GARP p50 ms | GARP p99 over bound ms |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.scenario} | ${r.agent} | ${r.trials} | ${f(r.bound_ms)} | ${f(r.advert_p50_ms)} | ${f(r.advert_p99_ms)} | ${f(r.advert_over_bound_p99_ms)} | ${f(r.garp_p50_ms)} | ${f(r.garp_over_bound_p99_ms)} |`);
}
console.log(JSON.stringify(rows));
