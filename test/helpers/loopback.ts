/**
 * Loopback listeners for the checker tests: a listener whose accepted sockets are tracked and
 * destroyed on shut(), a port nothing listens on, and a listener that never accepts.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/** Accepted sockets by server, destroyed by shut(): a paused socket never sees the peer's FIN. */
const accepted = new WeakMap<Server, Set<Socket>>();

export function listen(server: Server, host = '127.0.0.1', port = 0): Promise<number> {
  const set = new Set<Socket>();
  accepted.set(server, set);
  server.on('connection', (s: Socket) => {
    set.add(s);
    s.once('close', () => set.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function shut(server: Server): Promise<void> {
  for (const s of accepted.get(server) ?? []) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on (bound, read, released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = createServer();
  const port = await listen(s, host);
  await shut(s);
  return port;
}

/**
 * A listener that never accepts: its server lives in a worker thread whose event loop is blocked,
 * and its accept queue (backlog 1) is filled first, so the kernel drops further SYNs and a
 * connect times out. Loopback only, no firewall rules needed.
 */
export async function silentListener(): Promise<{ port: number; close: () => Promise<void> }> {
  const gate = new SharedArrayBuffer(4);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const net = require('node:net');
     const srv = net.createServer((s) => s.destroy());
     srv.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
       parentPort.postMessage(srv.address().port);
       Atomics.wait(new Int32Array(workerData), 0, 0, 30000);
       srv.close();
     });`,
    { eval: true, workerData: gate },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const fillers: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 150);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      await worker.terminate();
    },
  };
}
