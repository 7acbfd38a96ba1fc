/**
 * `--signum` and `-v` as keepalived 2.2.7 answers them (compared with Debian's keepalived when it
 * is installed), and as keepalived-exporter reads them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { formatVersion, KeepalivedCompatVersion, signalNumberFor } from '../../../src/cli/options.js';
import { VERSION } from '../../../src/version.js';

function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: '/', env: {} });
  return { code, stdout, stderr };
}

const keepalived = '/usr/sbin/keepalived';
const haveKeepalived = existsSync(keepalived);

function runKeepalived(...argv: string[]) {
  const r = spawnSync(keepalived, argv, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const names = ['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON'];
const unknown = ['TDUMP', 'json', 'Stop', 'USR1', 'SIGHUP', '36', ' JSON'];

describe('--signum', () => {
  it('prints the number of each of keepalived\'s names', () => {
    const got = Object.fromEntries(names.map((name) => [name, run(`--signum=${name}`)]));
    for (const r of Object.values(got)) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(Object.fromEntries(Object.entries(got).map(([k, r]) => [k, r.stdout]))).toEqual({
      STOP: '15\n',
      RELOAD: '1\n',
      DATA: '10\n',
      STATS: '12\n',
      STATS_CLEAR: '63\n',
      JSON: '36\n',
    });
    expect(run('--signum', 'JSON').stdout).toBe('36\n');
  });

  it('answers an unknown name, lower case included, as keepalived: message on stderr, exit 1', () => {
    for (const name of unknown) {
      expect(run(`--signum=${name}`)).toEqual({ code: 1, stdout: '', stderr: `Unknown sigfunc ${name}\n` });
    }
    expect(signalNumberFor('constructor')).toBeUndefined();
    expect(signalNumberFor('__proto__')).toBeUndefined();
    expect(run('--signum=')).toEqual({ code: 1, stdout: '', stderr: 'Missing parameter for option --signum\n' });
  });

  it('acts where it stands on the command line, as getopt reaches it', () => {
    expect(run('--signum=JSON', '--no-such-flag')).toEqual({ code: 0, stdout: '36\n', stderr: '' });
    expect(run('--signum=JSON', '-v').stdout).toBe('36\n');
    expect(run('-v', '--signum=JSON').stderr).toMatch(/^Keepalived v/);
  });

  it.skipIf(!haveKeepalived)('matches Debian keepalived for every name', () => {
    for (const name of [...names, ...unknown, '']) {
      expect(run(`--signum=${name}`), name).toEqual(runKeepalived(`--signum=${name}`));
    }
  });
});

describe('-v', () => {
  it('prints keepalived\'s layout on stderr, nothing on stdout', () => {
    for (const flag of ['-v', '--version']) {
      const r = run(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n');
      expect(lines[0]).toBe(`Keepalived v${KeepalivedCompatVersion} (keepalived-ts v${VERSION})`);
      expect(lines[1]).toBe('');
      expect(lines[2]).toMatch(/^Copyright\(C\) /);
      expect(lines[3]).toBe('');
      expect(r.stderr).toContain(`\nRunning on Linux ${release()} `);
      expect(r.stderr).toMatch(/\nBuilt with kernel headers for Linux \d+\.\d+\.\d+\n/);
      expect(r.stderr).toMatch(/\n\nconfigure options: [^\n]*--enable-json[^\n]*\n\nConfig options:  [^\n]*\bJSON\b[^\n]*\n\nSystem options:  [^\n]+\n$/);
    }
  });

  it('gives keepalived-exporter what it looks for', () => {
    const out = run('-v').stderr;
    // internal/types/utils/version.go ParseVersion: second word of the first line, 'v' dropped
    const version = out.split('\n', 2)[0]!.split(' ')[1]!.slice(1);
    expect(version).toBe('2.2.7');
    const [major, minor] = version.split('.').map(Number);
    expect(major! > 1 || (major === 1 && minor! >= 4)).toBe(true); // asks --signum from 1.3.8, script states from 1.4.0
    expect(out).toContain('--enable-json'); // HasJSONSignalSupport
  });

  it.skipIf(!haveKeepalived)('has the lines of keepalived -v in the same order', () => {
    const label = (line: string) => /^(Keepalived v|Copyright\(C\)|Built with kernel headers|Running on \S+|Distro:|configure options:|Config options:|System options:)/.exec(line)?.[1];
    const theirs = runKeepalived('-v');
    expect(theirs.stdout).toBe('');
    const ours = run('-v').stderr;
    expect(ours.split('\n').map(label).filter(Boolean)).toEqual(theirs.stderr.split('\n').map(label).filter(Boolean));
  });

  it('says so when the addon is not built, and leaves out a missing distro', () => {
    const text = formatVersion('9.9.9', { sysname: 'Linux', release: '6.1.0', kernelVersion: '#1 SMP', nodeVersion: 'v20.0.0' });
    expect(text).toContain("Built without the native addon (run 'npm install')\nRunning on Linux 6.1.0 #1 SMP\nNode.js v20.0.0\n\n");
    expect(text).not.toContain('Distro:');
    expect(text.startsWith('Keepalived v2.2.7 (keepalived-ts v9.9.9)\n\n')).toBe(true);
    const built = formatVersion('9.9.9', { sysname: 'Linux', release: 'r', kernelVersion: 'v', nodeVersion: 'n', linuxVersionCode: (6 << 16) | (1 << 8) | 94, distro: 'Debian GNU/Linux 12 (bookworm)' });
    expect(built).toContain('Built with kernel headers for Linux 6.1.94\nRunning on Linux r v\nDistro: Debian GNU/Linux 12 (bookworm)\n');
  });
});
