// bench/checkers-uml: keepalived's checker and ours side by side on one kernel (User-Mode Linux,
// src/lab/uml.ts, so that both program a real IPVS): the same configuration of N TCP_CHECK real
// servers at delay_loop 1, run one after the other. Root; needs user-mode-linux, kmod, ipvsadm,
// keepalived and cc.
// usage: npm run build && node bench/checkers-uml.mjs [N=1000] [SECONDS=20] [tcp|http] [--start-only[=RUNS]] [--also=CLI,...]
// --start-only: only the time from process start to the table programmed and a VRRP instance in
// BACKUP, RUNS (3) times per agent, alternating after a warm-up round; the median and each
// run's phases. --also: other builds of keepalived-ts (absolute paths of their dist/cli.js) in
// the same runs, e.g. the code before a change.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInUml } from '../dist/lab/uml.js';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const startOnly = process.argv.slice(2).find((a) => a.startsWith('--start-only'));
const also = process.argv.slice(2).find((a) => a.startsWith('--also='));
const n = Number(positional[0] ?? 1000);
const seconds = Number(positional[1] ?? 20);
const kind = positional[2] ?? 'tcp';
const dir = mkdtempSync(join(tmpdir(), 'kts-checkers-uml-'));
const sink = join(dir, `${kind}-sink`);
execFileSync('cc', ['-O2', '-o', sink, new URL(`./${kind}-sink.c`, import.meta.url).pathname]);
try {
  const r = await runInUml(['node', 'bench/checkers-uml-inside.mjs', String(n), String(seconds), sink, kind, ...(startOnly ? [startOnly] : []), ...(also ? [also] : [])], { timeoutS: 1200, memory: '2G' });
  if (r.code !== 0) throw new Error(`UML run failed (${r.code}): ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1));
  if (startOnly) {
    console.log(`| ${n} ${kind === 'http' ? 'HTTP_GET' : 'TCP_CHECK'} real servers + 1 VRRP instance | start s, median | CPU s, median | runs (s): table programmed / BACKUP |`);
    console.log('|---|---|---|---|');
    for (const a of res.summary) {
      const runs = res.results.filter((x) => x.agent === a.agent).map((x) => `${(x.tableMs / 1000).toFixed(2)} / ${(x.backupMs / 1000).toFixed(2)}`);
      console.log(`| ${a.agent} | ${(a.startMsMedian / 1000).toFixed(2)} | ${a.cpuSMedian.toFixed(2)} | ${runs.join(', ')} |`);
    }
    console.log(JSON.stringify(res));
    process.exit(0);
  }
  console.log(`| ${n} ${kind === 'http' ? 'HTTP_GET' : 'TCP_CHECK'} real servers, delay_loop 1, ${seconds} s | checks/s | CPU s per 1,000 checks | CPU share | RSS MB | start s |`);
  console.log('|---|---|---|---|---|---|');
  for (const a of res.results) console.log(`| ${a.agent} | ${a.checksPerSecond} | ${a.cpuSecondsPer1000Checks} | ${a.cpuShare} | ${a.rssMB} | ${a.startS} |`);
  console.log(JSON.stringify(res));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
