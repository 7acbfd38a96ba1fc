/**
 * The command's modules as one file with V8's code cache (docs/benchmarks.md, "Start"):
 * `tools/build-bundle.mjs` bundles src/cli/bundle-entry.ts and everything it reaches into
 * dist/keepalived-ts.cjs, and records V8's code for it in dist/keepalived-ts.cjs.cache. A start
 * then reads two files instead of resolving, reading and compiling ~110 modules, which is most
 * of a start's time in a slow VM. This is an ordinary CommonJS load (the same code as
 * Node.js's own module wrapper), not a heap snapshot: nothing of the building process is kept.
 * A cache made by another Node.js or under other V8 flags is rejected by V8 and the source is
 * compiled as usual; a missing bundle means the module files are loaded instead.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const distDir = dirname(fileURLToPath(import.meta.url));
export const bundleFile = join(distDir, 'keepalived-ts.cjs');
export const codeCacheFile = `${bundleFile}.cache`;

/** How this process got its modules (reported by `-v` and the start timing). */
export type ModuleLoad = 'files' | 'bundle' | 'bundle-cache-rejected' | 'bundle-code-cache';

/** What the bundle exports (src/cli/bundle-entry.ts). */
export interface BundleExports {
  runAsProcess(args: readonly string[]): Promise<void>;
  setModuleLoad(how: ModuleLoad): void;
  warmUp(configFile: string): Promise<void>;
}

function compile(source: string, cachedData?: Buffer): Script {
  // the same wrapper on both sides: V8 checks the cache against the source it is given
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  return new Script(wrapped, { filename: bundleFile, ...(cachedData !== undefined ? { cachedData } : {}) });
}

function evaluate(script: Script): BundleExports {
  const module = { exports: {} as BundleExports };
  const wrapper = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundleFile), module, bundleFile, distDir);
  return module.exports;
}

/** The bundle's exports, or null when there is no bundle. */
export function loadBundle(): BundleExports | null {
  let source: string;
  try {
    source = readFileSync(bundleFile, 'utf8');
  } catch {
    return null;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCacheFile);
  } catch {
    // no cache: compiled as usual
  }
  const script = compile(source, cachedData);
  const exports = evaluate(script);
  exports.setModuleLoad(cachedData === undefined ? 'bundle' : script.cachedDataRejected === true ? 'bundle-cache-rejected' : 'bundle-code-cache');
  return exports;
}

/**
 * Write the code cache for the Node.js and V8 flags running this (tools/build-bundle.mjs runs it
 * with the command's flags): compiled, evaluated and `-t` run on `warmUpConfig` first, so the
 * functions that run while the modules load and a configuration is read are in it too (V8 puts
 * every function compiled so far in the cache). Returns its size in bytes.
 */
export async function writeCodeCache(warmUpConfig: string): Promise<number> {
  const script = compile(readFileSync(bundleFile, 'utf8'));
  await evaluate(script).warmUp(warmUpConfig);
  const data = script.createCachedData();
  const tmp = `${codeCacheFile}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, codeCacheFile);
  return data.length;
}
