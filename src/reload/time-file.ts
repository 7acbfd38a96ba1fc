/**
 * The contents of keepalived's `reload_time_file` (global_defs): when the scheduled reload is
 * due. Pure: the first line and the wall-clock time now in, a time or keepalived's reason out.
 *
 * Accepted, exactly as keepalived 2.2.7 documents them: `HH:MM:SS`, `YY-MM-DD HH:MM:SS` and
 * `YYYY-MM-DD HH:MM:SS`, each with an optional trailing `Z` (UTC, otherwise local time).
 * keepalived's strptime also takes a field padded with a space (` 1:00:00`); we keep to the
 * documented digits. Field ranges are strptime's (hour 0-23, minute 0-59, second 0-61, day 1-31,
 * month 1-12; `YY` below 69 is 20YY): outside them the line is 'invalid'; inside them but not a
 * real time (Feb 30, second 60, a local time skipped by DST) it is 'not-valid', found as
 * keepalived finds it, by building the time and reading its fields back.
 */

export type ReloadTime =
  | { ok: true; atMs: number; dateSpecified: boolean }
  | { ok: false; reason: 'format' | 'invalid' | 'not-valid' | 'past'; message: string };

const TIME = /^(\d\d):(\d\d):(\d\d)$/;
const SHORT_DATE_TIME = /^(\d\d)-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/;
const LONG_DATE_TIME = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/;

interface Fields {
  year: number;
  /** 0-11, as Date has it. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The time of `f` in UTC or local time; Date's own normalising of out-of-range fields is mktime's. */
function compose(f: Fields, utc: boolean): Date {
  const d = utc ? new Date(Date.UTC(f.year, f.month, f.day, f.hour, f.minute, f.second)) : new Date(f.year, f.month, f.day, f.hour, f.minute, f.second);
  // Date reads years 0-99 as 19YY
  if (f.year < 100) {
    if (utc) d.setUTCFullYear(f.year, f.month, f.day);
    else d.setFullYear(f.year, f.month, f.day);
  }
  return d;
}

function fieldsOf(d: Date, utc: boolean): Fields {
  return utc
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() }
    : { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
}

const sameFields = (a: Fields, b: Fields): boolean =>
  a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;

/** The date and time fields of `body`, null where strptime would fail; a time alone takes today's date. */
function readFields(body: string, today: Fields): Fields | null {
  const m = body.length === 8 ? TIME.exec(body) : (body.length === 17 ? SHORT_DATE_TIME : LONG_DATE_TIME).exec(body);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  const [hour, minute, second] = n.slice(-3) as [number, number, number];
  if (hour > 23 || minute > 59 || second > 61) return null;
  if (n.length === 3) return { ...today, hour, minute, second };
  const [y, month, day] = n as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const year = body.length === 17 ? (y < 69 ? 2000 + y : 1900 + y) : y;
  return { year, month: month - 1, day, hour, minute, second };
}

/**
 * When the reload written as `line` is due, seen at `nowMs`. A time alone that has passed today
 * (or is now) is tomorrow at that time; a date and time that has passed is 'past'.
 * Checked against keepalived's own parse (glibc) in several zones; where DST makes them differ:
 * keepalived checks a `Z` time against local time (one in a local DST gap is refused), here it is
 * checked in UTC; keepalived's "tomorrow" keeps today's DST flag (an hour off across a change),
 * here it is tomorrow's local time; a local time that occurs twice is its first occurrence here,
 * either one in glibc.
 */
export function parseReloadTime(line: string, nowMs: number): ReloadTime {
  const utc = line.endsWith('Z');
  const body = utc ? line.slice(0, -1) : line;
  if (body.length !== 8 && body.length !== 17 && body.length !== 19) {
    return { ok: false, reason: 'format', message: `Reload time ${line} format is incorrect - ignoring` };
  }
  const f = readFields(body, fieldsOf(new Date(nowMs), utc));
  if (!f) return { ok: false, reason: 'invalid', message: `Reload date/time ${line} invalid - ignoring` };
  const at = compose(f, utc);
  if (!sameFields(f, fieldsOf(at, utc))) return { ok: false, reason: 'not-valid', message: `Reload time ${line} is not valid - ignoring` };
  const dateSpecified = body.length > 8;
  if (at.getTime() > nowMs) return { ok: true, atMs: at.getTime(), dateSpecified };
  if (dateSpecified) return { ok: false, reason: 'past', message: `Reload time ${line} is in the past - ignoring` };
  return { ok: true, atMs: compose({ ...f, day: f.day + 1 }, utc).getTime(), dateSpecified };
}

/**
 * The line keepalived reads: fgets into 21 bytes (at most 20 characters, up to and including the
 * first newline), the newline dropped, and C's string ending at a NUL. So a longer line is cut
 * to its first 20 characters, and a CR before the newline stays (and fails the format).
 */
export function firstLine(text: string): string {
  const head = text.slice(0, 20);
  const end = head.search(/[\n\0]/);
  return end >= 0 ? head.slice(0, end) : head;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time, as keepalived logs reload times. */
export function formatReloadTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
