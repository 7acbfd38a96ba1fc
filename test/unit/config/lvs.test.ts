import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';

describe('virtual_server and real_server', () => {
  it('reads an LVS-DR service with its real servers and fills keepalived defaults', () => {
    const r = parseText(`
virtual_server 192.0.2.100 80 {
  delay_loop 6
  lb_algo rr
  lb_kind DR
  persistence_timeout 50
  protocol TCP
  sorry_server 192.0.2.9 80
  real_server 192.0.2.21 80 {
    weight 3
    inhibit_on_failure
  }
  real_server 192.0.2.22 8080 {
  }
}
`);
    // DR cannot change the port: keepalived resets it to the service's
    expect(messages(r)).toEqual([
      "-: WARNING - virtual server [192.0.2.100]:tcp:80 and real server [192.0.2.22]:tcp:8080 ports don't match - resetting",
    ]);
    const vs = r.config.virtual_server[0]!;
    expect([vs.ip, vs.port, vs.protocol, vs.lvs_sched, vs.lvs_method, vs.delay_loop]).toEqual(['192.0.2.100', 80, 'TCP', 'rr', 'DR', 6]);
    expect(vs.persistence_timeout).toBe(50);
    expect(vs.sorry_server).toMatchObject({ ip: '192.0.2.9', port: 80 });
    expect([vs.quorum, vs.hysteresis, vs.alpha, vs.omega, vs.ha_suspend]).toEqual([1, 0, false, false, false]);
    // real servers inherit the service's forwarding method
    expect(vs.real_server.map((rs) => [rs.ip, rs.port, rs.weight, rs.inhibit_on_failure, rs.lvs_method])).toEqual([
      ['192.0.2.21', 80, 3, true, 'DR'],
      ['192.0.2.22', 80, 1, false, 'DR'],
    ]);
  });

  it('completes a service as keepalived does, naming it in its own format', () => {
    const r = parseText('virtual_server 192.0.2.100 80 {\n  real_server 192.0.2.21 80 {\n  }\n}\n');
    expect(messages(r)).toEqual([
      "-: Virtual server [192.0.2.100]:none:80: no protocol set - defaulting to UDP",
      "-: Virtual server [192.0.2.100]:udp:80: no scheduler set, setting default 'wlc'",
      '-: Virtual server [192.0.2.100]:udp:80: no forwarding method set, setting default NAT',
    ]);
    const vs = r.config.virtual_server[0]!;
    expect([vs.protocol, vs.lvs_sched, vs.lvs_method]).toEqual(['UDP', 'wlc', 'NAT']);
  });

  it('drops a service without real servers', () => {
    const r = parseText('virtual_server fwmark 7 {\n  lb_algo rr\n  lb_kind NAT\n}\n');
    expect(messages(r)).toEqual(['-: Virtual server FWM 7 has no real servers - ignoring']);
    expect(r.config.virtual_server).toEqual([]);
  });

  it('reads virtual_server_group entries: address ranges, subnets and fwmarks', () => {
    const r = parseText(`
virtual_server_group WEB {
  192.0.2.10-12 80
  198.51.100.0/30 443
  fwmark 7
}
virtual_server group WEB {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  real_server 203.0.113.5 80 {
  }
}
`);
    expect(messages(r)).toEqual([]);
    expect(r.config.virtual_server_group).toEqual([
      {
        name: 'WEB',
        entries: [
          { ip: '192.0.2.10', range_end: 12, port: 80 },
          { ip: '198.51.100.0', prefix: 30, port: 443 },
          { fwmark: 7 },
        ],
      },
    ]);
    expect(r.config.virtual_server[0]!.group).toBe('WEB');
  });

  it('rejects bad values with the line and keyword', () => {
    const r = parseText(`
virtual_server 192.0.2.100 80 {
  protocol ICMP
  lb_algo rr
  lb_kind NAT
  delay_loop -1
  real_server 192.0.2.21 80 {
    weight 70000
  }
}
`);
    const m = messages(r);
    expect(m.some((x) => x.startsWith('3: ') && x.includes('ICMP'))).toBe(true);
    expect(m.some((x) => x.startsWith('6: '))).toBe(true);
    expect(m.some((x) => x.startsWith('8: ') && x.includes('70000'))).toBe(true);
  });

  it('requires an address for virtual_server', () => {
    const r = parseText('virtual_server {\n}\n');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.config.virtual_server).toEqual([]);
  });
});
