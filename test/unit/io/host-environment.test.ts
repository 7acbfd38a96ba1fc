import { describe, expect, it } from 'vitest';
import { readColonDatabase, readInterfaceNames, systemHostEnvironment } from '../../../src/io/host-environment.js';

describe('host environment', () => {
  it('reads interface names from /proc/net/dev', () => {
    const table = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    1234      10    0    0    0     0          0         0     1234      10    0    0    0     0       0          0',
      '  eth0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
      'eth1.100:     0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
      '',
    ].join('\n');
    expect([...readInterfaceNames(table)]).toEqual(['lo', 'eth0', 'eth1.100']);
  });

  it('reads passwd-style databases, first entry wins', () => {
    const db = readColonDatabase('root:x:0:0:root:/root:/bin/bash\n# comment\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\nroot:x:5:5::/:/bin/sh\n');
    expect(db.get('root')?.[2]).toBe('0');
    expect(db.get('keepalived_script')?.[3]).toBe('997');
    expect(db.has('# comment')).toBe(false);
  });

  it('describes the running system', () => {
    const host = systemHostEnvironment({ PATH: '/usr/bin:/bin' });
    expect(host.interfaces?.has('lo')).toBe(true);
    expect(host.lookupUser('root')).toEqual({ uid: 0, gid: 0 });
    expect(host.lookupUser('no-such-user-kt')).toBeNull();
    expect(host.lookupGroup('root')).toEqual({ gid: 0 });
    expect(host.statPath('/bin/sh', true)?.isFile).toBe(true);
    expect(host.statPath('/nonexistent-kt', true)).toBeNull();
    expect(host.realPath('/')).toBe('/');
    expect(host.path).toBe('/usr/bin:/bin');
  });
});
