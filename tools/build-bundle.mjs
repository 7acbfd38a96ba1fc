#!/usr/bin/env node
// Bundles the command's modules into one file and records V8's code cache for it
// (src/bundle-loader.ts; docs/benchmarks.md, "Start").
//
//   node tools/build-bundle.mjs               dist/ (tsc's output) into dist/keepalived-ts.cjs with
//                                             esbuild (a devDependency), then the code cache
//   node tools/build-bundle.mjs --cache-only  only the code cache, for the bundle the package
//                                             ships (the package's install script: no esbuild)
//
// V8 accepts a code cache only from the same V8 and flags, so it is made on the machine, by the
// `node` that builds or installs, under the command's flags (dist/cli.js's first line). A cache
// that does not fit is rejected at start and the bundle is compiled as usual: failing here never
// fails an install.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const bundle = join(dist, 'keepalived-ts.cjs');

async function writeBundle() {
  const { build } = await import('esbuild');
  // Each module's import.meta.url becomes its own file's URL (the worker that reads large
  // configurations and the addon are found from it), computed from the bundle's directory.
  const importMetaUrl = {
    name: 'import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\/dist\/.*\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(relative(dist, args.path))})).href`;
        return { contents: text.replaceAll('import.meta.url', `(${url})`), loader: 'js' };
      });
    },
  };
  await build({
    entryPoints: [join(dist, 'cli/bundle-entry.js')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    plugins: [importMetaUrl],
  });
}

/** The V8 flags of dist/cli.js's `#!/usr/bin/env -S node FLAGS` line. */
function commandFlags() {
  const first = readFileSync(join(dist, 'cli.js'), 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  if (!m) throw new Error(`dist/cli.js does not start with '#!/usr/bin/env -S node': ${first}`);
  return m[1].trim().split(/\s+/).filter(Boolean);
}

function writeCodeCache() {
  const loader = JSON.stringify(join(dist, 'bundle-loader.js'));
  // a configuration with VRRP, virtual servers and checkers of several kinds
  const conf = JSON.stringify(join(root, 'conf/lvs-dr-director.conf'));
  const script = `import { writeCodeCache } from ${loader}; await writeCodeCache(${conf});`;
  const r = spawnSync(process.execPath, [...commandFlags(), '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`(${r.status ?? r.signal}) ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

const cacheOnly = process.argv.includes('--cache-only');
try {
  if (!cacheOnly) await writeBundle();
  if (!existsSync(bundle)) {
    console.error('keepalived-ts: no dist/keepalived-ts.cjs: the command loads its module files');
    process.exit(0);
  }
  writeCodeCache();
} catch (e) {
  console.error(`keepalived-ts: bundle or code cache not made (${e.message}): the command will start more slowly`);
  process.exit(cacheOnly ? 0 : 1);
}
