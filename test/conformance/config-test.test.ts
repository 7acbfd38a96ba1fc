/**
 * Conformance of `keepalived-ts -t` with the real `keepalived -t` (Debian's keepalived 2.2.7):
 * for every configuration in the corpus both run in the same throwaway network namespace (which
 * has eth0..eth3, the interfaces the samples name) and must give the same exit code; when the
 * configuration is rejected, the first problem each reports must be on the same line.
 *
 * Corpus: keepalived's own samples as Debian installs them, Debian's default
 * keepalived.conf.sample, the configurations of the project's seed articles (fixtures/seeds),
 * and configurations written to exercise error paths (fixtures/conformance).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, type RunResult } from '../helpers/netns.js';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli.js');
const samplesDir = '/usr/share/doc/keepalived/samples';

interface Case {
  readonly file: string;
  readonly configId?: string;
}

function confFiles(dir: string, filter: (name: string) => boolean): string[] {
  return readdirSync(dir)
    .filter(filter)
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Where we knowingly differ from keepalived 2.2.7, and why. Keyed by file base name (plus
 * `@id` when run with a config id). Values: which comparison to relax.
 */
const knownDifferences: Record<string, { exitCode?: true; line?: true; reason: string }> = {
  'seed-003-sections.conf': {
    line: true,
    reason:
      'keepalived resolves smtp_server host names with getaddrinfo() while reading (line 12); the test namespace ' +
      'has no resolver. keepalived-ts does not resolve names while reading a configuration.',
  },
};

function corpus(): Case[] {
  const cases: Case[] = [];
  for (const f of confFiles(samplesDir, (n) => n.startsWith('keepalived.conf.'))) {
    if (basename(f) === 'keepalived.conf.conditional_conf') {
      for (const id of ['high', 'low', 'other']) cases.push({ file: f, configId: id });
    } else {
      cases.push({ file: f });
    }
  }
  if (existsSync('/etc/keepalived/keepalived.conf.sample')) cases.push({ file: '/etc/keepalived/keepalived.conf.sample' });
  for (const dir of ['fixtures/seeds', 'fixtures/conformance']) {
    const full = join(root, dir);
    if (existsSync(full)) cases.push(...confFiles(full, (n) => n.endsWith('.conf')).map((file) => ({ file })));
  }
  return cases;
}

/** Line of the first message carrying a location, from keepalived's "(file: Line N)" or "(Line N)". */
export function firstKeepalivedLine(stderr: string): number | null {
  for (const line of stderr.split('\n')) {
    const m = /^\((?:.*: )?Line (\d+)\)/.exec(line);
    if (m) return Number(m[1]);
  }
  return null;
}

/**
 * Line of our first located diagnostic that is not mere information. keepalived also prints a
 * missing plain `include` with its line, without counting it as an error; so do we (info).
 */
export function firstOwnLine(stderr: string): number | null {
  for (const line of stderr.split('\n')) {
    const m = /^.+?:(\d+): (?:fatal|error|warning|security|info: Config files missing)/.exec(line);
    if (m) return Number(m[1]);
  }
  return null;
}

describe('keepalived-ts -t agrees with keepalived 2.2.7 -t', () => {
  let ns: Netns;
  beforeAll(() => {
    expect(existsSync('/usr/sbin/keepalived'), 'Debian keepalived must be installed (see .ci/run)').toBe(true);
    expect(existsSync(cli), 'run npm run build first').toBe(true);
    ns = Netns.create(['eth0', 'eth1', 'eth2', 'eth3']);
  });
  afterAll(() => ns?.destroy());

  const cases = corpus();
  it('has a corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of cases) {
    const label = `${basename(c.file)}${c.configId ? `@${c.configId}` : ''}`;
    it(label, () => {
      const idArgs = c.configId ? ['-i', c.configId] : [];
      const theirs: RunResult = ns.exec('/usr/sbin/keepalived', ['-t', '-l', '-f', c.file, ...idArgs], { cwd: '/' });
      const ours: RunResult = ns.exec(cli, ['-t', '-f', c.file, ...idArgs], { cwd: '/' });
      const known = knownDifferences[label];
      const context = `\n--- keepalived (rc ${theirs.code}):\n${theirs.stderr}\n--- keepalived-ts (rc ${ours.code}):\n${ours.stderr}`;
      expect([0, 2, 4, 5, 6], `keepalived itself did not run properly${context}`).toContain(theirs.code);
      if (!known?.exitCode) expect(ours.code, `exit code${context}`).toBe(theirs.code);
      if (theirs.code !== 0 && !known?.line) {
        expect(firstOwnLine(ours.stderr), `first problem's line${context}`).toBe(firstKeepalivedLine(theirs.stderr));
      }
    });
  }
});
