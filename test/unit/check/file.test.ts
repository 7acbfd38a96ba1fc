import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileCheck } from '../../../src/config/checkers/file.js';
import type { TrackFile } from '../../../src/config/keywords/vrrp-trackers.js';
import { fileCheckStatus, fileProbe, parseTrackFileValue, readTrackFileValue } from '../../../src/check/file.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function valueFile(content: string): string {
  const path = join(dir, `value-${n++}`);
  writeFileSync(path, content);
  return path;
}

const check = (weight: number, reverse = false): FileCheck => ({ type: 'FILE_CHECK', track_file: 'tf', weight, weight_reverse: reverse });
const track = (file: string | undefined, extra: Partial<TrackFile> = {}): TrackFile => ({
  name: 'tf',
  weight: 1,
  weight_reverse: false,
  ...(file !== undefined ? { file } : {}),
  ...extra,
});
const run = (c: FileCheck, t: TrackFile) => fileProbe(c, t)(new AbortController().signal);

const openFds = (): number => readdirSync('/proc/self/fd').length;
let fds = 0;
beforeEach(() => {
  fds = openFds();
});
afterEach(() => {
  expect(openFds()).toBe(fds);
});

describe('track file value parsing (strtol base 0, as process_track_file())', () => {
  // Each expectation checked against glibc strtol(s, NULL, 0).
  const cases: Array<[string, number | null]> = [
    ['0\n', 0],
    ['5\n', 5],
    ['-3\n', -3],
    [' \t\n-3\n', -3],
    ['+7', 7],
    ['garbage', 0],
    ['', 0],
    ['-', 0],
    ['- 5', 0],
    ['+-5', 0],
    ['5abc', 5],
    ['1e3', 1],
    ['010', 8],
    ['08', 0],
    ['0x1A', 26],
    ['-0x10', -16],
    ['0x', 0],
    ['0xg', 0],
    ['0x-5', 0],
    ['\v12', 12],
    ['-2147483648', -2147483648],
    // keepalived accepts INT32_MAX + 1 (so that weight -1 can reach the FAULT value).
    ['2147483648', 2147483648],
    ['2147483649', null],
    ['-2147483649', null],
    ['99999999999999999999', null],
  ];
  for (const [text, value] of cases) {
    it(`${JSON.stringify(text)} reads as ${value === null ? 'invalid (previous value kept)' : value}`, () => {
      expect(parseTrackFileValue(text)).toBe(value);
    });
  }
});

describe('reading a track file', () => {
  it('reads a missing file, an empty file and a directory as 0', async () => {
    expect(await readTrackFileValue(join(dir, 'does-not-exist'))).toBe(0);
    expect(await readTrackFileValue(valueFile(''))).toBe(0);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    expect(await readTrackFileValue(sub)).toBe(0);
  });

  it('reads only the first 127 bytes', async () => {
    expect(await readTrackFileValue(valueFile(`${' '.repeat(126)}5`))).toBe(5);
    expect(await readTrackFileValue(valueFile(`${' '.repeat(127)}5`))).toBe(0);
    expect(await readTrackFileValue(valueFile(`${' '.repeat(126)}56`))).toBe(5);
  });

  it('does not block on a FIFO without a writer', { timeout: 3000 }, async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(await readTrackFileValue(fifo)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('FILE_CHECK probe', () => {
  it('adds value x weight to the real server weight', async () => {
    expect(await run(check(1), track(valueFile('0\n')))).toMatchObject({ ok: true, weightDelta: 0 });
    expect(await run(check(1), track(valueFile('5\n')))).toMatchObject({ ok: true, weightDelta: 5 });
    expect(await run(check(3), track(valueFile('5\n')))).toMatchObject({ ok: true, weightDelta: 15 });
    // A negative contribution lowers the weight but does not take the real server down.
    expect(await run(check(1), track(valueFile('-3\n')))).toMatchObject({ ok: true, weightDelta: -3 });
    expect(await run(check(10), track(valueFile('-3\n')))).toMatchObject({ ok: true, weightDelta: -30 });
  });

  it('negates with reverse', async () => {
    expect(await run(check(3, true), track(valueFile('5')))).toMatchObject({ ok: true, weightDelta: -15 });
    expect(await run(check(3, true), track(valueFile('-3')))).toMatchObject({ ok: true, weightDelta: 9 });
    const zero = await run(check(3, true), track(valueFile('0')));
    expect(zero).toMatchObject({ ok: true });
    expect(Object.is(zero.weightDelta, 0)).toBe(true);
  });

  it('reads garbage and a missing file as 0', async () => {
    expect(await run(check(4), track(valueFile('garbage\n')))).toMatchObject({ ok: true, weightDelta: 0 });
    expect(await run(check(4), track(join(dir, 'missing')))).toMatchObject({ ok: true, weightDelta: 0 });
  });

  it('with weight 0, a non-zero value is FAULT (reverse: a zero value is)', async () => {
    expect(await run(check(0), track(valueFile('0')))).toMatchObject({ ok: true, weightDelta: 0 });
    expect(await run(check(0), track(valueFile('5')))).toMatchObject({ ok: false, weightDelta: 0 });
    expect(await run(check(0), track(valueFile('-3')))).toMatchObject({ ok: false, weightDelta: 0 });
    expect(await run(check(0), track(valueFile('garbage')))).toMatchObject({ ok: true, weightDelta: 0 });
    expect(await run(check(0), track(join(dir, 'missing')))).toMatchObject({ ok: true, weightDelta: 0 });
    expect(await run(check(0, true), track(valueFile('0')))).toMatchObject({ ok: false, weightDelta: 0 });
    expect(await run(check(0, true), track(valueFile('5')))).toMatchObject({ ok: true, weightDelta: 0 });
  });

  it('is FAULT when value x weight reaches INT32_MIN, and clamps to INT32_MAX', async () => {
    const fault = await run(check(1), track(valueFile('-2147483648')));
    expect(fault).toEqual({ ok: false, reason: 'track_file tf value -2147483648: FAULT', weightDelta: 0 });
    expect(await run(check(-1), track(valueFile('2147483648')))).toMatchObject({ ok: false });
    expect(await run(check(1, true), track(valueFile('2147483648')))).toMatchObject({ ok: false });
    expect(await run(check(2, true), track(valueFile('1073741824')))).toMatchObject({ ok: false });
    expect(await run(check(2, true), track(valueFile('1073741823')))).toMatchObject({ ok: true, weightDelta: -2147483646 });
    expect(await run(check(254), track(valueFile('-10000000')))).toMatchObject({ ok: false });
    expect(await run(check(254), track(valueFile('2147483647')))).toMatchObject({ ok: true, weightDelta: 2147483647 });
    expect(fileCheckStatus(-8454660, 254, false)).toEqual({ fault: false, status: -2147483640 });
    expect(fileCheckStatus(-8454661, 254, false)).toEqual({ fault: true, status: -2147483648 });
  });

  it('keeps the previous value when the file holds an out-of-range number', async () => {
    const path = valueFile('5\n');
    const probe = fileProbe(check(2), track(path));
    const signal = new AbortController().signal;
    expect(await probe(signal)).toMatchObject({ ok: true, weightDelta: 10 });
    writeFileSync(path, '99999999999\n');
    const kept = await probe(signal);
    expect(kept).toMatchObject({ ok: true, weightDelta: 10 });
    expect(kept.reason).toContain('invalid number');
    writeFileSync(path, '-1\n');
    expect(await probe(signal)).toMatchObject({ ok: true, weightDelta: -2 });
    // Before any valid read keepalived's value is 0.
    expect(await run(check(2), track(valueFile('99999999999')))).toMatchObject({ ok: true, weightDelta: 0 });
  });

  it("uses the track_file's weight and reverse when the checker sets no weight", async () => {
    const inherit = { type: 'FILE_CHECK', track_file: 'tf', weight_reverse: false } as unknown as FileCheck;
    expect(await run(inherit, track(valueFile('5'), { weight: 7, weight_reverse: true }))).toMatchObject({ ok: true, weightDelta: -35 });
    // The checker's own weight wins over the track_file's.
    expect(await run(check(2), track(valueFile('5'), { weight: 7, weight_reverse: true }))).toMatchObject({ ok: true, weightDelta: 10 });
  });

  it('settles as failed when aborted or when the track_file has no file', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await fileProbe(check(1), track(valueFile('5')))(ac.signal)).toEqual({ ok: false, reason: 'aborted' });
    expect(await run(check(1), track(undefined))).toMatchObject({ ok: false, reason: 'track_file tf has no file' });
  });
});
