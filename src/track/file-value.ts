/**
 * The value of a tracked file, as keepalived 2.2.7 reads it (trackers/track_file.c:
 * process_track_file), and the content `init_file` writes (track_file_end_handler). Pure.
 *
 * keepalived reads at most 127 bytes and takes strtol(buf, NULL, 0) of them: leading C
 * whitespace, an optional sign, then hexadecimal after "0x"/"0X", octal after a leading "0",
 * else decimal; the longest valid prefix counts ("5abc" is 5, "010" is 8, "0x1f" is 31) and
 * text without digits ("", "junk", "-") is 0. An empty file, or one that cannot be opened or read,
 * is 0. A number strtol cannot represent (ERANGE, clamped to LONG_MIN/LONG_MAX) or outside
 * [INT32_MIN, INT32_MAX + 1] is "Invalid number N read from PATH - ignoring": the previous value
 * stays.
 */

/** keepalived reads into a 128-byte buffer and NUL-terminates it. */
export const TrackFileReadBytes = 127;

const Int32Min = -2147483648n;
const Int32MaxPlus1 = 2147483648n;
const LongMax = 9223372036854775807n;
const LongMin = -9223372036854775808n;

export type TrackFileParse =
  | { readonly ok: true; readonly value: number }
  /** `shown` is the number as keepalived's log line prints it (strtol's clamped result). */
  | { readonly ok: false; readonly shown: string };

const isCSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function digit(c: number | undefined): number {
  if (c === undefined) return 99;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/** strtol(text, NULL, 0) on a 64-bit long: the value and whether it overflowed (ERANGE). */
export function strtol0(bytes: Uint8Array): { value: bigint; erange: boolean } {
  let i = 0;
  // The buffer is a C string: a NUL ends it.
  const end = bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0);
  while (i < end && isCSpace(bytes[i]!)) i++;
  let negative = false;
  if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) negative = bytes[i++] === 0x2d;
  let base = 10n;
  if (i < end && bytes[i] === 0x30) {
    if (i + 2 < end && (bytes[i + 1] === 0x78 || bytes[i + 1] === 0x58) && digit(bytes[i + 2]) < 16) {
      base = 16n;
      i += 2;
    } else base = 8n;
  }
  let value = 0n;
  let erange = false;
  for (; i < end; i++) {
    const d = digit(bytes[i]);
    if (BigInt(d) >= base) break;
    if (!erange) {
      value = value * base + BigInt(d);
      if (negative ? -value < LongMin : value > LongMax) erange = true;
    }
  }
  if (erange) return { value: negative ? LongMin : LongMax, erange };
  return { value: negative ? -value : value, erange };
}

/** The value of the first (up to) 127 bytes of a tracked file. */
export function parseTrackFileValue(content: Uint8Array | string): TrackFileParse {
  const all = typeof content === 'string' ? Buffer.from(content, 'latin1') : content;
  const bytes = all.subarray(0, TrackFileReadBytes);
  const { value, erange } = strtol0(bytes);
  if (erange || value < Int32Min || value > Int32MaxPlus1) return { ok: false, shown: value.toString() };
  return { ok: true, value: Number(value) };
}

/** keepalived's log line for an invalid number. */
export function invalidNumberLine(shown: string, path: string): string {
  return `Invalid number ${shown} read from ${path} - ignoring`;
}

/** What `init_file VALUE` writes: fprintf(tf, "%d\n", value). */
export function initFileContent(value: number): string {
  return `${Math.trunc(value)}\n`;
}
