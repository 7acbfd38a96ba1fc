import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firstLine, formatReloadTime, parseReloadTime } from '../../../src/reload/time-file.js';

const savedTz = process.env['TZ'];
const useTz = (tz: string): void => {
  process.env['TZ'] = tz;
};
beforeEach(() => useTz('UTC'));
afterEach(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

/** 2026-06-01 12:00:00 UTC */
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const at = (line: string, now = NOW): { atMs: number; dateSpecified: boolean } => {
  const r = parseReloadTime(line, now);
  if (!r.ok) throw new Error(r.message);
  return { atMs: r.atMs, dateSpecified: r.dateSpecified };
};
const reason = (line: string, now = NOW): string => {
  const r = parseReloadTime(line, now);
  return r.ok ? 'ok' : r.reason;
};

describe('parseReloadTime', () => {
  it('reads the three formats, each with and without Z', () => {
    expect(at('13:00:00')).toEqual({ atMs: NOW + HOUR, dateSpecified: false });
    expect(at('13:00:00Z')).toEqual({ atMs: NOW + HOUR, dateSpecified: false });
    expect(at('26-06-02 08:30:15')).toEqual({ atMs: Date.UTC(2026, 5, 2, 8, 30, 15), dateSpecified: true });
    expect(at('26-06-02 08:30:15Z')).toEqual({ atMs: Date.UTC(2026, 5, 2, 8, 30, 15), dateSpecified: true });
    expect(at('2026-06-02 08:30:15')).toEqual({ atMs: Date.UTC(2026, 5, 2, 8, 30, 15), dateSpecified: true });
    expect(at('2026-06-02 08:30:15Z')).toEqual({ atMs: Date.UTC(2026, 5, 2, 8, 30, 15), dateSpecified: true });
  });

  it('takes YY below 69 as 20YY and from 69 as 19YY (strptime %y)', () => {
    expect(at('68-01-01 00:00:00Z').atMs).toBe(Date.UTC(2068, 0, 1));
    expect(parseReloadTime('69-01-01 00:00:00Z', NOW)).toEqual({ ok: false, reason: 'past', message: 'Reload time 69-01-01 00:00:00Z is in the past - ignoring' });
  });

  it('reads a time without Z as local time, with Z as UTC', () => {
    useTz('Europe/London'); // BST (UTC+1) in June
    expect(at('13:00:00').atMs).toBe(NOW + DAY); // 13:00 BST is 12:00 UTC: now, so tomorrow
    expect(at('14:00:00').atMs).toBe(NOW + HOUR);
    expect(at('14:00:00Z').atMs).toBe(NOW + 2 * HOUR);
    expect(at('2026-06-02 08:00:00').atMs).toBe(Date.UTC(2026, 5, 2, 7));
    expect(at('2026-06-02 08:00:00Z').atMs).toBe(Date.UTC(2026, 5, 2, 8));
    expect(formatReloadTime(Date.UTC(2026, 5, 2, 7))).toBe('2026-06-02 08:00:00');
    useTz('UTC');
    expect(formatReloadTime(Date.UTC(2026, 5, 2, 7))).toBe('2026-06-02 07:00:00');
  });

  it('makes a time alone that has passed today (or is now) tomorrow', () => {
    expect(at('11:59:59')).toEqual({ atMs: NOW - 1000 + DAY, dateSpecified: false });
    expect(at('12:00:00').atMs).toBe(NOW + DAY);
    expect(at('12:00:00', NOW + 999).atMs).toBe(NOW + DAY);
    expect(at('12:00:00', NOW - 1).atMs).toBe(NOW);
    // across a month end
    expect(at('00:00:00Z', Date.UTC(2026, 5, 30, 23)).atMs).toBe(Date.UTC(2026, 6, 1));
    // in local time across the spring DST change: 12:00 GMT today, 12:00 BST (11:00 UTC) tomorrow
    useTz('Europe/London');
    expect(at('12:00:00', Date.UTC(2027, 2, 27, 13)).atMs).toBe(Date.UTC(2027, 2, 28, 11));
    // tomorrow's time in the gap is moved on as mktime does (01:30 GMT is 02:30 BST), not refused
    expect(at('01:30:00', Date.UTC(2027, 2, 27, 2)).atMs).toBe(Date.UTC(2027, 2, 28, 1, 30));
    expect(formatReloadTime(Date.UTC(2027, 2, 28, 1, 30))).toBe('2027-03-28 02:30:00');
  });

  it('refuses a date and time that has passed', () => {
    expect(parseReloadTime('2026-06-01 12:00:00', NOW)).toEqual({ ok: false, reason: 'past', message: 'Reload time 2026-06-01 12:00:00 is in the past - ignoring' });
    expect(reason('2026-06-01 11:59:59Z')).toBe('past');
    expect(reason('2026-06-01 12:00:01Z')).toBe('ok');
  });

  it('refuses any other length, leading or trailing whitespace included, as "format"', () => {
    for (const line of ['', 'Z', '1:00:00', ' 13:00:00', '13:00:00 ', '13:00:00\r', '13:00', '2026-06-02  08:00:00', '13:00:00ZZ', '2026-06-02 08:00:00ZZ', '\t13:00:00']) {
      expect(reason(line), JSON.stringify(line)).toBe('format');
    }
    expect(parseReloadTime('13:00', NOW)).toEqual({ ok: false, reason: 'format', message: 'Reload time 13:00 format is incorrect - ignoring' });
  });

  it('refuses what strptime would not read as "invalid"', () => {
    for (const line of ['ab:cd:ef', '13-00-00', '13:00:0x', '25:00:00', '25:61:00', '12:60:00', '2026-13-01 12:00:00', '2026-00-10 12:00:00', '2026-02-00 12:00:00', '2026-06-02T08:00:00', '2026/06/02 08:00:00', '26-06-02_08:00:00', '26-06-02 08:00:0xZ']) {
      expect(reason(line), line).toBe('invalid');
    }
    expect(parseReloadTime('25:61:00', NOW)).toEqual({ ok: false, reason: 'invalid', message: 'Reload date/time 25:61:00 invalid - ignoring' });
  });

  it('refuses a time that does not exist as "not-valid"', () => {
    for (const line of ['2026-02-30 12:00:00', '2026-02-29 12:00:00Z', '2026-04-31 12:00:00', '12:00:60', '2026-06-02 12:00:61Z']) {
      expect(reason(line), line).toBe('not-valid');
    }
    expect(parseReloadTime('2026-02-30 12:00:00', NOW)).toEqual({ ok: false, reason: 'not-valid', message: 'Reload time 2026-02-30 12:00:00 is not valid - ignoring' });
    expect(at('2028-02-29 12:00:00').atMs).toBe(Date.UTC(2028, 1, 29, 12));
    useTz('Europe/London'); // clocks go from 01:00 to 02:00 on 2027-03-28
    expect(reason('2027-03-28 01:30:00')).toBe('not-valid');
    expect(reason('2027-03-28 02:30:00')).toBe('ok');
    expect(at('2027-03-28 01:30:00Z').atMs).toBe(Date.UTC(2027, 2, 28, 1, 30));
    // a time alone in today's gap
    expect(reason('01:30:00', Date.UTC(2027, 2, 28, 0, 10))).toBe('not-valid');
  });
});

describe('firstLine', () => {
  it('is what fgets(21 bytes) leaves after its newline is dropped', () => {
    expect(firstLine('13:00:00\n')).toBe('13:00:00');
    expect(firstLine('13:00:00')).toBe('13:00:00');
    expect(firstLine('13:00:00\nsecond line\n')).toBe('13:00:00');
    expect(firstLine('13:00:00\r\n')).toBe('13:00:00\r');
    expect(firstLine('\n13:00:00\n')).toBe('');
    expect(firstLine('13:00:00\0junk')).toBe('13:00:00');
    // a longer line is cut at 20 characters, so a trailing extra is not seen
    expect(firstLine('2026-06-02 08:00:00Zjunk\n')).toBe('2026-06-02 08:00:00Z');
    expect(firstLine('2026-06-02 08:00:00 junk\n')).toBe('2026-06-02 08:00:00 ');
  });
});

describe('formatReloadTime', () => {
  it('is YYYY-MM-DD HH:MM:SS in local time', () => {
    expect(formatReloadTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02 03:04:05');
    useTz('America/New_York');
    expect(formatReloadTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-01 22:04:05');
  });
});
