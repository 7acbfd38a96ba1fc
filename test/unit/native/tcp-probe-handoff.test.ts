/**
 * The addon's TCP probes hand their results to JavaScript in batches (native/tcp_probe.c). A
 * read that fails while JavaScript handles a batch (tcpProbeRead from a data handler) must be
 * reported in a later batch, and its slot must stay taken until then: a slot freed early is
 * taken by the next probe, which would then get the old probe's failure (and the old probe
 * none). The failure is made by the addon's test hook; new probes are started between the
 * batch and the next one (setImmediate), when a slot freed too early would be reused.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nativeSockets } from '../../../src/native/index.js';
import { tcpConnector } from '../../../src/native/tcp-connect.js';
import { sockaddrIn } from '../../../src/net/sockaddr.js';

const EIO = 5;
let server: Server;
let port = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // every connection gets its first bytes at once, then nothing: the probe waits to read more
  server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write('first chunk');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

it('a read failing mid-batch reaches its own probe once, and its slot is not reused before', async () => {
  const n = 64;
  const connector = tcpConnector();
  const peer = sockaddrIn(new Uint8Array([127, 0, 0, 1]), port);
  const req = { peer, local: null, mark: 0, device: null, timeoutMs: 5000 };
  const signal = new AbortController().signal;
  nativeSockets().tcpProbeTestFailReads(n, EIO);
  const outcomes: { data: number; failed: number[]; end: number }[] = [];
  const fresh: Promise<number>[] = [];
  const streams = Array.from({ length: n }, (_, i) => {
    const o = { data: 0, failed: [] as number[], end: 0 };
    outcomes.push(o);
    return new Promise<void>((resolve) =>
      connector.stream(req, new Uint8Array(Buffer.from(`probe ${i}\n`)), signal, {
        sent: () => undefined,
        data: () => {
          o.data++;
          // after this batch and before the next: a slot freed too early would be taken here
          setImmediate(() => fresh.push(connector.connect(req, signal)));
          return true; // read on: the hook makes that read fail
        },
        end: () => {
          o.end++;
          resolve();
        },
        failed: (e) => {
          o.failed.push(e);
          resolve();
        },
      }),
    );
  });
  await Promise.race([Promise.all(streams), new Promise((_, reject) => setTimeout(() => reject(new Error('a probe never ended')), 8000))]);
  await new Promise((r) => setTimeout(r, 50));
  expect(outcomes.every((o) => o.data === 1 && o.end === 0 && o.failed.length === 1 && o.failed[0] === EIO)).toBe(true);
  // the connects started between the batches were not handed an old probe's failure
  expect(fresh.length).toBe(n);
  expect(await Promise.all(fresh)).toEqual(Array<number>(n).fill(0));
  expect(connector.active).toBe(0);
});

it('rejects bad test-hook arguments', () => {
  expect(() => nativeSockets().tcpProbeTestFailReads(-1, EIO)).toThrow(TypeError);
  expect(() => nativeSockets().tcpProbeTestFailReads(1, 0)).toThrow(TypeError);
  nativeSockets().tcpProbeTestFailReads(0, EIO);
});

it('checks every argument from JavaScript before it reaches a system call', () => {
  tcpConnector(); // initialised
  const n = nativeSockets();
  const peer = sockaddrIn(new Uint8Array([127, 0, 0, 1]), port);
  expect(() => n.tcpProbeStart(new Int32Array(4) as unknown as Uint8Array, null, 0, null, 1000, null)).toThrow(TypeError);
  expect(() => n.tcpProbeStart(peer, 'x' as unknown as Uint8Array, 0, null, 1000, null)).toThrow(TypeError);
  expect(() => n.tcpProbeStart(peer, null, 0, null, 1000, [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  expect(() => n.tcpProbeStart(new Uint8Array(1), null, 0, null, 1000, null)).toThrow(RangeError);
  expect(() => n.tcpProbeStart(new Uint8Array(129), null, 0, null, 1000, null)).toThrow(RangeError);
  expect(() => n.tcpProbeStart(peer, new Uint8Array(129), 0, null, 1000, null)).toThrow(RangeError);
  expect(() => n.tcpProbeStart(peer, null, 0, null, 0, null)).toThrow(RangeError);
  // an interface name of 16 bytes or more would be cut to another name: refused, never truncated
  expect(() => n.tcpProbeStart(peer, null, 0, 'x'.repeat(16), 1000, null)).toThrow(RangeError);
  expect(() => n.tcpProbeStart(peer, null, 0, '', 1000, null)).toThrow(RangeError);
  expect(tcpConnector().active).toBe(0);
});
