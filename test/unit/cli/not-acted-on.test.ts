import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';
import { notActedOn, notActedOnWarning } from '../../../src/cli/not-acted-on.js';

describe('keywords read but not acted on yet', () => {
  it('names each with where it is, only for the subsystems that run', () => {
    const c = parseText(`global_defs {
  enable_dbus
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  use_vmac
  virtual_ipaddress {
    192.0.2.100/24
  }
  virtual_routes {
    198.51.100.0/24 via 192.0.2.1
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 100
  virtual_ipaddress {
    192.0.2.101/24
  }
}
`).config;
    const list = notActedOn(c, { vrrp: true, checkers: false });
    expect(list).toEqual([
      { keyword: 'virtual_routes', where: ['VI_1'] },
      { keyword: 'use_vmac', where: ['VI_1'] },
      { keyword: 'enable_dbus', where: ['global_defs'] },
    ]);
    expect(notActedOnWarning(list)).toBe('keywords read but not acted on yet: virtual_routes (VI_1); use_vmac (VI_1); enable_dbus (global_defs)');
    expect(notActedOn(c, { vrrp: false, checkers: true })).toEqual([]);
    expect(notActedOnWarning([])).toBeNull();
  });

  it('names net_namespace and -s/--namespace whichever subsystems run (the daemon does not enter a namespace)', () => {
    const c = parseText(`net_namespace blue
net_namespace_ipvs green
`).config;
    expect(notActedOn(c, { vrrp: false, checkers: true })).toEqual([
      { keyword: 'net_namespace', where: ['net_namespace'] },
      { keyword: 'net_namespace_ipvs', where: ['net_namespace_ipvs'] },
    ]);
    expect(notActedOn(parseText('').config, { vrrp: true, checkers: false, namespace: 'red' })).toEqual([{ keyword: '-s/--namespace', where: ['red'] }]);
  });
});
