import { describe, expect, it } from 'vitest';
import { cmdStr, ctimeUs, decimalUs, fmtG, formatIpAddress, secUsec } from '../../../src/dump/text.js';

describe('printf forms of the dump files', () => {
  it('%g', () => {
    expect([0, 1, 5, 0.5, 2.25, 1e-5, 1234567, 100000, 0.0001].map(fmtG)).toEqual(['0', '1', '5', '0.5', '2.25', '1e-05', '1.23457e+06', '100000', '0.0001']);
  });

  it('times: seconds.µs and ctime with µs', () => {
    expect(secUsec(1796300802_161564)).toBe('1796300802.161564');
    expect(ctimeUs(1796300802_161564)).toMatch(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.161564 \d{4}$/);
    expect(decimalUs(5_000_000)).toBe('5.000000');
  });

  it("cmd_str quotes every word but a leading redirection", () => {
    expect(cmdStr(['/usr/bin/echo', 'group', 'master'])).toBe("'/usr/bin/echo' 'group' 'master'");
    expect(cmdStr(['</dev/tcp/127.0.0.1/80'])).toBe('</dev/tcp/127.0.0.1/80');
  });

  it('format_ipaddress', () => {
    expect(formatIpAddress({ address: '192.0.2.100', family: 'inet', prefix: 24, brd: '+', scope: 'host', label: 'eth0:1' }, 'eth0', false)).toBe('192.0.2.100/24 brd 192.0.2.255 dev eth0 scope host label eth0:1');
    expect(formatIpAddress({ address: '2001:db8::1', family: 'inet6', prefix: 64, dev: 'eth1' }, 'eth0', true)).toBe('2001:db8::1/64 dev eth1 scope global preferred_lft forever set');
  });
});
