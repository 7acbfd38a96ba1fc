/**
 * Value readers with keepalived's rules and messages (lib/parser.c `read_int_func()`,
 * `read_unsigned_func()`, `read_decimal_unsigned_long_func()`, `check_true_false()`). Each
 * reports through the parser and returns null when the value is not usable.
 */
import { Grade } from './diagnostics.js';
import type { Parser } from './parser.js';
import type { Statement } from './reader.js';

const IntMin = -2147483648;
const IntMax = 2147483647;
const UintMax = 4294967295;

/** strtol(3)-like: optional blanks and sign, then digits of the base (0 = auto: 0x hex, 0 octal). */
function strtol(text: string, base: number): { value: number; rest: string } {
  const m = /^[ \t\n\r\f\v]*([+-]?)(.*)$/s.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  let body = m[2]!;
  let b = base;
  if ((b === 0 || b === 16) && /^0[xX][0-9a-fA-F]/.test(body)) {
    body = body.slice(2);
    b = 16;
  } else if (b === 0) {
    b = body.startsWith('0') ? 8 : 10;
  }
  const digits = b === 16 ? /^[0-9a-fA-F]+/ : b === 8 ? /^[0-7]+/ : /^[0-9]+/;
  const d = digits.exec(body);
  if (!d) return { value: 0, rest: text };
  return { value: sign * parseInt(d[0], b), rest: body.slice(d[0].length) };
}

export function readInt(p: Parser, word: string | undefined, min: number, max: number, base = 10): number | null {
  if (word === undefined) p.missingParameter();
  const { value, rest } = strtol(word, base);
  // strtol(3) reads an empty string as 0 with nothing left over: keepalived accepts it
  if (rest !== '') p.report(Grade.InvalidNumber, `invalid number '${word}'`);
  else if (value < IntMin || value > IntMax) p.report(Grade.InvalidNumber, `number '${word}' outside integer range`);
  else if (value < min || value > max) p.report(Grade.InvalidNumber, `number '${word}' outside range [${min}, ${max}]`);
  else return value;
  return null;
}

export function readUnsigned(p: Parser, word: string | undefined, min: number, max: number, base = 10): number | null {
  if (word === undefined) p.missingParameter();
  const trimmed = word.replace(/^[ \t\n\r\f\v]+/, '');
  const { value, rest } = strtol(trimmed, base);
  if (trimmed.startsWith('-')) p.report(Grade.InvalidNumber, `negative number '${word}'`);
  else if (rest !== '') p.report(Grade.InvalidNumber, `invalid number '${word}'`);
  else if (value > UintMax) p.report(Grade.InvalidNumber, `number '${word}' outside unsigned integer range`);
  else if (value < min || value > max) p.report(Grade.InvalidNumber, `number '${word}' outside range [${min}, ${max}]`);
  else return value;
  return null;
}

/** ULONG_MAX on keepalived's 64-bit targets, and its TIMER_MAXIMUM (ULONG_MAX - 1). */
const UlongMax = (1n << 64n) - 1n;
const TimerMaximum = UlongMax - 1n;

/** strtoull(3) in base 10 over the whole text: null when something is left over. */
function strtoull(text: string): { value: bigint; overflow: boolean } | null {
  const m = /^[ \t\n\r\f\v]*([+-]?)([0-9]*)(.*)$/s.exec(text)!;
  if (m[2] === '') return text === '' ? { value: 0n, overflow: false } : null;
  if (m[3] !== '') return null;
  let value = BigInt(m[2]!);
  const overflow = value > UlongMax;
  if (overflow) value = UlongMax;
  else if (m[1] === '-') value = (UlongMax + 1n - value) & UlongMax;
  return { value, overflow };
}

/**
 * A decimal with up to `shift` places, returned as an integer scaled by 10^shift (so seconds with
 * shift 6 give microseconds), as keepalived's `read_decimal_unsigned_long_func()` reads it: extra
 * places are reported but rounded and still accepted; min and max are scaled values.
 */
export function readDecimal(p: Parser, word: string | undefined, min: number, max: number, shift: number): number | null {
  if (word === undefined) p.missingParameter();
  if (word.startsWith('-')) {
    p.report(Grade.InvalidNumber, `negative number '${word}'`);
    return null;
  }
  const dot = word.indexOf('.');
  let places = dot >= 0 ? word.length - dot - 1 : 0;
  let roundUp = false;
  if (places > shift) {
    p.report(Grade.InvalidNumber, `number '${word}' has too many decimal places`);
    roundUp = (word[dot + shift + 1] ?? '') >= '5';
    places = shift;
  }
  const digits = (dot >= 0 ? word.slice(0, dot) + word.slice(dot + 1, dot + 1 + places) : word) + '0'.repeat(shift - places);
  const parsed = strtoull(digits);
  if (parsed === null) {
    p.report(Grade.InvalidNumber, `invalid number '${word}'`);
    return null;
  }
  if (parsed.overflow) {
    p.report(Grade.InvalidNumber, `number '${word}' outside unsigned decimal range`);
    return null;
  }
  const value = parsed.value + (roundUp ? 1n : 0n);
  const lo = BigInt(min);
  const hi = max >= TimerMaxUs ? TimerMaximum : BigInt(max);
  if (value < lo || value > hi) {
    const scale = 10n ** BigInt(shift);
    // printf("%lu.%*.*lu"): with no places the fraction prints as nothing
    const fmt = (v: bigint): string => `${v / scale}.${shift ? String(v % scale).padStart(shift, '0') : ''}`;
    p.report(Grade.InvalidNumber, `number '${word}' outside range [${fmt(lo)}, ${fmt(hi)}]`);
    return null;
  }
  return Number(value);
}

/** keepalived's TIMER_MAXIMUM: the largest timer it accepts, in microseconds. */
export const TimerMaxUs = Number.MAX_SAFE_INTEGER;

/** A time in seconds with microsecond resolution (`read_timer()`), returned in microseconds. */
export function readTimerUs(p: Parser, word: string | undefined, minUs: number, maxUs: number = TimerMaxUs): number | null {
  return readDecimal(p, word, minUs, maxUs, 6);
}

/** on|off|true|false|yes|no, or null. */
export function parseBool(word: string): boolean | null {
  if (word === 'true' || word === 'on' || word === 'yes') return true;
  if (word === 'false' || word === 'off' || word === 'no') return false;
  return null;
}

/**
 * An optional `<BOOL>` after the keyword: absent means true. An invalid word is reported and
 * gives null.
 */
export function readOptionalBool(p: Parser, st: Statement, index = 1): boolean | null {
  const word = st.words[index];
  if (word === undefined) return true;
  const v = parseBool(word);
  if (v === null) p.report(Grade.GeneralError, `invalid value '${word}' for ${st.words[0]} - must be on/off/true/false/yes/no`);
  return v;
}

/**
 * The single string argument of a keyword. keepalived's handlers take it with `strvec_slot()`,
 * which stops reading the configuration when it is missing (exit 2).
 */
export function readString(p: Parser, st: Statement, index = 1): string | null {
  return st.words[index] ?? p.missingParameter(index);
}

export function secondsFromUs(us: number): number {
  return us / 1_000_000;
}
