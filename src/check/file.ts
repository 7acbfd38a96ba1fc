/**
 * FILE_CHECK: a track_file's integer value, times the checker's weight, is added to the real
 * server's weight; a "FAULT" value takes the real server down (keepalived: check/check_file.c,
 * trackers/track_file.c). keepalived re-reads the file on inotify events; here each probe run
 * reads it, with the same parsing and the same verdict.
 */
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileCheck } from '../config/checkers/file.js';
import type { TrackFile } from '../config/keywords/vrrp-trackers.js';
import type { Probe, ProbeResult } from './probe.js';

/** keepalived's IPVS_WEIGHT_FAULT (-IPVS_WEIGHT_MAX - 1 = INT32_MIN): the status that means "down". */
export const IpvsWeightFault = -2147483648;
const Int32Max = 2147483647;

/** keepalived reads at most this many bytes of the file (a 128-byte buffer, NUL-terminated). */
const ReadBytes = 127;

const isCSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/**
 * The value of a track file's contents as keepalived's process_track_file() reads it:
 * strtol(text, NULL, 0) semantics — leading C whitespace, an optional sign, then base 16 after
 * "0x"/"0X", base 8 after a leading "0", else base 10; the longest valid prefix counts, so
 * "5abc" is 5, "010" is 8 and text without digits ("garbage", "", "-") is 0. A number outside
 * [INT32_MIN, INT32_MAX + 1] (keepalived's bound, which also catches strtol's ERANGE) gives
 * null: keepalived logs "Invalid number" and keeps the previous value.
 */
export function parseTrackFileValue(text: Uint8Array | string): number | null {
  const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  let i = 0;
  while (i < b.length && isCSpace(b[i]!)) i++;
  let negative = false;
  if (b[i] === 0x2b || b[i] === 0x2d) negative = b[i++] === 0x2d;
  let base = 10n;
  if (b[i] === 0x30) {
    if ((b[i + 1] === 0x78 || b[i + 1] === 0x58) && digitValue(b[i + 2] ?? 0) < 16) {
      base = 16n;
      i += 2;
    } else base = 8n;
  }
  let value = 0n;
  for (; i < b.length; i++) {
    const d = digitValue(b[i]!);
    if (BigInt(d) >= base) break;
    value = value * base + BigInt(d);
    // Far out of range already: stop before the digits grow without bound (127 bytes at most anyway).
    if (value > 1n << 40n) break;
  }
  if (negative) value = -value;
  if (value < BigInt(IpvsWeightFault) || value > BigInt(Int32Max) + 1n) return null;
  return Number(value);
}

/**
 * Reads the file as process_track_file() does: a missing or unreadable file (ENOENT, EACCES,
 * a directory, a FIFO without data — it is opened O_NONBLOCK) or an empty one reads as 0;
 * null when the number is out of range (the previous value stays).
 */
export async function readTrackFileValue(path: string): Promise<number | null> {
  let fh;
  try {
    fh = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.alloc(ReadBytes);
    const { bytesRead } = await fh.read(buf, 0, ReadBytes, null);
    return bytesRead > 0 ? parseTrackFileValue(buf.subarray(0, bytesRead)) : 0;
  } catch {
    return 0;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** The checker's weight: its own `weight W [reverse]`, else the track_file's (keepalived: file_end_handler()). */
function effectiveWeight(check: FileCheck, trackFile: Pick<TrackFile, 'weight' | 'weight_reverse'>): { weight: number; reverse: boolean } {
  // keepalived marks "weight not set" with a sentinel; the model may leave weight undefined for it.
  const own: { weight?: number; weight_reverse?: boolean } = check;
  if (own.weight === undefined) return { weight: trackFile.weight, reverse: trackFile.weight_reverse };
  return { weight: own.weight, reverse: own.weight_reverse ?? false };
}

/**
 * The checker's status for a file value (keepalived: update_track_file_status(), then
 * process_update_checker_track_file_status() in trackers/track_file.c):
 * - weight 0: a non-zero value is FAULT and 0 is fine (status 0); with `reverse` the other way
 *   round (0 is FAULT);
 * - otherwise status = value × weight (× -1 with `reverse`), clamped to int32 (weight_range());
 *   it is FAULT when it reaches IPVS_WEIGHT_FAULT, i.e. when value × weight × sign <= INT32_MIN.
 * FAULT takes the real server down (update_svr_checker_state(DOWN)) and drops the checker's
 * weight contribution to 0; any other status is up and added to the real server's weight
 * (update_svr_wgt(effective_weight + new - previous)). A negative total does not take the real
 * server down: IPVS gets real_weight(), clamped to 0.
 * (At startup, init_service_rs() and set_track_file_checkers_down() treat weight 0 as "non-zero
 * value = down" ignoring `reverse`; later changes use the rule above. We use the rule above always.)
 */
export function fileCheckStatus(value: number, weight: number, reverse: boolean): { fault: boolean; status: number } {
  if (weight === 0) return { fault: (value !== 0) !== reverse, status: 0 };
  const product = value * weight * (reverse ? -1 : 1) + 0; // + 0: no -0 for a 0 value with reverse
  const status = Math.min(Int32Max, Math.max(IpvsWeightFault, product));
  return { fault: status === IpvsWeightFault, status };
}

/**
 * The probe of a FILE_CHECK. `trackFile` is the track_file block the checker names
 * (check.track_file); its `file` is the path. Never rejects; the file read is a local open and a
 * read of 127 bytes, nothing to bound beyond that.
 */
export function fileProbe(check: FileCheck, trackFile: Pick<TrackFile, 'name' | 'file' | 'weight' | 'weight_reverse'>): Probe {
  const { weight, reverse } = effectiveWeight(check, trackFile);
  const label = `track_file ${trackFile.name}`;
  // keepalived's last_status starts at 0 and an invalid number leaves it unchanged.
  let last = 0;
  return async (signal): Promise<ProbeResult> => {
    if (signal.aborted) return { ok: false, reason: 'aborted' };
    if (trackFile.file === undefined) return { ok: false, reason: `${label} has no file` };
    let value: number | null;
    try {
      value = await readTrackFileValue(trackFile.file);
    } catch {
      value = 0;
    }
    const invalid = value === null;
    if (value !== null) last = value;
    const { fault, status } = fileCheckStatus(last, weight, reverse);
    const seen = `${label} value ${last}${invalid ? ' (invalid number read - kept)' : ''}`;
    if (fault) return { ok: false, reason: `${seen}: FAULT`, weightDelta: 0 };
    return { ok: true, reason: `${seen}, weight ${weight}${reverse ? ' reverse' : ''}: ${status}`, weightDelta: status };
  };
}
