import { describe, expect, it } from 'vitest';
import { formatVrrpJson } from '../../../src/dump/keepalived-json.js';
import { capturedSnapshot, fixture, keyPaths } from './captured-run.js';

describe('keepalived.json (signal 36)', () => {
  it('json_version 1: the same keys as keepalived 2.2.7, in the same order', () => {
    const ours = JSON.parse(formatVrrpJson(capturedSnapshot())!) as unknown;
    const theirs = JSON.parse(fixture('keepalived.json')) as unknown;
    expect(keyPaths(ours)).toEqual(keyPaths(theirs));
  });

  it('the same values, but for times', () => {
    const strip = (text: string): unknown => JSON.parse(text.replace(/"last_transition":[0-9.]+/g, '"last_transition":0'));
    expect(strip(formatVrrpJson(capturedSnapshot())!)).toEqual(strip(fixture('keepalived.json')));
  });

  it("json_writer's quirks: compact, '/' escaped, a newline at the end", () => {
    const text = formatVrrpJson(capturedSnapshot())!;
    expect(text.endsWith('}]\n')).toBe(true);
    expect(text).toContain('"script_master":"\'\\/usr\\/bin\\/echo\' \'master\'"');
    expect(text).toContain('"vips":["192.0.2.100\\/24 dev eth0 scope global set"');
  });

  it('the comparison is not vacuous: a field left out breaks it', () => {
    const s = capturedSnapshot();
    const ours = JSON.parse(formatVrrpJson({ ...s, instances: s.instances.map((i) => ({ ...i, evips: [] })) })!) as unknown;
    expect(keyPaths(ours)).not.toEqual(keyPaths(JSON.parse(fixture('keepalived.json'))));
  });

  it('json_version 2: {vrrp: [...], track_process: [...]} and track_process names per instance', () => {
    const v2 = JSON.parse(formatVrrpJson(capturedSnapshot(), 2)!) as { vrrp: { data: Record<string, unknown> }[]; track_process: Record<string, unknown>[] };
    expect(Object.keys(v2)).toEqual(['vrrp', 'track_process']);
    expect(v2.vrrp[1]!.data.track_process).toEqual(['sleeper']);
    expect(v2.track_process[0]).toMatchObject({ process: 'sleeper', param_match: 'none', min_processes: 1, have_quorum: false, weight: 5 });
  });

  it('no file without instances', () => {
    expect(formatVrrpJson({ ...capturedSnapshot(), instances: [] })).toBeNull();
  });
});
