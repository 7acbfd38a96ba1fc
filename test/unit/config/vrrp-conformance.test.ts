/**
 * VRRP checks keepalived 2.2.7 makes that keepalived-ts missed or got backwards (issue 17):
 * track_interface naming the instance's own interface, accept with and without strict mode,
 * unicast addresses with a prefix or range and bad peer options, use_vmac names shared between
 * instances, promote_secondaries with a vmac, one interface in two garp_groups, and the end of the
 * VRRP checks at a non-existent interface.
 */
import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';
import { configTestExitCode, Grade } from '../../../src/config/diagnostics.js';

const instance = (name: string, body: string, vrid = 51): string => `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  priority 100
${body}
  virtual_ipaddress {
    192.0.2.${vrid}/24
  }
}
`;

describe('track_interface naming the instance interface', () => {
  it('is reported without a line and dropped; the other tracked interfaces stay', () => {
    const r = parseText(instance('VI_1', '  track_interface {\n    eth0\n    eth1 weight -20\n  }'));
    expect(messages(r)).toEqual(['-: (VI_1) Ignoring track_interface eth0 since own interface']);
    expect(r.config.vrrp_instance[0]!.track_interface.map((t) => t.name)).toEqual(['eth1']);
  });

  it('is dropped before the sync group clears weights, so it gets no weight message', () => {
    const r = parseText(`${instance('VI_1', '  track_interface {\n    eth0 weight 10\n  }')}${instance('VI_2', '', 52)}vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
}
`);
    expect(messages(r)).toEqual(['-: (VI_1) Ignoring track_interface eth0 since own interface']);
  });
});

describe('accept on VRRPv2', () => {
  it('is allowed without strict mode, and defaults on there', () => {
    const r = parseText(`${instance('VI_1', '  accept')}${instance('VI_2', '', 52)}`);
    expect(messages(r)).toEqual([]);
    expect(r.config.vrrp_instance.map((v) => v.accept)).toEqual([true, true]);
  });

  it('is reset in strict mode, where it defaults off, except for an address owner', () => {
    const r = parseText(`global_defs {
  vrrp_strict
}
${instance('VI_1', '  accept')}${instance('VI_2', '', 52)}vrrp_instance VI_3 {
  state MASTER
  interface eth1
  virtual_router_id 53
  priority 255
  accept
  virtual_ipaddress {
    192.0.2.53/24
  }
}
`);
    expect(messages(r)).toEqual(['-: (VI_1) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting']);
    expect(r.config.vrrp_instance.map((v) => v.accept)).toEqual([false, false, true]);
  });
});

describe('unicast addresses', () => {
  it('drops a range as well as a prefix, keeps a peer whose options are bad, and checks the source when a TTL is given', () => {
    const r = parseText(
      instance(
        'VI_1',
        `  unicast_src_ip 192.0.2.1-9
  mcast_dst_ip 224.0.0.19/32
  unicast_peer {
    192.0.2.2/24 min_ttl 300
    192.0.2.3-5 foo 5
    192.0.2.4 max_ttl
  }`,
      ),
    );
    expect(messages(r)).toEqual([
      "8: number '300' outside range [0, 255]",
      '9: (VI_1) unknown unicast_peer option foo',
      '10: (VI_1) max_ttl is missing a value',
      '-: (VI_1) multicast destination specified with unicast - ignoring',
    ]);
    const v = r.config.vrrp_instance[0]!;
    expect(v.unicast_src_ip).toBe('192.0.2.1');
    expect(v.mcast_dst_ip).toBe('224.0.0.19');
    expect(v.unicast_peer).toEqual([{ address: '192.0.2.2' }, { address: '192.0.2.3' }, { address: '192.0.2.4' }]);
    expect(v.check_unicast_src).toBe(false);
  });

  it('sets check_unicast_src for a peer with min_ttl/max_ttl and warns of an empty TTL window', () => {
    const r = parseText(instance('VI_1', '  unicast_peer {\n    192.0.2.2 min_ttl 200 max_ttl 100\n  }'));
    expect(messages(r)).toEqual(['6: (VI_1) min_ttl 200 > max_ttl 100 - all packets will be discarded']);
    expect(r.config.vrrp_instance[0]!.unicast_peer).toEqual([{ address: '192.0.2.2', min_ttl: 200, max_ttl: 100 }]);
    expect(r.config.vrrp_instance[0]!.check_unicast_src).toBe(true);
  });
});

describe('unicast peers in strict mode', () => {
  it('are accepted, as by keepalived 2.2.7 (its check runs before the instance is marked unicast)', () => {
    const r = parseText(`global_defs {
  vrrp_strict
}
${instance('VI_1', '  unicast_src_ip 192.0.2.1\n  unicast_peer {\n    192.0.2.2\n  }')}`);
    expect(messages(r)).toEqual([]);
    expect(r.config.vrrp_instance[0]!.unicast_peer).toEqual([{ address: '192.0.2.2' }]);
  });
});

describe('use_vmac / use_ipvlan', () => {
  it('refuses a VMAC name another instance uses, at the line of the second', () => {
    const r = parseText(`${instance('A', '  use_vmac vk1')}${instance('B', '  use_vmac vk1', 52)}${instance('C', '  use_ipvlan vk1', 53)}`);
    expect(messages(r)).toEqual([
      '14: (B) VRRP instance A is already using vk1 - ignoring name',
      '23: (C) VRRP instance A is already using vk1 - ignoring name',
      '-: (C) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state',
    ]);
    expect(r.config.vrrp_instance.map((v) => v.use_vmac?.name ?? v.use_ipvlan?.name)).toEqual(['vk1', undefined, undefined]);
  });

  it('reads the MAC and name words as keepalived does', () => {
    const r = parseText(
      instance(
        'A',
        `  use_vmac 00:00:5e:00:01:33
  use_vmac 01:00:5e:00:03:33 vk/x
  use_vmac 02:00:5e:00:03 vk2 extra
  use_vmac 02:aa:bb:cc:dd:ee vk3
  use_vmac 02:1:2::4:5
  use_vmac 0123:4:5:6:7:8`,
      ),
    );
    expect(messages(r)).toEqual([
      '5: VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:01:33) - ignoring',
      '6: VMAC MAC address is multicast 01:00:5e:00:03:33 - ignoring',
      "6: VMAC interface name 'vk/x' too long or invalid characters - ignoring",
      '8: VMAC interface address already specified',
      '8: VMAC interface name already specified',
      '9: VMAC interface address already specified',
      '10: VMAC interface address already specified',
    ]);
    expect(r.config.vrrp_instance[0]!.use_vmac).toEqual({ mac: '02:00:5e:00:03', name: 'vk2' });
    const bad = parseText(instance('A', '  use_vmac 02:1:2::4:5\n  use_vmac 0123:4:5:6:7:8\n  use_vmac 02:1:2:3:'));
    expect(messages(bad)).toEqual([
      '5: VMAC invalid MAC address 02:1:2::4:5 - ignored',
      '6: VMAC invalid MAC address 0123:4:5:6:7:8 - ignored',
      '7: VMAC invalid MAC address 02:1:2:3: - ignored',
    ]);
  });

  it('clears promote_secondaries on a vmac instance, and vmac_xmit_base without a vmac', () => {
    const r = parseText(`${instance('A', '  use_vmac\n  promote_secondaries')}${instance('B', '  vmac_xmit_base\n  promote_secondaries', 52)}`);
    expect(messages(r)).toEqual(['-: (A) promote_secondaries is automatically set for vmacs - ignoring', '-: (B) vmac_xmit_base is only valid with a vmac']);
    expect(r.config.vrrp_instance.map((v) => [v.promote_secondaries, v.vmac_xmit_base])).toEqual([
      [false, false],
      [true, false],
    ]);
  });
});

describe('garp_group', () => {
  it('gives an interface to the first group naming it; a group without an interval is removed', () => {
    const r = parseText(`garp_group {
  garp_interval 0.01
  interface eth0
}
garp_group {
  gna_interval 0.02
  interfaces {
    eth1
    eth0
    eth2
  }
}
garp_group {
  interface eth3
}
`);
    expect(messages(r)).toEqual(['11: garp_group already specified for eth0 - ignoring', '15: garp group 0 does not have any delay set - removing']);
    expect(r.config.garp_group.map((g) => g.interfaces)).toEqual([['eth0'], ['eth1', 'eth2']]);
  });

  it('names the second entry of an interfaces block, as keepalived does, and numbers groups from their interfaces block', () => {
    const r = parseText(`garp_group {
  garp_interval 0.01
  interfaces {
    eth0
  }
}
garp_group {
  interfaces {
    eth0
    eth1
  }
}
`);
    expect(messages(r)).toEqual(['11: garp_group already specified for eth1 - ignoring', '12: garp group 2 does not have any delay set - removing']);
    expect(r.config.garp_group).toHaveLength(1);
  });
});

describe('a non-existent interface', () => {
  it('ends the VRRP checks: no later instance errors, no script security check of VRRP scripts', () => {
    const r = parseText(`vrrp_script chk {
  script "/usr/bin/true"
}
vrrp_instance VI_1 {
  interface eth9
  virtual_router_id 51
  notify_master "/usr/bin/true master"
  virtual_ipaddress {
    192.0.2.100/24
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_ipaddress {
    192.0.2.101/24
  }
}
`,
      { files: { '/usr/bin/true': { content: '', mode: 0o755 } } },
    );
    expect(messages(r)).toEqual(['5: WARNING - interface eth9 for vrrp_instance VI_1 doesn\'t exist', '-: Non-existent interface specified in configuration']);
    expect(r.diagnostics.find((d) => d.message.startsWith('Non-existent'))!.grade).toBe(Grade.BadInterface);
    expect(configTestExitCode(r.diagnostics)).toBe(5);
  });
});

describe('lvs_sync_daemon_interface in an instance', () => {
  it("is deprecated in keepalived's two lines, the second indented under the first's text", () => {
    const r = parseText(instance('VI_WEB', '  lvs_sync_daemon_interface eth0'));
    expect(messages(r).slice(0, 2)).toEqual([
      '5: (VI_WEB) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.',
      `5: ${' '.repeat(10)}Please use global lvs_sync_daemon`,
    ]);
  });
});
