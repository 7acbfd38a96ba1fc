/**
 * Numbered signals through the addon's libuv watch: a child Node.js process that watches
 * SIGRTMIN+2 reports it and keeps running, while one that does not (or stopped watching) is killed
 * by it, as the default action says; the handler multiplexing of onNumberedSignal in this process;
 * the argument checks.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeSockets } from '../../../src/native/index.js';
import { addonPath } from '../../helpers/addon-path.js';
import { keepalivedSignals, onNumberedSignal, realtimeSignalRange } from '../../../src/native/signals.js';

const n = nativeSockets();

const childScript = `
const addon = require(process.env.KT_ADDON);
const mode = process.argv[1];
const sig = addon.sigrtmin() + 2;
if (mode !== 'none') addon.signalWatch(sig, (n) => console.log('signal ' + n));
if (mode === 'unwatched') addon.signalUnwatch(sig);
process.on('SIGTERM', () => { console.log('term'); process.exit(0); });
setInterval(() => {}, 1000); // the watch itself does not keep a process alive
console.log('ready ' + process.pid + ' ' + sig);
`;

/**
 * Run the child under sh, which reports its exit status: Node.js reports a death by a signal it
 * has no name for (a real-time one) as exit code 0 with no signal.
 */
function startChild(mode: 'watch' | 'none' | 'unwatched') {
  const sh = spawn('/bin/sh', ['-c', '"$0" -e "$1" "$2"; echo "status=$?"', process.execPath, childScript, mode], {
    env: { ...process.env, KT_ADDON: addonPath() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = ''; // sh says "Real-time signal 2" when the child dies of it
  sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buffered = '';
  sh.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((r) => sh.on('exit', () => r()));
  async function line(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find((l) => pattern.test(l));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in ${JSON.stringify(lines)}; stderr: ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  return { lines, line, exited, kill: () => sh.kill('SIGKILL') };
}

describe('numbered signals in a child process', () => {
  it('a watched SIGRTMIN+2 reaches the callback, twice, and the process keeps running', async () => {
    const child = startChild('watch');
    try {
      const [, pid, sig] = (await child.line(/^ready /)).split(' ').map(Number);
      expect(sig).toBe(realtimeSignalRange().min + 2);
      process.kill(pid!, sig!);
      await child.line(new RegExp(`^signal ${sig}$`));
      process.kill(pid!, sig!);
      await new Promise((r) => setTimeout(r, 200));
      expect(child.lines.filter((l) => l === `signal ${sig}`)).toHaveLength(2);
      expect(child.lines.some((l) => l.startsWith('status='))).toBe(false);
      process.kill(pid!, 'SIGTERM');
      await child.line(/^status=/);
      expect(child.lines).toContain('term');
      expect(child.lines).toContain('status=0');
    } finally {
      child.kill();
    }
  });

  it('without the watch, SIGRTMIN+2 kills the process (so the test above is not vacuous)', async () => {
    for (const mode of ['none', 'unwatched'] as const) {
      const child = startChild(mode);
      try {
        const [, pid, sig] = (await child.line(/^ready /)).split(' ').map(Number);
        process.kill(pid!, sig!);
        expect(await child.line(/^status=/)).toBe(`status=${128 + sig!}`);
        expect(child.lines.some((l) => l.startsWith('signal '))).toBe(false);
      } finally {
        child.kill();
      }
    }
  });
});

describe('onNumberedSignal', () => {
  it('calls every handler of a signal, and stops each one on its own', async () => {
    const sig = n.sigrtmin() + 2;
    const a: number[] = [];
    const b: number[] = [];
    const offA = onNumberedSignal(sig, (s) => a.push(s));
    const offB = onNumberedSignal(sig, (s) => b.push(s));
    const arrived = async (list: number[], count: number) => {
      for (let i = 0; i < 100 && list.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      process.kill(process.pid, sig);
      await arrived(b, 1);
      expect(a).toEqual([sig]);
      expect(b).toEqual([sig]);
      offA();
      offA(); // a second call does nothing
      process.kill(process.pid, sig);
      await arrived(b, 2);
      expect(a).toEqual([sig]);
      expect(b).toEqual([sig, sig]);
    } finally {
      offA();
      offB();
    }
  });

  it('lets a handler stop its own watch from inside the callback', async () => {
    const sig = n.sigrtmin() + 3;
    const seen: string[] = [];
    const wait = async () => {
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    };
    const off = onNumberedSignal(sig, () => {
      seen.push('once');
      off(); // the last handler: the addon closes its libuv handle while it is running
    });
    process.kill(process.pid, sig);
    await wait();
    expect(seen).toEqual(['once']);
    seen.length = 0;
    const again = onNumberedSignal(sig, () => seen.push('again'));
    try {
      process.kill(process.pid, sig);
      await wait();
      expect(seen).toEqual(['again']);
    } finally {
      again();
    }
  });

  it('refuses what cannot or must not be caught', () => {
    expect(() => onNumberedSignal(9, () => undefined)).toThrow(RangeError); // SIGKILL
    expect(() => onNumberedSignal(19, () => undefined)).toThrow(RangeError); // SIGSTOP
    expect(() => onNumberedSignal(11, () => undefined)).toThrow(RangeError); // SIGSEGV
    expect(() => onNumberedSignal(0, () => undefined)).toThrow(RangeError);
    expect(() => onNumberedSignal(n.sigrtmin() - 1, () => undefined)).toThrow(RangeError); // libc's own
    expect(() => onNumberedSignal(n.sigrtmax() + 1, () => undefined)).toThrow(RangeError);
    expect(() => onNumberedSignal(1.5, () => undefined)).toThrow(RangeError);
    expect(() => n.signalWatch('36' as unknown as number, () => undefined)).toThrow(TypeError);
    expect(() => n.signalWatch(36, 'f' as unknown as () => void)).toThrow(TypeError);
    expect(() => n.signalWatch(-1, () => undefined)).toThrow(RangeError);
    expect(() => n.signalWatch(2 ** 31 - 1, () => undefined)).toThrow(RangeError);
    expect(() => n.signalUnwatch(36)).not.toThrow(); // nothing watched: nothing to do
  });
});

describe('keepalived signal numbers', () => {
  it('come from SIGRTMIN and SIGRTMAX as the C library reports them', () => {
    expect(n.sigrtmin()).toBe(34); // glibc keeps 32 and 33 for itself
    expect(n.sigrtmax()).toBe(64);
    expect(keepalivedSignals()).toEqual({ STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36 });
    expect(keepalivedSignals({ min: 35, max: 64 })).toMatchObject({ JSON: 37, STATS_CLEAR: 63 }); // musl
  });
});
