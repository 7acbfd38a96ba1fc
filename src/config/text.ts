/**
 * Line-level text rules of keepalived's configuration reader: comments, quotes, tokenising.
 * Pure string functions; the reader and the keyword handlers build on them.
 */

/** keepalived's MAXBUF: longer lines are rejected. */
export const MaxLineLength = 1024;

const WhiteSpace = ' \t\f\n\r\v';

function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

export interface DecommentResult {
  readonly text: string;
  /** A `"` was opened and never closed on the line. */
  readonly unterminatedQuote: boolean;
}

/**
 * Removes a comment (from the first `#` or `!` outside double quotes), the backslash of `\#` and
 * `\!` outside quotes, and leading/trailing blanks. A trailing `\` is kept (it marks the
 * continuation of a multi-line `$NAME=` definition) with the blanks before it removed.
 */
export function decomment(line: string): DecommentResult {
  let s = line.replace(/^[ \t]+/, '');
  let quote = false;
  let commentAt = -1;
  let continuation = false;
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '"') {
      if (commentAt < 0) quote = !quote;
      i++;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 < s.length) {
        const next = s[i + 1];
        if (!quote && (next === '#' || next === '!')) {
          s = s.slice(0, i) + s.slice(i + 1);
          i++;
        } else {
          i += 2;
        }
        continue;
      }
      s = s.slice(0, i);
      continuation = true;
      break;
    }
    if (!quote && commentAt < 0 && (ch === '!' || ch === '#')) commentAt = i;
    i++;
  }
  if (commentAt >= 0) s = s.slice(0, commentAt);
  s = s.replace(/[ \t]+$/, '');
  if (continuation) s += '\\';
  return { text: s, unterminatedQuote: quote };
}

export interface TokenizeResult {
  readonly words: string[];
  readonly unmatchedQuote: boolean;
}

/**
 * keepalived's default tokeniser: words split on white space; a word that starts with `"` runs to
 * the next `"` (quotes dropped, no escapes); a `"` inside a word ends the word.
 */
export function tokenize(text: string): TokenizeResult {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (true) {
    while (i < n && WhiteSpace.includes(text[i]!)) i++;
    if (i >= n) break;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { words, unmatchedQuote: true };
      words.push(text.slice(i + 1, close));
      i = close + 1;
    } else {
      const start = i;
      while (i < n && !WhiteSpace.includes(text[i]!) && text[i] !== '"') i++;
      words.push(text.slice(start, i));
    }
  }
  return { words, unmatchedQuote: false };
}

export type QuotedSplit = { ok: true; words: string[] } | { ok: false; reason: string };

/**
 * The tokeniser keepalived uses for script command lines: `"` and `'` both quote and may be
 * joined to other text in a word (`ab"c d"e` is `abc de`); backslash escapes are processed
 * (`\n \t \r \a \b \E \f \v`, `\xHH`, up to three octal digits, `\cX` control characters,
 * anything else stands for itself).
 */
export function splitQuotedEscaped(src: string): QuotedSplit {
  const words: string[] = [];
  let i = 0;
  const n = src.length;
  let quote: '"' | "'" | '' = '';
  while (i < n) {
    while (i < n && WhiteSpace.includes(src[i]!)) i++;
    if (i >= n) break;
    let word = '';
    while (i < n) {
      const ch = src[i]!;
      if (ch === '\\') {
        i++;
        if (i >= n) return { ok: false, reason: `missing escape character at end of '${src}'` };
        const e = src[i]!;
        if (e === 'x' && isHex(src[i + 1])) {
          let code = 0;
          i++;
          // keepalived keeps shifting while hex digits follow; the value is truncated to a byte.
          while (i < n && isHex(src[i])) {
            code = ((code << 4) | parseInt(src[i]!, 16)) & 0xff;
            i++;
          }
          word += String.fromCharCode(code);
        } else if (e === 'c' && i + 1 < n) {
          word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let code = 0;
          let digits = 0;
          while (digits < 3 && i < n && src[i]! >= '0' && src[i]! <= '7') {
            code = ((code << 3) + (src.charCodeAt(i) - 48)) & 0xff;
            i++;
            digits++;
          }
          word += String.fromCharCode(code);
        } else {
          word += simpleEscape(e);
          i++;
        }
        continue;
      }
      if (quote) {
        if (ch === quote) {
          quote = '';
          i++;
        } else {
          word += ch;
          i++;
        }
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        i++;
        continue;
      }
      if (WhiteSpace.includes(ch)) break;
      word += ch;
      i++;
    }
    if (quote) return { ok: false, reason: `string '${src}': missing terminating ${quote}` };
    words.push(word);
  }
  return { ok: true, words };
}

function isHex(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9A-Fa-f]$/.test(ch);
}

function simpleEscape(e: string): string {
  switch (e) {
    case 'a':
      return '\x07';
    case 'b':
      return '\b';
    case 'E':
      return '\x1b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    default:
      return e;
  }
}

/**
 * Splits a processed line at the first `{` or `}` outside double quotes, as keepalived does, so
 * that braces are always statements of their own. Returns the head (may be the brace itself) and
 * the remainder to be read next (or undefined).
 */
export function splitAtBrace(text: string): { head: string; rest?: string } {
  let p = -1;
  if (text[0] === '{' || text[0] === '}') {
    p = 0;
  } else {
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '{' || ch === '}') {
        p = i;
        break;
      }
      if (ch === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) break;
        i = close + 1;
        continue;
      }
      i++;
    }
  }
  if (p < 0) return { head: trimEnd(text) };
  if (p === 0) {
    let skip = 1;
    while (isBlank(text[skip])) skip++;
    const rest = trimEnd(text.slice(skip));
    return rest ? { head: text[0]!, rest } : { head: text[0]! };
  }
  const rest = trimEnd(text.slice(p));
  return { head: trimEnd(text.slice(0, p)), rest };
}

function trimEnd(s: string): string {
  return s.replace(/[ \t]+$/, '');
}
