import { describe, expect, it } from 'vitest';
import { expandBraces, glob, matchSegment } from '../../../src/config/glob.js';
import { memoryFs } from '../../helpers/config.js';

describe('glob', () => {
  const fs = memoryFs({ '/etc/k/a.conf': '', '/etc/k/b.conf': '', '/etc/k/.hidden.conf': '', '/etc/k/sub/c.conf': '', '/etc/k/x.txt': '' });

  it('expands braces in order', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('no braces')).toEqual(['no braces']);
  });

  it('matches like fnmatch, hiding dot files from wildcards', () => {
    expect(matchSegment('*.conf', 'a.conf')).toBe(true);
    expect(matchSegment('*.conf', '.hidden.conf')).toBe(false);
    expect(matchSegment('[ab].conf', 'b.conf')).toBe(true);
    expect(matchSegment('[!ab].conf', 'b.conf')).toBe(false);
    expect(matchSegment('?.conf', 'ab.conf')).toBe(false);
  });

  it('finds files relative to a directory, sorted, directories marked', () => {
    expect(glob(fs, '*.conf', '/etc/k').paths).toEqual(['/etc/k/a.conf', '/etc/k/b.conf']);
    expect(glob(fs, '*', '/etc/k').paths).toEqual(['/etc/k/a.conf', '/etc/k/b.conf', '/etc/k/sub/', '/etc/k/x.txt']);
    expect(glob(fs, '/etc/k/*/c.conf', '/').paths).toEqual(['/etc/k/sub/c.conf']);
    expect(glob(fs, '{b,a}.conf', '/etc/k').paths).toEqual(['/etc/k/b.conf', '/etc/k/a.conf']);
  });

  it('counts what is missing', () => {
    expect(glob(fs, 'nope.conf', '/etc/k')).toEqual({ paths: [], missing: 1, hadWildcards: false });
    expect(glob(fs, 'nodir/*.conf', '/etc/k')).toEqual({ paths: [], missing: 1, hadWildcards: true });
    expect(glob(fs, '*.none', '/etc/k')).toEqual({ paths: [], missing: 0, hadWildcards: true });
  });
});
