import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptRunner } from '../../../src/notify/script-runner.js';
import { silentLogger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runner = new ScriptRunner(silentLogger());

function script(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode });
  return path;
}

describe('script runner', () => {
  it('runs a script with its arguments and reports the exit code', async () => {
    const out = join(dir, 'args.out');
    const s = script('args.sh', `echo "$@" > ${out}; exit 3`);
    const r = await runner.run({ what: 'notify', args: [s, 'INSTANCE', 'VI_1', 'MASTER', '100'], timeoutMs: 5000 });
    expect(r).toEqual({ code: 3, signal: null, timedOut: false });
    expect(readFileSync(out, 'utf8')).toBe('INSTANCE VI_1 MASTER 100\n');
  });

  it('kills a hanging script and everything it started when the time is up', async () => {
    const pidFile = join(dir, 'child.pid');
    const s = script('hang.sh', `sleep 30 & echo $! > ${pidFile}; wait`);
    const r = await runner.run({ what: 'notify', args: [s], timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGTERM');
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(`/proc/${child}`) && !readFileSync(`/proc/${child}/stat`, 'utf8').includes(') Z')).toBe(false);
    expect(runner.running).toBe(0);
  });

  it('reports a missing or non-executable script instead of throwing', async () => {
    expect(await runner.run({ what: 'notify', args: [join(dir, 'nope.sh')], timeoutMs: 1000 })).toMatchObject({ code: null, error: 'ENOENT' });
    const s = script('noexec.sh', 'exit 0', 0o644);
    expect(await runner.run({ what: 'notify', args: [s], timeoutMs: 1000 })).toMatchObject({ code: null, error: 'EACCES' });
    expect(await runner.run({ what: 'notify', args: [], timeoutMs: 1000 })).toMatchObject({ error: 'empty command' });
    expect(runner.running).toBe(0);
  });
});
