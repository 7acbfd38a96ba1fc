// The daemon reads its configuration in a worker thread (src/config/off-heap.ts) and keeps the
// structured-clone copy: the copy must be exactly what an in-process read gives, for every kind
// of block and for configurations with errors. Uses the built worker (npm test builds first).
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { nodeConfigFs } from '../../../src/io/node-config-fs.js';
import { systemHostEnvironment } from '../../../src/io/host-environment.js';

const root = resolve(import.meta.dirname, '../../..');
const distModule = join(root, 'dist/config/off-heap.js');
const samplesDir = '/usr/share/doc/keepalived/samples';

const corpus = [
  ...['conf/lvs-dr-director.conf', 'conf/two-director-vrrp.conf'].map((f) => join(root, f)),
  ...readdirSync(join(root, 'fixtures/seeds')).filter((f) => f.endsWith('.conf')).map((f) => join(root, 'fixtures/seeds', f)),
  ...readdirSync(join(root, 'fixtures/conformance')).filter((f) => f.endsWith('.conf')).map((f) => join(root, 'fixtures/conformance', f)),
  ...(existsSync(samplesDir) ? readdirSync(samplesDir).filter((f) => f.startsWith('keepalived.conf.')).map((f) => join(samplesDir, f)) : []),
];

describe('reading the configuration in a worker thread', () => {
  it('gives exactly the in-process result, for every configuration of the corpus', async () => {
    const { parseConfigOffHeap } = (await import(distModule)) as typeof import('../../../src/config/off-heap.js');
    expect(corpus.length).toBeGreaterThan(30);
    for (const file of corpus) {
      const cwd = resolve(file, '..');
      const env = { ...process.env, _TEST_VAR: 'x' };
      const here = parseConfig(file, { fs: nodeConfigFs, host: systemHostEnvironment(), cwd, env, configId: 'lb1', random: () => 0.5 });
      const there = await parseConfigOffHeap(file, { cwd, env, configId: 'lb1' });
      // ${_RANDOM} differs between two reads; the corpus does not use it
      expect(there, file).toStrictEqual(here);
    }
  }, 60_000);

  it('reports a missing main file as the in-process read does (a diagnostic, not a failed worker)', async () => {
    const { parseConfigOffHeap } = (await import(distModule)) as typeof import('../../../src/config/off-heap.js');
    const file = '/nonexistent/keepalived.conf';
    const there = await parseConfigOffHeap(file, { cwd: '/', env: {}, configId: 'lb1' });
    expect(there.diagnostics.length).toBeGreaterThan(0);
    expect(there).toStrictEqual(parseConfig(file, { fs: nodeConfigFs, host: systemHostEnvironment(), cwd: '/', env: {}, configId: 'lb1' }));
  });
});
