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
  if (rest !== '' || word === '') p.report(Grade.InvalidNumber, `invalid number '${word}'`);
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
  else if (rest !== '' || trimmed === '') p.report(Grade.InvalidNumber, `invalid number '${word}'`);
  else if (value > UintMax) p.report(Grade.InvalidNumber, `number '${word}' outside unsigned integer range`);
  else if (value < min || value > max) p.report(Grade.InvalidNumber, `number '${word}' outside range [${min}, ${max}]`);
  else return value;
  return null;
}

/**
 * A decimal with up to `shift` places, returned as an integer scaled by 10^shift (so seconds with
 * shift 6 give microseconds). Extra places are reported and rounded, as keepalived does.
 */
export function readDecimal(p: Parser, word: string | undefined, min: number, max: number, shift: number): number | null {
  if (word === undefined) p.missingParameter();
  if (word.startsWith('-')) {
    p.report(Grade.InvalidNumber, `negative number '${word}'`);
    return null;
  }
  const dot = word.indexOf('.');
  let intPart = dot >= 0 ? word.slice(0, dot) : word;
  let frac = dot >= 0 ? word.slice(dot + 1) : '';
  let roundUp = false;
  if (frac.length > shift) {
    p.report(Grade.InvalidNumber, `number '${word}' has too many decimal places`);
    roundUp = (frac[shift] ?? '0') >= '5';
    frac = frac.slice(0, shift);
  }
  intPart = intPart.replace(/^[ \t]+/, '');
  const digits = intPart + frac.padEnd(shift, '0');
  if (!/^\+?[0-9]+$/.test(digits)) {
    p.report(Grade.InvalidNumber, `invalid number '${word}'`);
    return null;
  }
  let value = Number(digits.replace('+', ''));
  if (roundUp) value++;
  if (!Number.isSafeInteger(value)) {
    p.report(Grade.InvalidNumber, `number '${word}' outside unsigned decimal range`);
    return null;
  }
  if (value < min || value > max) {
    const scale = 10 ** shift;
    const fmt = (v: number): string => (shift ? `${Math.floor(v / scale)}.${String(v % scale).padStart(shift, '0')}` : String(v));
    p.report(Grade.InvalidNumber, `number '${word}' outside range [${fmt(min)}, ${fmt(max)}]`);
    return null;
  }
  return value;
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

/** The single string argument of a keyword, reporting it when missing. */
export function readString(p: Parser, st: Statement, index = 1): string | null {
  const word = st.words[index];
  if (word === undefined) {
    p.report(Grade.MissingParameter, `${st.words[0]} requires a parameter`);
    return null;
  }
  return word;
}

export function secondsFromUs(us: number): number {
  return us / 1_000_000;
}
