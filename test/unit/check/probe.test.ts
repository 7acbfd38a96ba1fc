import { describe, expect, it } from 'vitest';
import { failed, passed, runBounded } from '../../../src/check/probe.js';

const busyWait = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the checker is busy: nothing else runs
  }
};

describe('runBounded', () => {
  it('gives an answer handled in the same turn as the timeout precedence over it', async () => {
    const p = runBounded(new AbortController().signal, 50, () => failed('timed out'), (run) => {
      setTimeout(() => run.finish(passed('answered')), 51);
    });
    // the loop is blocked past both: the deadline's timer runs first, then the answer's
    busyWait(100);
    expect(await p).toEqual(passed('answered'));
  });

  it('still times out when no answer comes', async () => {
    const t0 = performance.now();
    const r = await runBounded(new AbortController().signal, 50, () => failed('timed out'), () => undefined);
    expect(r).toEqual(failed('timed out'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
  });

  it('gives a socket answer that arrived while the loop was blocked precedence over the timeout', async () => {
    const { connect } = await import('node:net');
    const { Worker } = await import('node:worker_threads');
    // the server runs on its own thread, so it answers while this one is blocked
    const worker = new Worker(
      `const net = require('node:net');
       const srv = net.createServer((s) => setTimeout(() => s.end('hello'), 50));
       srv.listen(0, '127.0.0.1', () => require('node:worker_threads').parentPort.postMessage(srv.address().port));`,
      { eval: true },
    );
    const port = await new Promise<number>((r) => worker.once('message', r));
    try {
      let connected!: () => void;
      const isConnected = new Promise<void>((r) => (connected = r));
      const p = runBounded(new AbortController().signal, 150, () => failed('timed out'), (run) => {
        const sock = connect({ host: '127.0.0.1', port });
        sock.once('connect', connected);
        sock.on('data', () => run.finish(passed('data')));
        sock.on('error', () => undefined);
        return () => sock.destroy();
      });
      await isConnected;
      // the answer comes 50 ms from now, the deadline passes at 150 ms, the loop is back at 400
      busyWait(400);
      expect(await p).toEqual(passed('data'));
    } finally {
      await worker.terminate();
    }
  });
});
