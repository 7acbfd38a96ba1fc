/**
 * dist/cli.js loads the command's modules from the one-file bundle with V8's code cache that
 * `npm run build` makes (src/bundle-loader.ts, tools/build-bundle.mjs), behaves as with the module
 * files, and still works when the cache does not fit or the bundle is missing.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const command = join(root, 'dist/cli.js');
const withCache = `Node.js ${process.version} (bundled modules, V8 code cache)\n`;
const cacheRejected = `Node.js ${process.version} (bundled modules, V8 code cache rejected)\n`;
const fromFiles = `Node.js ${process.version}\n`;

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dist/cli.js and the bundle with its code cache', () => {
  let dir: string;
  beforeAll(() => {
    expect(existsSync(join(root, 'dist/keepalived-ts.cjs.cache')), 'npm run build makes the bundle and its code cache').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'kts-bundle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the bundle with the code cache under its own flags; V8 rejects the cache under others', () => {
    const r = run(command, ['-v']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(withCache);
    // without the first line's flags V8 refuses the cache, and the bundle is compiled as usual
    const other = run(process.execPath, [command, '-v']);
    expect(other.status).toBe(0);
    expect(other.stderr).toContain(cacheRejected);
    const files = run(command, ['-v'], { KEEPALIVED_TS_NO_BUNDLE: '1' });
    expect(files.status).toBe(0);
    expect(files.stderr).toContain(fromFiles);
    expect(r.stderr.replace(withCache, fromFiles)).toBe(files.stderr);
  });

  it('gives what the module files give: config test verdicts and diagnostics, --signum, usage errors', () => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, 'global_defs {\n  router_id one\n  no_such_keyword 1\n}\nvrrp_instance V {\n  interface lo\n  virtual_router_id 300\n  priority 100\n}\n');
    const included = join(dir, 'with-include.conf');
    writeFileSync(join(dir, 'part.conf'), 'vrrp_instance W {\n  state SOMETIMES\n}\n');
    writeFileSync(included, `include ${join(dir, 'part.conf')}\n`);
    const cases = [
      ['-t', '-f', join(root, 'conf/lvs-dr-director.conf')],
      ['-t', '-f', bad],
      ['-t', '-f', included],
      ['-t', '-f', join(dir, 'missing.conf')],
      ['--signum=JSON'],
      ['--signum=NOSUCH'],
      ['--no-such-option'],
      ['genhash', '--help'],
    ];
    for (const args of cases) {
      const bundled = run(command, args);
      const files = run(command, args, { KEEPALIVED_TS_NO_BUNDLE: '1' });
      expect({ args, ...bundled }).toEqual({ args, ...files });
    }
    // the cases differ: a verdict that did not depend on the file would pass the above
    expect(run(command, ['-t', '-f', bad]).status).not.toBe(0);
    expect(run(command, ['-t', '-f', bad]).stderr).toContain('no_such_keyword');
    expect(run(command, ['-t', '-f', included]).stderr).toContain('SOMETIMES');
  });

  it('each bundled module keeps its own import.meta.url (the worker and the addon are found from it)', () => {
    const bundle = readFileSync(join(root, 'dist/keepalived-ts.cjs'), 'utf8');
    expect(bundle).not.toContain('import.meta');
    expect(bundle).toContain('"config/off-heap.js"');
    expect(bundle).toContain('"native/index.js"');
  });

  it('a cache that does not fit is rejected, a missing bundle means the module files, and both still work', () => {
    const copy = join(dir, 'pkg');
    for (const part of ['dist', 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    symlinkSync(join(root, 'build'), join(copy, 'build'));
    const copied = join(copy, 'dist/cli.js');
    expect(run(copied, ['-v']).stderr).toContain(withCache);

    writeFileSync(join(copy, 'dist/keepalived-ts.cjs.cache'), Buffer.alloc(4096, 7));
    let r = run(copied, ['-t', '-f', join(root, 'conf/lvs-dr-director.conf')]);
    expect(r.status).toBe(0);
    expect(run(copied, ['-v']).stderr).toContain(cacheRejected);

    rmSync(join(copy, 'dist/keepalived-ts.cjs.cache'));
    expect(run(copied, ['-v']).stderr).toContain(`Node.js ${process.version} (bundled modules, no V8 code cache)\n`);

    rmSync(join(copy, 'dist/keepalived-ts.cjs'));
    r = run(copied, ['-v']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(fromFiles);
    expect(run(copied, ['-t', '-f', join(root, 'conf/lvs-dr-director.conf')]).status).toBe(0);
  });
});
