import { describe, expect, it } from 'vitest';
import { DropCounter, errorCounters, formatVrrpStats, StatsBaseline } from '../../../src/dump/keepalived-stats.js';
import { capturedSnapshot, fixture, lineDiff } from './captured-run.js';

describe('keepalived.stats (SIGUSR2)', () => {
  it('matches keepalived 2.2.7 line by line', () => {
    expect(lineDiff(fixture('keepalived.stats'), formatVrrpStats(capturedSnapshot()))).toEqual([]);
  });

  it('is exact where the counters are the same', () => {
    const text = formatVrrpStats(capturedSnapshot());
    expect(text).toBe(fixture('keepalived.stats'));
  });

  it('the comparison is not vacuous: an instance left out breaks it', () => {
    const s = capturedSnapshot();
    expect(lineDiff(fixture('keepalived.stats'), formatVrrpStats({ ...s, instances: s.instances.slice(1) })).length).toBeGreaterThan(0);
  });

  it('maps drop reasons to keepalived counters', () => {
    const c = errorCounters(new Map([['address-mismatch', 2], ['destination', 1], ['ttl', 3], ['unicast-ttl', 1], ['auth', 4], ['auth-type', 5], ['malformed', 6], ['interval', 7], ['checksum', 8], ['own-packet', 9]]));
    expect(c).toEqual({ packetLenErr: 6, ipTtlErr: 4, invalidTypeRcvd: 0, advertIntervalErr: 7, addrListErr: 3, invalidAuthtype: 0, authtypeMismatch: 5, authFailure: 4 });
    expect(DropCounter.checksum).toBeNull();
  });

  it('writes nothing for no instances', () => {
    expect(formatVrrpStats({ ...capturedSnapshot(), instances: [] })).toBe('');
  });
});

describe('stats clear (SIGRTMAX-1)', () => {
  it('counts from the clear on', () => {
    const s = capturedSnapshot();
    const b = new StatsBaseline();
    expect(b.apply(s).instances[1]!.stats.advertRcvd).toBe(9);
    b.clear(s);
    const later = { ...s, instances: s.instances.map((i) => ({ ...i, stats: { ...i.stats, advertRcvd: i.stats.advertRcvd + 3 } })) };
    expect(b.apply(later).instances.map((i) => i.stats.advertRcvd)).toEqual([3, 3, 3]);
    expect(b.apply(later).instances[0]!.stats.addrListErr).toBe(0);
  });
});
