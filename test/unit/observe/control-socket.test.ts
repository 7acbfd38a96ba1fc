import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlSocketServer, controlSocketPath, requestStatus } from '../../../src/observe/control-socket.js';
import type { StatusDocument } from '../../../src/observe/status-model.js';
import { silentLogger } from '../../../src/log.js';

const doc: StatusDocument = {
  version: '0.1.0',
  pid: 4242,
  started_at: '2025-01-01T00:00:00.000Z',
  uptime_seconds: 12,
  subsystems: { vrrp: true, checkers: false },
  vrrp_instances: [],
  vrrp_sync_groups: [{ name: 'G1', state: 'BACKUP', members: ['VI_1'] }],
  virtual_servers: [],
};

let dir: string;
let count = 0;
const running: ControlSocketServer[] = [];
const rawServers: Server[] = [];
const rawSockets: Socket[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-ctl-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  for (const socket of rawSockets.splice(0)) socket.destroy();
  await Promise.all(rawServers.splice(0).map((s) => new Promise((r) => s.close(r))));
}, 10_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshPath(): string {
  return join(dir, `s${++count}.ctl`);
}

async function start(path: string, status: () => StatusDocument | Promise<StatusDocument> = () => doc): Promise<ControlSocketServer> {
  const server = await ControlSocketServer.start({ path, status, log: silentLogger() });
  running.push(server);
  return server;
}

/** Sends `payload` on a raw connection and collects everything until the server closes it. */
function converse(path: string, payload: string, opts: { endAfterWrite?: boolean; deadlineMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server did not close within ${opts.deadlineMs ?? 5000} ms (got ${JSON.stringify(data)})`));
    }, opts.deadlineMs ?? 5000);
    socket.on('connect', () => {
      if (payload !== '') socket.write(payload);
      if (opts.endAfterWrite) socket.end();
    });
    socket.on('data', (chunk) => (data += chunk.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

async function eventually<T>(attempt: () => Promise<T>, deadlineMs = 5000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('controlSocketPath', () => {
  it('replaces a .pid suffix and appends .ctl otherwise', () => {
    expect(controlSocketPath('/run/keepalived.pid')).toBe('/run/keepalived.ctl');
    expect(controlSocketPath('/var/run/ka/main.pid')).toBe('/var/run/ka/main.ctl');
    expect(controlSocketPath('/run/keepalived')).toBe('/run/keepalived.ctl');
    expect(controlSocketPath('/run/keepalived.pid.old')).toBe('/run/keepalived.pid.old.ctl');
  });
});

describe('ControlSocketServer', () => {
  it('answers requestStatus with the status document', async () => {
    const path = freshPath();
    let asked = 0;
    await start(path, () => {
      asked++;
      return doc;
    });
    expect(await requestStatus(path)).toEqual(doc);
    expect(await requestStatus(path)).toEqual(doc);
    expect(asked).toBe(2);
  });

  it('answers an async status provider, and reports its failure as an error reply', async () => {
    const path = freshPath();
    let fail = false;
    await start(path, async () => {
      await new Promise((r) => setTimeout(r, 10));
      if (fail) throw new Error('boom');
      return { ...doc, pid: 7 };
    });
    expect((await requestStatus(path)).pid).toBe(7);
    fail = true;
    expect(JSON.parse(await converse(path, 'status\n'))).toEqual({ ok: false, error: 'status failed: boom' });
    await expect(requestStatus(path)).rejects.toThrow(`${path} answered: status failed: boom`);
  });

  it('creates the socket with mode 0600 and leaves the process umask as it was', async () => {
    const path = freshPath();
    const before = process.umask(0o022);
    try {
      await start(path);
      expect(lstatSync(path).isSocket()).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(process.umask(0o022)).toBe(0o022);
    } finally {
      process.umask(before);
    }
  });

  it('replaces a stale socket file nobody listens on', async () => {
    const path = freshPath();
    // a socket file whose listener is gone: bound elsewhere, moved here, listener closed
    const leftover = createServer();
    await new Promise<void>((r) => leftover.listen(`${path}.tmp`, r));
    renameSync(`${path}.tmp`, path);
    await new Promise((r) => leftover.close(r));
    expect(lstatSync(path).isSocket()).toBe(true);
    await expect(requestStatus(path)).rejects.toThrow(/nobody answers on/);

    await start(path);
    expect(await requestStatus(path)).toEqual(doc);
  });

  it('refuses a path where a live daemon answers, and leaves that daemon working', async () => {
    const path = freshPath();
    await start(path);
    await expect(ControlSocketServer.start({ path, status: () => doc, log: silentLogger() })).rejects.toThrow(`a keepalived-ts daemon already answers on ${path}`);
    expect(await requestStatus(path)).toEqual(doc);
  });

  it('refuses to replace a file that is not a socket', async () => {
    const path = freshPath();
    writeFileSync(path, 'keep me');
    await expect(ControlSocketServer.start({ path, status: () => doc, log: silentLogger() })).rejects.toThrow('is not a socket');
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('answers an unknown command with an error and ends the connection', async () => {
    const path = freshPath();
    await start(path);
    expect(await converse(path, 'reload\n')).toBe('{"ok":false,"error":"unknown command"}\n');
  });

  it('answers a client that half-closes right after its request', async () => {
    const path = freshPath();
    await start(path, async () => {
      await new Promise((r) => setTimeout(r, 50));
      return doc;
    });
    const reply = JSON.parse(await converse(path, 'status\n', { endAfterWrite: true }));
    expect(reply).toEqual({ ok: true, status: doc });
  });

  it('ends a request line over 256 bytes with an error, without waiting for its end', async () => {
    const path = freshPath();
    await start(path);
    const started = Date.now();
    expect(JSON.parse(await converse(path, 'x'.repeat(300)))).toEqual({ ok: false, error: 'request line over 256 bytes' });
    // the over-long line alone ended it, not the 2 s request deadline
    expect(Date.now() - started).toBeLessThan(1500);
    expect(JSON.parse(await converse(path, `${'x'.repeat(257)}\n`))).toEqual({ ok: false, error: 'request line over 256 bytes' });
  });

  it('ends a connection that sends no request within 2 s', async () => {
    const path = freshPath();
    await start(path);
    expect(JSON.parse(await converse(path, 'sta', { deadlineMs: 5000 }))).toEqual({ ok: false, error: 'no request within 2000 ms' });
  });

  it('closes the 17th concurrent client at once and serves again when others leave', async () => {
    const path = freshPath();
    await start(path);
    const held: Socket[] = [];
    try {
      for (let n = 0; n < 16; n++) {
        const socket = createConnection(path);
        socket.on('error', () => {});
        held.push(socket);
        await new Promise((r) => socket.once('connect', r));
      }
      // over the limit: closed without an answer (a served one would get a reply line)
      expect(await converse(path, 'status\n', { deadlineMs: 1500 })).toBe('');
    } finally {
      for (const socket of held) socket.destroy();
    }
    expect(await eventually(() => requestStatus(path))).toEqual(doc);
  });

  it('close() drops clients and removes the socket file', async () => {
    const path = freshPath();
    const server = await start(path);
    const idle = converse(path, '');
    await eventually(async () => {
      // the idle client is connected once the server still answers others
      await requestStatus(path);
    });
    await server.close();
    expect(existsSync(path)).toBe(false);
    expect(await idle).toBe('');
    await expect(requestStatus(path)).rejects.toThrow(`no keepalived-ts control socket at ${path} (is the daemon running?)`);
  });
});

describe('requestStatus', () => {
  it('says there is no control socket when the path does not exist', async () => {
    const path = join(dir, 'absent.ctl');
    await expect(requestStatus(path)).rejects.toThrow(`no keepalived-ts control socket at ${path} (is the daemon running?)`);
  });

  it('gives up on a server that never answers', async () => {
    const path = freshPath();
    const mute = createServer((s) => rawSockets.push(s));
    rawServers.push(mute);
    await new Promise<void>((r) => mute.listen(path, r));
    await expect(requestStatus(path, 200)).rejects.toThrow(`no answer from ${path} within 200 ms`);
  });

  it('reports an unreadable answer', async () => {
    const path = freshPath();
    const garbled = createServer((s) => {
      rawSockets.push(s);
      s.end('not json\n');
    });
    rawServers.push(garbled);
    await new Promise<void>((r) => garbled.listen(path, r));
    await expect(requestStatus(path)).rejects.toThrow(`unreadable answer from ${path}`);
  });
});
