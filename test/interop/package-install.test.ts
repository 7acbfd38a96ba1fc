/**
 * The npm package installs and runs as a user installs it: `npm pack` (whose prepack builds dist/
 * and the prebuilt addon), then `npm install` and `npm install -g` of the tarball into empty
 * directories on a PATH with no compiler, no make and no python (only node, npm and sh), so the
 * addon must come from prebuilds/ in the tarball: building it from source would fail.
 *
 * The tarball is packed from a copy of the sources (the work tree's dist/, build/ and prebuilds/
 * are left alone); KEEPALIVED_TS_TARBALL=/path/to/keepalived-ts-X.tgz tests that tarball instead.
 * Dependencies come from the npm cache (`npm ci` filled it) or the registry (--prefer-offline).
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkgJson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; files: string[] };
const tuple = `${process.platform}-${process.arch}`;

/** Node.js 20's official linux-x64 binaries are built on RHEL 8 and need glibc 2.28 (so does this machine's node). */
const NODE_GLIBC = '2.28';

const goodConf = `global_defs {
  router_id package_test
}
virtual_server 192.0.2.100 80 {
  delay_loop 6
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 192.0.2.21 80 {
    weight 1
    TCP_CHECK {
      connect_timeout 3
    }
  }
}
`;
const badConf = goodConf.replace('router_id package_test', 'router_id package_test\n  no_such_keyword 1');

let dir: string;
/** The only directory on PATH for the installs and runs: node, npm and sh. */
let bin: string;
let tarball: string;
/** The package as `npm install` and `npm install -g --prefix` put it. */
let localPkg: string;
let globalPrefix: string;
let globalPkg: string;

/** No npm_* variables of the `npm test` this may run under: the inner npm sets its own. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, ...extra };
}

/** The bare environment of a machine with Node.js and nothing else. */
function bareEnv(path: string): NodeJS.ProcessEnv {
  return { HOME: process.env.HOME ?? '/root', PATH: path, LANG: 'C.UTF-8', TMPDIR: dir, npm_config_build_from_source: 'false' };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** `npm pack` of a copy of the sources, with the work tree's node_modules (typescript, prebuildify). */
function pack(): string {
  const src = join(dir, 'src');
  mkdirSync(src);
  for (const entry of new Set(['package.json', 'tsconfig.json', 'src', ...pkgJson.files])) {
    if (entry === 'dist' || entry === 'prebuilds' || entry.startsWith('!')) continue; // built by prepack; exclusions
    cpSync(join(repo, entry), join(src, entry), { recursive: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(src, 'node_modules'));
  ok(run('npm', ['pack', '--pack-destination', dir], src, cleanEnv({}), 120_000), 'npm pack');
  const tgz = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toHaveLength(1);
  return join(dir, tgz[0]!);
}

function objdumpT(file: string): string {
  return execFileSync('objdump', ['-T', file], { encoding: 'utf8' });
}

function versionAbove(v: string, floor: string): boolean {
  const a = v.split('.').map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
}

describe.skipIf(process.platform !== 'linux')('npm package: pack, install without a compiler, run', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kts-package-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(npmCli, join(bin, 'npm'));
    symlinkSync('/bin/sh', join(bin, 'sh'));
    writeFileSync(join(dir, 'good.conf'), goodConf);
    writeFileSync(join(dir, 'bad.conf'), badConf);

    tarball = process.env.KEEPALIVED_TS_TARBALL ? resolve(process.env.KEEPALIVED_TS_TARBALL) : pack();

    const app = join(dir, 'app');
    mkdirSync(app);
    const npmArgs = ['--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'];
    ok(run('npm', ['install', ...npmArgs, tarball], app, bareEnv(bin)), `npm install ${tarball} (no compiler on PATH)`);
    localPkg = join(app, 'node_modules', pkgJson.name);
    globalPrefix = join(dir, 'global');
    ok(run('npm', ['install', '-g', '--prefix', globalPrefix, ...npmArgs, tarball], app, bareEnv(bin)), `npm install -g ${tarball} (no compiler on PATH)`);
    globalPkg = join(globalPrefix, 'lib', 'node_modules', pkgJson.name);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the install PATH has no compiler, make or python', () => {
    for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python']) {
      const r = run('sh', ['-c', `command -v ${tool}`], dir, bareEnv(bin));
      expect(r.status, `${tool} found on the install PATH: ${r.stdout}`).not.toBe(0);
    }
  });

  it(`the tarball carries the prebuild for ${tuple}, and the installs built nothing`, () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing.filter((f) => f.startsWith(`package/prebuilds/${tuple}/`) && f.endsWith('.node')).length).toBeGreaterThan(0);
    for (const pkg of [localPkg, globalPkg]) {
      expect(existsSync(join(pkg, 'build')), `${pkg}/build exists: something compiled`).toBe(false);
      expect(readdirSync(join(pkg, 'prebuilds', tuple)).filter((f) => f.endsWith('.node')).length).toBeGreaterThan(0);
    }
  });

  it('the tarball carries the bundle but no code cache; the installs made one for this node, and the command uses it', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/dist/keepalived-ts.cjs');
    expect(listing.filter((f) => f.includes('.cache'))).toEqual([]);
    for (const pkg of [localPkg, globalPkg]) expect(existsSync(join(pkg, 'dist/keepalived-ts.cjs.cache')), pkg).toBe(true);
    for (const cmd of [join(globalPrefix, 'bin', 'keepalived-ts'), join(dir, 'app', 'node_modules', '.bin', 'keepalived-ts')]) {
      const r = run(cmd, ['-v'], dir, bareEnv(bin));
      expect({ cmd, status: r.status }).toEqual({ cmd, status: 0 });
      expect(r.stderr).toContain(`Node.js ${process.version} (bundled modules, V8 code cache)`);
    }
  });

  it('keepalived-ts -t checks a configuration: 0 for a good one, 5 for an unknown keyword', () => {
    const commands = [join(globalPrefix, 'bin', 'keepalived-ts'), join(dir, 'app', 'node_modules', '.bin', 'keepalived-ts')];
    for (const cmd of commands) {
      const env = bareEnv(`${dirname(cmd)}:${bin}`);
      const good = run('keepalived-ts', ['-t', '-f', join(dir, 'good.conf')], dir, env);
      expect(good.error).toBeUndefined();
      expect({ cmd, status: good.status, stderr: good.stderr }).toEqual({ cmd, status: 0, stderr: '' });
      const bad = run('keepalived-ts', ['-t', '-f', join(dir, 'bad.conf')], dir, env);
      expect(bad.status).toBe(5);
      expect(bad.stderr).toContain("Unknown keyword 'no_such_keyword'");
    }
  });

  it('the installed package loads its addon from the prebuild and calls it', () => {
    for (const pkg of [localPkg, globalPkg]) {
      const script = `
        import { readFileSync } from 'node:fs';
        const { nativeSockets } = await import(${JSON.stringify(join(pkg, 'dist/native/index.js'))});
        const offsetUs = nativeSockets().clockOffsetUs();
        const maps = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.trim().split(/\\s+/)[5] ?? '');
        console.log(JSON.stringify({ offsetUs, loaded: [...new Set(maps.filter((p) => p.endsWith('.node')))] }));
      `;
      const out = ok(run('node', ['--input-type=module', '-e', script], dir, bareEnv(bin)), `loading the addon from ${pkg}`);
      const { offsetUs, loaded } = JSON.parse(out) as { offsetUs: number; loaded: string[] };
      expect(offsetUs).toBeGreaterThan(1e15); // the wall clock is well past 1970 + the uptime
      expect(loaded).toHaveLength(1);
      expect(dirname(loaded[0]!)).toBe(realpathSync(join(pkg, 'prebuilds', tuple)));
    }
  });

  it(`the prebuild needs no newer glibc than Node.js 20 (${NODE_GLIBC}), but for known exceptions`, () => {
    const prebuild = join(localPkg, 'prebuilds', tuple);
    const file = join(prebuild, readdirSync(prebuild).find((f) => f.endsWith('.node'))!);
    const newer: string[] = [];
    for (const line of objdumpT(file).split('\n')) {
      const m = /\(GLIBC_([0-9.]+)\)\s+(\S+)$/.exec(line.trim()) ?? /\sGLIBC_([0-9.]+)\s+(\S+)$/.exec(line.trim());
      if (m && versionAbove(m[1]!, NODE_GLIBC)) newer.push(`${m[2]}@GLIBC_${m[1]}`);
    }
    expect(newer).toEqual([]);
  });
});
