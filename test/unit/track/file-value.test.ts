import { describe, expect, it } from 'vitest';
import { initFileContent, invalidNumberLine, parseTrackFileValue } from '../../../src/track/file-value.js';

const v = (s: string | Uint8Array) => parseTrackFileValue(s);

describe('track_file value (process_track_file: strtol(buf, NULL, 0) of the first 127 bytes)', () => {
  it('reads decimal, signs, leading C whitespace and stops at the first non-digit', () => {
    expect(v('5\n')).toEqual({ ok: true, value: 5 });
    expect(v(' \t\n\v\f\r-42 junk')).toEqual({ ok: true, value: -42 });
    expect(v('+7')).toEqual({ ok: true, value: 7 });
    expect(v('5abc')).toEqual({ ok: true, value: 5 });
    expect(v('1e3')).toEqual({ ok: true, value: 1 });
    expect(v('12 34')).toEqual({ ok: true, value: 12 });
    expect(v(Buffer.from([0x34, 0x00, 0x35]))).toEqual({ ok: true, value: 4 });
  });

  it('takes base 0: hexadecimal after 0x, octal after a leading 0', () => {
    expect(v('0x1f')).toEqual({ ok: true, value: 31 });
    expect(v('-0X10')).toEqual({ ok: true, value: -16 });
    expect(v('010')).toEqual({ ok: true, value: 8 });
    expect(v('08')).toEqual({ ok: true, value: 0 });
    expect(v('0x')).toEqual({ ok: true, value: 0 });
    expect(v('0xg')).toEqual({ ok: true, value: 0 });
  });

  it('is 0 for empty or junk content', () => {
    for (const s of ['', 'junk', '-', '+', '   ', '\n5']) expect(v(s).ok && (v(s) as { value: number }).value).toBe(s === '\n5' ? 5 : 0);
  });

  it('reads only the first 127 bytes', () => {
    expect(v(' '.repeat(126) + '12')).toEqual({ ok: true, value: 1 });
    expect(v(' '.repeat(127) + '5')).toEqual({ ok: true, value: 0 });
  });

  it('accepts [INT32_MIN, INT32_MAX + 1] and reports anything else with strtol\'s value', () => {
    expect(v('2147483648')).toEqual({ ok: true, value: 2147483648 });
    expect(v('-2147483648')).toEqual({ ok: true, value: -2147483648 });
    expect(v('2147483649')).toEqual({ ok: false, shown: '2147483649' });
    expect(v('-2147483649')).toEqual({ ok: false, shown: '-2147483649' });
    expect(v('99999999999999999999999')).toEqual({ ok: false, shown: '9223372036854775807' });
    expect(v('-99999999999999999999999')).toEqual({ ok: false, shown: '-9223372036854775808' });
    expect(invalidNumberLine('2147483649', '/run/f')).toBe('Invalid number 2147483649 read from /run/f - ignoring');
  });

  it('init_file writes "%d\\n"', () => {
    expect(initFileContent(5)).toBe('5\n');
    expect(initFileContent(-254)).toBe('-254\n');
    expect(initFileContent(0)).toBe('0\n');
  });
});
