import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDumpPath, dumpDirectory, writeDumpFile } from '../../../src/dump/write.js';

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kts-dump-write-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writing dump files', () => {
  it('rw------- by default (umask 0177), through a rename', async () => {
    const d = scratch();
    const path = join(d, 'keepalived.data');
    await writeDumpFile(path, 'one\n');
    expect(readFileSync(path, 'utf8')).toBe('one\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(['keepalived.data']);
  });

  it('takes the umask, replaces a symlink rather than following it', async () => {
    const d = scratch();
    const victim = join(d, 'victim');
    writeFileSync(victim, 'keep');
    const path = join(d, 'keepalived.stats');
    symlinkSync(victim, path);
    await writeDumpFile(path, 'stats\n', 0o022);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it("keepalived's names: TMPDIR when absolute, data_use_instance", () => {
    expect(dumpDirectory({ TMPDIR: '/var/tmp' })).toBe('/var/tmp');
    expect(dumpDirectory({ TMPDIR: 'relative' })).toBe('/tmp');
    expect(dataDumpPath('keepalived.data', { directory: '/tmp' })).toBe('/tmp/keepalived.data');
    expect(dataDumpPath('keepalived.data', { directory: '/tmp', dataUseInstance: true, instanceName: 'i1', networkNamespace: 'ns' })).toBe('/tmp/keepalived.ns_i1.data');
    expect(dataDumpPath('keepalived_check.data', { directory: '/tmp', dataUseInstance: true, instanceName: 'i1' })).toBe('/tmp/keepalived_check.i1.data');
  });
});
