import { describe, expect, it } from 'vitest';
import { compareIp, formatIp, isLinkLocal, isMulticast, parseIp, parsePrefix } from '../../../src/config/address.js';

describe('IP addresses', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::1:2', 'fe80::1:2'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['2001:db8:1:0:0:1:0:1', '2001:db8:1::1:0:1'],
  ])('%s is %s', (text, canonical) => {
    const a = parseIp(text);
    expect(a).not.toBeNull();
    expect(formatIp(a!)).toBe(canonical);
  });

  it.each(['192.0.2', '192.0.2.256', '192.0.2.01', '1.2.3.4.5', '2001:db8:::1', '2001:db8::1::2', 'g::1', '1:2:3:4:5:6:7:8:9', '', 'eth0'])(
    'rejects %j',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  it('parses prefixes and rejects lengths beyond the family', () => {
    expect(parsePrefix('192.0.2.0/24')).toEqual({ address: parseIp('192.0.2.0'), prefixLength: 24 });
    expect(parsePrefix('2001:db8::/32')?.prefixLength).toBe(32);
    expect(parsePrefix('192.0.2.0/33')).toBeNull();
    expect(parsePrefix('192.0.2.0/')).toBeNull();
    expect(parsePrefix('192.0.2.0')).toEqual({ address: parseIp('192.0.2.0') });
  });

  it('classifies and orders', () => {
    expect(isMulticast(parseIp('224.0.0.18')!)).toBe(true);
    expect(isMulticast(parseIp('ff02::12')!)).toBe(true);
    expect(isMulticast(parseIp('192.0.2.1')!)).toBe(false);
    expect(isLinkLocal(parseIp('fe80::1')!)).toBe(true);
    expect(compareIp(parseIp('192.0.2.2')!, parseIp('192.0.2.10')!)).toBeLessThan(0);
  });
});
