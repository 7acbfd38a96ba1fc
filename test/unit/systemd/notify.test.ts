/**
 * sd_notify against a real unix datagram listener (bound with the addon), in both NOTIFY_SOCKET
 * forms: a path and an abstract name; and once against python3's socket module, which encodes
 * the addresses independently of us (an encoding mistake shared by sender and listener would
 * otherwise go unnoticed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeSockets } from '../../../src/native/index.js';
import { notifySocketAddress, SystemdNotifier } from '../../../src/systemd/notify.js';

const n = nativeSockets();
const c = n.constants;

/** A datagram listener standing in for systemd: every message received, as text. */
class Listener {
  readonly messages: string[] = [];
  private readonly fd: number;
  private waiters: (() => void)[] = [];

  constructor(readonly notifySocket: string) {
    this.fd = n.socket(c.AF_UNIX, c.SOCK_DGRAM, 0);
    n.bind(this.fd, notifySocketAddress(notifySocket, c.AF_UNIX));
    n.watch(this.fd, () => {
      for (let m = n.recvmsg(this.fd, 4096, 0); m; m = n.recvmsg(this.fd, 4096, 0)) this.messages.push(m.data.toString('utf8'));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async next(count: number, timeoutMs = 2000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.messages.splice(0, count);
  }

  close(): void {
    n.close(this.fd);
  }
}

let dir: string;
const open: { close(): void }[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kt-notify-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

function listen(notifySocket: string): Listener {
  const l = new Listener(notifySocket);
  open.push(l);
  return l;
}

function notifier(env: Record<string, string | undefined>, extra: { onError?: (m: string) => void; monotonicUs?: () => bigint } = {}) {
  const s = new SystemdNotifier({ env, pid: 4242, ...extra });
  open.push(s);
  return s;
}

describe('notifySocketAddress', () => {
  it('encodes a path with its NUL and an abstract name with a leading NUL and exact length', () => {
    const path = notifySocketAddress('/run/systemd/notify', 1);
    expect(path.readUInt16LE(0)).toBe(1);
    expect(path.subarray(2).toString('latin1')).toBe('/run/systemd/notify\0');
    const abs = notifySocketAddress('@sd-notify/1', 1);
    expect(abs.length).toBe(2 + 1 + 'sd-notify/1'.length);
    expect(abs.subarray(2).toString('latin1')).toBe('\0sd-notify/1');
  });

  it('refuses relative, other-family and over-long addresses', () => {
    expect(() => notifySocketAddress('run/notify')).toThrow(/absolute path/);
    expect(() => notifySocketAddress('vsock:2:1234')).toThrow(/absolute path/);
    expect(() => notifySocketAddress(`/${'x'.repeat(107)}`)).toThrow(/longer/);
    expect(notifySocketAddress(`/${'x'.repeat(106)}`).length).toBe(110);
  });
});

describe('SystemdNotifier', () => {
  it('sends READY, RELOADING with MONOTONIC_USEC, STATUS and STOPPING to a path socket', async () => {
    const sock = join(dir, 'notify');
    const l = listen(sock);
    const s = notifier({ NOTIFY_SOCKET: sock }, { monotonicUs: () => 123456789n });
    expect(s.enabled).toBe(true);
    s.ready('VRRP: 2 instances');
    s.reloading();
    s.ready();
    s.status('reloaded');
    s.stopping();
    s.errno(22);
    expect(await l.next(6)).toEqual([
      'READY=1\nMAINPID=4242\nSTATUS=VRRP: 2 instances',
      'RELOADING=1\nMONOTONIC_USEC=123456789',
      'READY=1\nMAINPID=4242',
      'STATUS=reloaded',
      'STOPPING=1',
      'ERRNO=22',
    ]);
  });

  it('uses CLOCK_MONOTONIC for MONOTONIC_USEC by default', async () => {
    const sock = `@kt-notify-test-${process.pid}-mono`;
    const l = listen(sock);
    const before = process.hrtime.bigint() / 1000n;
    notifier({ NOTIFY_SOCKET: sock }).reloading();
    const after = process.hrtime.bigint() / 1000n;
    const [m] = await l.next(1);
    const usec = BigInt(/MONOTONIC_USEC=(\d+)/.exec(m!)![1]!);
    expect(usec >= before && usec <= after).toBe(true);
  });

  it('reaches an abstract socket', async () => {
    const sock = `@kt-notify-test-${process.pid}`;
    const l = listen(sock);
    const s = notifier({ NOTIFY_SOCKET: sock });
    s.ready();
    s.stopping();
    expect(await l.next(2)).toEqual(['READY=1\nMAINPID=4242', 'STOPPING=1']);
  });

  it('pings the watchdog every WATCHDOG_USEC/2', async () => {
    const sock = `@kt-notify-test-${process.pid}-wd`;
    const l = listen(sock);
    const s = notifier({ NOTIFY_SOCKET: sock, WATCHDOG_USEC: '100000', WATCHDOG_PID: '4242' });
    expect(s.watchdogUs).toBe(100000);
    const t0 = Date.now();
    s.startWatchdog();
    s.startWatchdog(); // idempotent
    expect(await l.next(4)).toEqual(['WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1']);
    // one at once, then three 50 ms apart
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    s.stopWatchdog();
    await new Promise((r) => setTimeout(r, 20)); // what was sent before the stop arrives
    const settled = l.messages.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(l.messages.length).toBe(settled);
  });

  it("leaves the watchdog to the process WATCHDOG_PID names when that is not us", () => {
    expect(new SystemdNotifier({ env: { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, pid: 4242 }).watchdogUs).toBeUndefined();
    expect(new SystemdNotifier({ env: { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '1000000' }, pid: 4242 }).watchdogUs).toBe(1000000);
    expect(new SystemdNotifier({ env: { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: 'junk' }, pid: 4242 }).watchdogUs).toBeUndefined();
  });

  it('does nothing without NOTIFY_SOCKET', () => {
    let calls = 0;
    const addon = {
      constants: c,
      socket: () => (calls++, 0),
      sendto: () => (calls++, 0),
      close: () => void calls++,
    };
    const s = new SystemdNotifier({ env: { WATCHDOG_USEC: '1000' }, addon, onError: () => calls++ });
    expect(s.enabled).toBe(false);
    expect(s.watchdogUs).toBeUndefined();
    s.ready('x');
    s.reloading();
    s.status('y');
    s.stopping();
    s.watchdog();
    s.startWatchdog();
    s.close();
    expect(calls).toBe(0);
  });

  it('reports the first failure once and never throws', () => {
    const errors: string[] = [];
    const s = notifier({ NOTIFY_SOCKET: join(dir, 'nobody-listens') }, { onError: (m) => errors.push(m) });
    expect(() => {
      s.ready();
      s.status('a');
      s.stopping();
    }).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/nobody-listens.*(ENOENT|No such file)/);
    expect(s.failures).toBe(3);
    const bad = notifier({ NOTIFY_SOCKET: 'vsock:2:99' }, { onError: (m) => errors.push(m) });
    bad.ready();
    expect(errors[1]).toMatch(/neither an absolute path/);
  });

  it('removes the variables from the environment when asked, so that scripts do not inherit them', () => {
    const env: Record<string, string | undefined> = { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '5000000', WATCHDOG_PID: '4242', PATH: '/bin' };
    const s = new SystemdNotifier({ env, pid: 4242, unsetEnvironment: true });
    expect(s.socketPath).toBe('@x');
    expect(s.watchdogUs).toBe(5000000);
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('sends nothing after close', async () => {
    const sock = `@kt-notify-test-${process.pid}-close`;
    const l = listen(sock);
    const s = notifier({ NOTIFY_SOCKET: sock });
    s.ready();
    s.close();
    s.stopping();
    expect(await l.next(1)).toEqual(['READY=1\nMAINPID=4242']);
    await new Promise((r) => setTimeout(r, 100));
    expect(l.messages).toEqual([]);
  });
});

/** python3 binds `address` (a path, or an abstract name as '\0name'), prints "ready", then the first datagram as JSON. */
function pythonListener(address: string): { ready: Promise<void>; message: Promise<string> } {
  const script = [
    'import json, socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(json.loads(sys.argv[1]))',
    's.settimeout(5)',
    'print("ready", flush=True)',
    'print(json.dumps(s.recv(4096).decode()), flush=True)',
  ].join('\n');
  const child = spawn('python3', ['-c', script, JSON.stringify(address)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const message = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) readyResolve();
    });
    child.on('exit', (code) => {
      const line = out.split('\n')[1];
      if (code === 0 && line) resolve(JSON.parse(line) as string);
      else reject(new Error(`python3 listener exited ${code}: ${out}`));
    });
  });
  return { ready, message };
}

describe('SystemdNotifier and an independent listener (python3)', () => {
  it('reaches an abstract socket bound by python3', async () => {
    const name = `kt-notify-py-${process.pid}`;
    const py = pythonListener(`\0${name}`);
    await py.ready;
    notifier({ NOTIFY_SOCKET: `@${name}` }).ready('up');
    expect(await py.message).toBe('READY=1\nMAINPID=4242\nSTATUS=up');
  });

  it('reaches a path socket bound by python3', async () => {
    const path = join(dir, 'py-notify');
    const py = pythonListener(path);
    await py.ready;
    notifier({ NOTIFY_SOCKET: path }).stopping();
    expect(await py.message).toBe('STOPPING=1');
  });
});
