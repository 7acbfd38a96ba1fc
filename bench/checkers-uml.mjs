// bench/checkers-uml: keepalived's checker and ours side by side on one kernel (User-Mode Linux,
// src/lab/uml.ts, so that both program a real IPVS): the same configuration of N TCP_CHECK real
// servers at delay_loop 1, run one after the other. Root; needs user-mode-linux, kmod, ipvsadm,
// keepalived and cc.
// usage: npm run build && node bench/checkers-uml.mjs [N=1000] [SECONDS=20] [tcp|http]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInUml } from '../dist/lab/uml.js';

const n = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 20);
const kind = process.argv[4] ?? 'tcp';
const dir = mkdtempSync(join(tmpdir(), 'kts-checkers-uml-'));
const sink = join(dir, `${kind}-sink`);
execFileSync('cc', ['-O2', '-o', sink, new URL(`./${kind}-sink.c`, import.meta.url).pathname]);
try {
  const r = await runInUml(['node', 'bench/checkers-uml-inside.mjs', String(n), String(seconds), sink, kind], { timeoutS: 1200, memory: '2G' });
  if (r.code !== 0) throw new Error(`UML run failed (${r.code}): ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1));
  console.log(`| ${n} ${kind === 'http' ? 'HTTP_GET' : 'TCP_CHECK'} real servers, delay_loop 1, ${seconds} s | checks/s | CPU s per 1,000 checks | CPU share | RSS MB | start s |`);
  console.log('|---|---|---|---|---|---|');
  for (const a of res.results) console.log(`| ${a.agent} | ${a.checksPerSecond} | ${a.cpuSecondsPer1000Checks} | ${a.cpuShare} | ${a.rssMB} | ${a.startS} |`);
  console.log(JSON.stringify(res));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
