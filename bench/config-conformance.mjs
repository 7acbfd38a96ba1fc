// bench/config-conformance: how often `keepalived-ts -t` agrees with Debian's keepalived 2.2.7
// `-t` over the conformance corpus (the same files test/conformance/config-test.test.ts runs:
// keepalived's samples, Debian's sample, fixtures/seeds, fixtures/conformance), in a throwaway
// network namespace with eth0..eth3. Reports the share with the same exit code, the same line of
// the first located problem, and the same first message (location and our grade prefix aside),
// then every file that differs. Root; needs keepalived and iproute2.
// usage: npm run build && node bench/config-conformance.mjs [--list] [--dir=DIR]
// --dir: the *.conf files of DIR instead (your own configurations, say); the namespace then also
// has every interface the files name (`interface X`, `dev X`, track_interface entries).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist/cli.js');
const ns = `kts-conformance-${process.pid}`;
const list = process.argv.includes('--list');
const dirArg = process.argv.find((a) => a.startsWith('--dir='))?.slice('--dir='.length);

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function corpus() {
  if (dirArg !== undefined) {
    return readdirSync(dirArg)
      .filter((n) => n.endsWith('.conf'))
      .sort()
      .map((n) => ({ file: resolve(dirArg, n) }));
  }
  const cases = [];
  const samples = '/usr/share/doc/keepalived/samples';
  for (const n of readdirSync(samples).filter((x) => x.startsWith('keepalived.conf.')).sort()) {
    const file = join(samples, n);
    if (n === 'keepalived.conf.conditional_conf') for (const id of ['high', 'low', 'other']) cases.push({ file, id });
    else cases.push({ file });
  }
  if (existsSync('/etc/keepalived/keepalived.conf.sample')) cases.push({ file: '/etc/keepalived/keepalived.conf.sample' });
  for (const dir of ['fixtures/seeds', 'fixtures/conformance']) {
    for (const n of readdirSync(join(root, dir)).filter((x) => x.endsWith('.conf')).sort()) cases.push({ file: join(root, dir, n) });
  }
  return cases;
}

function run(cmd, args) {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', cwd: '/', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr ?? '' };
}

/** keepalived: the first line, its "(file: Line N) " location apart. */
function theirFirst(stderr) {
  const line = stderr.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return { line: null, text: null };
  const m = /^\((?:.*: )?Line (\d+)\) (.*)$/.exec(line);
  return m ? { line: Number(m[1]), text: m[2].trim() } : { line: null, text: line.trim() };
}

/** Ours: the first line, "file:N: grade: 'keyword': " apart. */
function ourFirst(stderr) {
  const line = stderr.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return { line: null, text: null };
  const m = /^(?:(?:\S+):(\d+): )?(?:fatal|error|warning|security|info): (?:'[^']*': )?(.*)$/.exec(line);
  return m ? { line: m[1] === undefined ? null : Number(m[1]), text: m[2].trim() } : { line: null, text: line.trim() };
}

/** eth0..eth3, and with --dir the interface names the files use (a veth name: 1..15 bytes). */
function interfaceNames(cases) {
  const names = new Set(['eth0', 'eth1', 'eth2', 'eth3']);
  if (dirArg === undefined) return [...names];
  for (const c of cases) {
    const text = readFileSync(c.file, 'latin1');
    for (const m of text.matchAll(/\b(?:interface|dev)[ \t]+([A-Za-z][\w.-]{0,14})\b/g)) names.add(m[1]);
    for (const block of text.matchAll(/track_interface[ \t]*\{([^}]*)\}/g)) {
      for (const m of block[1].matchAll(/^[ \t]*([A-Za-z][\w.-]{0,14})\b/gm)) names.add(m[1]);
    }
  }
  return [...names].filter((n) => n !== 'lo' && !/^(?:weight|interface|dev)$/.test(n));
}

const cases = corpus();
sh('ip', ['netns', 'add', ns]);
try {
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  interfaceNames(cases).forEach((ifname, i) => {
    sh('ip', ['-n', ns, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `peer${i}`]);
    sh('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  });
  const rows = [];
  for (const c of cases) {
    const idArgs = c.id ? ['-i', c.id] : [];
    const theirs = run('/usr/sbin/keepalived', ['-t', '-l', '-f', c.file, ...idArgs]);
    const ours = run(cli, ['-t', '-f', c.file, ...idArgs]);
    const t = theirFirst(theirs.stderr);
    const o = ourFirst(ours.stderr);
    rows.push({
      name: `${basename(c.file)}${c.id ? `@${c.id}` : ''}`,
      theirs: theirs.code,
      ours: ours.code,
      sameCode: theirs.code === ours.code,
      sameLine: t.line === o.line,
      sameText: t.text === o.text,
      t,
      o,
    });
  }
  const pct = (k) => `${rows.filter((r) => r[k]).length}/${rows.length} (${((100 * rows.filter((r) => r[k]).length) / rows.length).toFixed(1)} %)`;
  console.log(`files: ${rows.length}`);
  console.log(`same exit code:                 ${pct('sameCode')}`);
  console.log(`same line of the first message: ${pct('sameLine')}`);
  console.log(`same first message:             ${pct('sameText')}`);
  for (const r of rows) {
    if (r.sameCode && r.sameLine && r.sameText && !list) continue;
    console.log(`\n${r.name}: keepalived ${r.theirs}, ours ${r.ours}`);
    console.log(`  keepalived: ${r.t.line ?? '-'}: ${r.t.text ?? '(nothing)'}`);
    console.log(`  ours:       ${r.o.line ?? '-'}: ${r.o.text ?? '(nothing)'}`);
  }
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
}
