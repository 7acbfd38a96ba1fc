/** The worker of ./off-heap.ts: reads the configuration and posts the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseConfig } from './index.js';
import { nodeConfigFs } from '../io/node-config-fs.js';
import { systemHostEnvironment } from '../io/host-environment.js';

const { mainFile, cwd, env, configId } = workerData as { mainFile: string; cwd: string; env: Record<string, string | undefined>; configId?: string };
const result = parseConfig(mainFile, {
  fs: nodeConfigFs,
  host: systemHostEnvironment(),
  cwd,
  env,
  ...(configId !== undefined ? { configId } : {}),
});
parentPort!.postMessage(result);
