// bench/tcp-floor: the most TCP connects per second one thread of this machine manages against
// loopback sinks (bench/tcp-connect-floor.c, bench/tcp-sink.c, both built here with cc): the
// ceiling for any single-threaded TCP_CHECK pool, keepalived's included.
// usage: node bench/tcp-floor.mjs [RATE=50000] [SECONDS=10]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rate = process.argv[2] ?? '50000';
const seconds = process.argv[3] ?? '10';
const dir = mkdtempSync(join(tmpdir(), 'kts-tcp-floor-'));
const build = (name) => {
  const out = join(dir, name);
  execFileSync('cc', ['-O2', '-o', out, new URL(`./${name}.c`, import.meta.url).pathname]);
  return out;
};
const sinkBin = build('tcp-sink');
const floorBin = build('tcp-connect-floor');
const sinks = [];
for (const port of [18000, 18001]) {
  const p = spawn(sinkBin, [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => p.stdout.once('data', r));
  sinks.push(p);
}
try {
  process.stdout.write(execFileSync(floorBin, [rate, seconds], { encoding: 'utf8' }));
} finally {
  for (const p of sinks) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
