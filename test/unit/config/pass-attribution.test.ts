/**
 * Which `keepalived -t` pass reports what is left of a top-level block that its own pass closed
 * early (or late), and the generic number messages before the vrrp_instance / virtual_server
 * keywords' own. Expected outputs are those of keepalived 2.2.7 on the same text.
 */
import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';

describe('leftovers of a top-level block, by pass', () => {
  it('a typo in a value block keyword: the VRRP pass reports the stray lines after its own', () => {
    // keepalived: the global and checker passes skip the whole instance by counting braces;
    // only the VRRP pass ends it at line 6 and meets lines 7..10 at the top level.
    const r = parseText(`foo_bar 1
vrrp_instance VI_1 {
    state MASTER
    virtual_ipaddres {
        192.0.2.1/24
    }
    interface eth0
    virtual_router_id 51
    priority 100
}
`);
    expect(messages(r)).toEqual([
      "1: Unknown keyword 'foo_bar'",
      "4: Unknown keyword 'virtual_ipaddres'",
      "4: Unexpected '{' - ignoring",
      "5: Unknown keyword '192.0.2.1/24'",
      "7: Unknown keyword 'interface'",
      "8: Unknown keyword 'virtual_router_id'",
      "9: Unknown keyword 'priority'",
      "10: Unknown keyword '}'",
      '-: (VI_1) the virtual router id must be set',
    ]);
  });

  it('an undefined ${VAR} that closes the instance early: the first problem is the priority line', () => {
    const r = parseText(`vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 60
    priority \${PRIORITY}
    virtual_ipaddress {
        192.0.2.60/24
    }
}
`);
    expect(messages(r).slice(0, 8)).toEqual([
      "5: invalid number '$'",
      '5: (VI_1) Priority not valid! must be between 1 & 255. Using default 100',
      "5: Unexpected '{' - ignoring",
      "5: Unknown keyword 'PRIORITY'",
      "6: Unknown keyword 'virtual_ipaddress'",
      "6: Unexpected '{' - ignoring",
      "7: Unknown keyword '192.0.2.60/24'",
      "8: Unknown keyword '}'",
    ]);
    expect(messages(r)[8]).toBe("9: Unknown keyword '}'");
  });

  it('leftovers of a virtual_server come in the checker pass, before any VRRP problem', () => {
    const r = parseText(`vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 0
    priority 100
    virtual_ipaddress {
        192.0.2.60/24
    }
}
virtual_server 192.0.2.5 80 {
    protocol TCP
    real_sever 192.0.2.6 80 {
        weight 1
    }
    lb_algo rr
}
`);
    const m = messages(r);
    expect(m.indexOf("11: Unknown keyword 'real_sever'")).toBeLessThan(m.indexOf("14: Unknown keyword 'lb_algo'"));
    expect(m.indexOf("15: Unknown keyword '}'")).toBeLessThan(m.indexOf("3: number '0' outside range [1, 255]"));
    expect(m).not.toContain("15: Extra '}' found");
  });

  it('a block keyword without its braces: the other passes meet its lines at the top level first', () => {
    // keepalived: the global pass stops skipping at line 2 (no '{' after vrrp_instance) and reads
    // every line of the intended block as top-level keywords, before the VRRP pass says anything.
    const r = parseText(`vrrp_instance A
  state MASTER
  interface eth0
  virtual_router_id 5
  priority 100
  virtual_ipaddress {
    192.0.2.1/24
  }
}
`);
    expect(messages(r)).toEqual([
      "2: Unknown keyword 'state'",
      "3: Unknown keyword 'interface'",
      "4: Unknown keyword 'virtual_router_id'",
      "5: Unknown keyword 'priority'",
      "6: Unknown keyword 'virtual_ipaddress'",
      "6: Unexpected '{' - ignoring",
      "7: Unknown keyword '192.0.2.1/24'",
      "8: Unknown keyword '}'",
      "9: Extra '}' found",
      "9: Unknown keyword '}'",
      "2: Missing '{' at beginning of configuration block",
    ]);
  });

  it('leftovers of global_defs stay in the global pass', () => {
    const r = parseText(`vrrp_instance A {
  interface eth0
  virtual_router_id 0
  virtual_ipaddress {
    192.0.2.1/24
  }
}
global_defs {
  router_id x
  notification_emai {
    admin@example.com
  }
  smtp_server 192.0.2.3
}
`);
    expect(messages(r)).toEqual([
      "10: Unknown keyword 'notification_emai'",
      "10: Unexpected '{' - ignoring",
      "11: Unknown keyword 'admin@example.com'",
      "13: Unknown keyword 'smtp_server'",
      "14: Unknown keyword '}'",
      "3: number '0' outside range [1, 255]",
      "3: (A): VRID '0' not valid - must be between 1 & 255",
      '-: (A) the virtual router id must be set',
    ]);
  });

  it('a well-formed file still reads its blocks whole', () => {
    const r = parseText(`vrrp_instance A {
  interface eth0
  virtual_router_id 5
  priority 100
  virtual_ipaddress {
    192.0.2.1/24
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 6
  priority 100
  virtual_ipaddress {
    192.0.2.2/24
  }
}
`);
    expect(messages(r)).toEqual([]);
    expect(r.config.vrrp_instance.map((v) => v.virtual_router_id)).toEqual([5, 6]);
  });
});

const instance = (line: string): string => `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 5
  ${line}
  priority 100
  virtual_ipaddress {
    192.0.2.1/24
  }
}
`;

describe('vrrp_instance numbers: the generic message first', () => {
  it.each([
    ['priority PRI', ["4: invalid number 'PRI'", '4: (VI_1) Priority not valid! must be between 1 & 255. Using default 100']],
    ['priority 0', ["4: number '0' outside range [1, 255]", '4: (VI_1) Priority not valid! must be between 1 & 255. Using default 100']],
    ['priority -1', ["4: negative number '-1'", '4: (VI_1) Priority not valid! must be between 1 & 255. Using default 100']],
    ['virtual_router_id x', ["4: invalid number 'x'", "4: (VI_1): VRID 'x' not valid - must be between 1 & 255"]],
    ['virtual_router_id 256', ["4: number '256' outside range [1, 255]", "4: (VI_1): VRID '256' not valid - must be between 1 & 255"]],
    ['unicast_ttl 256', ["4: number '256' outside range [0, 255]", "4: (VI_1): TTL '256' not valid - must be between 0 & 255"]],
    ['unicast_ttl abc', ["4: invalid number 'abc'", "4: (VI_1): TTL 'abc' not valid - must be between 0 & 255"]],
    ['version 4', ["4: number '4' outside range [2, 3]", '4: (VI_1): Version must be either 2 or 3']],
    ['version 2x', ["4: invalid number '2x'", '4: (VI_1): Version must be either 2 or 3']],
    ['kernel_rx_buf_size -1', ["4: negative number '-1'", '4: (VI_1) invalid kernel_rx_buf_size specified']],
    ['kernel_rx_buf_size 1 2', ['4: (VI_1) invalid kernel_rx_buf_size specified']],
    ['garp_extra_if 90000', ["4: number '90000' outside range [0, 86400]", "4: (VI_1): garp_extra_if '90000' invalid - ignoring"]],
  ])('%s', (line, expected) => {
    expect(messages(parseText(instance(line)))).toEqual(expected);
  });

  it('accepts a signed priority as strtoul does', () => {
    const r = parseText(instance('priority +5').replace('  priority 100\n', ''));
    expect(messages(r)).toEqual([]);
    expect(r.config.vrrp_instance[0]!.priority).toBe(5);
  });

  it('version: a conflicting or IPv6-incompatible version is ignored with keepalived\'s message', () => {
    const r = parseText(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 5
  virtual_ipaddress {
    2001:db8::1/64
  }
  version 2
  version 3
  version 2
}
`);
    expect(messages(r)).toEqual([
      '7: (VI_1) vrrp_version 2 conflicts with configured or deduced version 0; ignoring.',
      '9: (VI_1) vrrp_version 2 conflicts with configured or deduced version 3; ignoring.',
    ]);
    expect(r.config.vrrp_instance[0]!.version).toBe(3);
  });
});

const service = (header: string, line = ''): string => `${header}
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  ${line}
  real_server 192.0.2.6 80 {
    weight 1
  }
}
`;

describe('virtual_server numbers: the generic message first', () => {
  it.each([
    ['persistence_timeout abc', ["5: invalid number 'abc'", '5: persistence_timeout invalid']],
    ['persistence_timeout 0', ["5: number '0' outside range [1, 2678400]", '5: persistence_timeout invalid']],
    ['persistence_timeout -5', ["5: negative number '-5'", '5: persistence_timeout invalid']],
  ])('%s', (line, expected) => {
    expect(messages(parseText(service('virtual_server 192.0.2.5 80 {', line)))).toEqual(expected);
  });

  it('IPv6 persistence_granularity', () => {
    const r = parseText(service('virtual_server 2001:db8::5 80 {', 'persistence_granularity 200').replace('192.0.2.6', '2001:db8::6'));
    expect(messages(r)).toEqual(["5: number '200' outside range [1, 128]", '5: Invalid IPv6 persistence_granularity specified - 200']);
  });

  it.each([
    ['virtual_server fwmark x {', ["1: invalid number 'x'", "1: virtual server fwmark 'x' must be in [0, 4294967295] - ignoring"]],
    ['virtual_server fwmark -1 {', ["1: negative number '-1'", "1: virtual server fwmark '-1' must be in [0, 4294967295] - ignoring"]],
    ['virtual_server 192.0.2.5 x {', ["1: invalid number 'x'", '1: Invalid virtual server IP address/port 192.0.2.5/x - skipping']],
    ['virtual_server 192.0.2.5 70000 {', ["1: number '70000' outside range [1, 65535]", '1: Invalid virtual server IP address/port 192.0.2.5/70000 - skipping']],
    ['virtual_server 192.0.2.x 80 {', ['1: Invalid virtual server IP address/port 192.0.2.x/80 - skipping']],
  ])('%s', (header, expected) => {
    expect(messages(parseText(service(header)))).toEqual(expected);
  });

  it('virtual_server_group entries', () => {
    const r = parseText(`virtual_server_group G {
  192.0.2.9 x
  192.0.2.x 80
  192.0.2.x 0
  fwmark -3
  192.0.2.10 80
}
`);
    expect(messages(r)).toEqual([
      "2: invalid number 'x'",
      '2: Invalid virtual server group IP address 192.0.2.9 /port/x - skipping',
      '3: Invalid virtual server group IP address 192.0.2.x /port/80 - skipping',
      '4: Invalid virtual server group IP address 192.0.2.x  - skipping',
      "5: negative number '-3'",
      "5: (G): fwmark '-3' must be in [0, 4294967295] - ignoring",
    ]);
  });
});
