/**
 * The worker of ./off-heap.ts: reads the configuration and hands the result back in pieces
 * (./off-heap-pieces.ts), one each time the main thread asks for the next, so that the main
 * thread's timers run between the copies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseConfig } from './index.js';
import { nodeConfigFs } from '../io/node-config-fs.js';
import { systemHostEnvironment } from '../io/host-environment.js';
import { splitParseResult } from './off-heap-pieces.js';

const { mainFile, cwd, env, configId } = workerData as { mainFile: string; cwd: string; env: Record<string, string | undefined>; configId?: string };
const result = parseConfig(mainFile, {
  fs: nodeConfigFs,
  host: systemHostEnvironment(),
  cwd,
  env,
  ...(configId !== undefined ? { configId } : {}),
});
const pieces = splitParseResult(result);
let next = 0;
const send = (): void => {
  const piece = pieces[next++];
  if (!piece) return;
  parentPort!.postMessage(piece);
  if (piece.kind === 'end') parentPort!.close();
};
parentPort!.on('message', (m) => {
  if (m === 'next') send();
});
send();
