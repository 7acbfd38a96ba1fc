/**
 * Reading a configuration in a worker thread, so that the garbage of reading it (every token
 * with its file and line, the expanded text) lives and dies in the worker's heap: when the
 * worker ends its memory goes back to the system, and the daemon keeps only the model, copied
 * over by structured clone. With 10,000 real servers that is the difference between ~105 and
 * ~65 MB of resident memory for the rest of the daemon's life. The copy comes in pieces
 * (./off-heap-pieces.ts) so that adverts due meanwhile go out on time. The model is plain data (objects,
 * arrays, strings, numbers), which the copy preserves exactly (test/unit/config/off-heap.test.ts).
 */
import { Worker } from 'node:worker_threads';
import type { ParseResult } from './index.js';
import { ParseResultAssembler, type Piece } from './off-heap-pieces.js';

export interface OffHeapParseOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  configId?: string;
}

/** parseConfig() with the node filesystem and this host, in a worker thread. */
export function parseConfigOffHeap(mainFile: string, options: OffHeapParseOptions): Promise<ParseResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./off-heap-worker.js', import.meta.url), {
      workerData: { mainFile, cwd: options.cwd, env: { ...options.env }, configId: options.configId },
      // the worker's environment is the one given, not a copy of the process's
      env: { ...options.env },
      stdout: false,
      stderr: false,
    });
    const assembler = new ParseResultAssembler();
    let result: ParseResult | undefined;
    worker.on('message', (piece: Piece) => {
      try {
        if (assembler.add(piece)) result = assembler.result;
        // ask for the next piece once the timers due meanwhile have run
        else setImmediate(() => worker.postMessage('next'));
      } catch (e) {
        void worker.terminate();
        reject(e as Error);
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`the configuration reader stopped (exit code ${code}) without a result`));
    });
  });
}
