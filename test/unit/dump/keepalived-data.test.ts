import { describe, expect, it } from 'vitest';
import { formatParentData, formatVrrpData } from '../../../src/dump/keepalived-data.js';
import { formatCheckData } from '../../../src/dump/check-data.js';
import { capturedSnapshot, fixture, lineDiff } from './captured-run.js';

describe('dump files of keepalived 2.2.7 (SIGUSR1), against a captured run', () => {
  it('keepalived.data: the VRRP process dump, line by line', () => {
    expect(lineDiff(fixture('keepalived.data'), formatVrrpData(capturedSnapshot()))).toEqual([]);
  });

  it('keepalived_parent.data: the global definitions as the parent prints them', () => {
    expect(lineDiff(fixture('keepalived_parent.data'), formatParentData(capturedSnapshot()))).toEqual([]);
  });

  it('keepalived_check.data: the LVS topology and health checkers', () => {
    expect(lineDiff(fixture('keepalived_check.data'), formatCheckData(capturedSnapshot()))).toEqual([]);
  });

  it('the lines exporters parse are there verbatim', () => {
    const lines = formatVrrpData(capturedSnapshot()).split('\n');
    for (const l of [' VRRP Instance = VI_1', '   State = MASTER', '   Interface = eth0', '   Virtual Router ID = 51', '   Wantstate = MASTER', '   Gratuitous ARP delay = 5', ' VRRP Script = chk', '   Status = GOOD', '   State = idle', '   Virtual IP (2):', '     192.0.2.100/24 dev eth0 scope global set']) {
      expect(lines).toContain(l);
    }
  });

  it('the comparison is not vacuous: a field left out breaks it', () => {
    const s = capturedSnapshot();
    const without = { ...s, instances: s.instances.map((i, n) => (n === 0 ? { ...i, evips: [] } : i)) };
    const diff = lineDiff(fixture('keepalived.data'), formatVrrpData(without));
    expect(diff.length).toBeGreaterThan(0);
    expect(diff[0]).toContain('Virtual IP Excluded');
    const noSet = { ...s, scripts: [] };
    expect(lineDiff(fixture('keepalived.data'), formatVrrpData(noSet)).length).toBeGreaterThan(0);
  });
});
