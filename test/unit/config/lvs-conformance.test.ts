/**
 * virtual_server details where keepalived 2.2.7 is more lenient or stricter than it looks
 * (check/check_parser.c, check/check_data.c validate_check_config(), check/ipwrapper.c
 * link_vsg_to_vs()).
 */
import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';

const vs = (body: string, head = '192.0.2.100 80') => parseText(`virtual_server ${head} {\n${body}}\n`);

describe('port checks of real and sorry servers', () => {
  it('resets the port of a tunnelled real server (only NAT may change it)', () => {
    const r = vs('  lb_algo rr\n  lb_kind TUN\n  protocol TCP\n  real_server 198.51.100.11 8080 {\n  }\n');
    expect(messages(r)).toEqual(["-: WARNING - virtual server [192.0.2.100]:tcp:80 and real server [198.51.100.11]:tcp:8080 ports don't match - resetting"]);
    expect(r.config.virtual_server[0]!.real_server[0]!.port).toBe(80);
  });

  it('lets a NAT real server change the port, and gives a port-less one the service port', () => {
    const r = vs('  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 198.51.100.11 8080 {\n  }\n  real_server 198.51.100.12 {\n  }\n');
    expect(messages(r)).toEqual([]);
    expect(r.config.virtual_server[0]!.real_server.map((rs) => rs.port)).toEqual([8080, 80]);
  });

  it("checks the sorry server's port unless it is NATed", () => {
    const dr = vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  sorry_server 192.0.2.50 8080\n  real_server 192.0.2.11 80 {\n  }\n');
    expect(messages(dr)).toEqual(["-: WARNING - virtual server [192.0.2.100]:tcp:80 and sorry server ports don't match - resetting"]);
    expect(dr.config.virtual_server[0]!.sorry_server!.port).toBe(80);
    const nat = vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  sorry_server 192.0.2.50 8080\n  sorry_server_lvs_method NAT\n  real_server 192.0.2.11 80 {\n  }\n');
    expect(messages(nat)).toEqual([]);
  });

  it("reads a real server's port with the shared reader's line first, as inet_stosockaddr()", () => {
    const r = vs('  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 198.51.100.21 99999 {\n  }\n  real_server 198.51.100.22 8x {\n  }\n  real_server 198.51.100.23 0 {\n  }\n');
    expect(messages(r).slice(0, 4)).toEqual([
      "5: number '99999' outside range [1, 65535]",
      '5: Invalid real server ip address/port 198.51.100.21/99999 - skipping',
      "7: invalid number '8x'",
      '7: Invalid real server ip address/port 198.51.100.22/8x - skipping',
    ]);
    expect(r.config.virtual_server[0]!.real_server.map((rs) => rs.ip)).toEqual(['198.51.100.23']);
  });

  it('clears the ports of the servers of a fwmark service', () => {
    const r = vs('  lb_algo rr\n  lb_kind DR\n  sorry_server 192.0.2.50 8080\n  real_server 192.0.2.11 80 {\n  }\n', 'fwmark 5');
    expect(messages(r)).toEqual([
      '-: WARNING - fwmark virtual server FWM 5, real server [192.0.2.11]:none:80 has port specified - clearing',
      '-: WARNING - virtual server FWM 5, sorry server has port specified - clearing',
    ]);
  });

  it('warns when the sorry server is a real server with another inhibit_on_failure', () => {
    const set = vs('  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  inhibit_on_failure\n  sorry_server 192.0.2.11 80\n  real_server 192.0.2.11 80 {\n  }\n');
    expect(messages(set)).toEqual([
      '-: Virtual server [192.0.2.100]:tcp:80: real server [192.0.2.11]:tcp:80 matches sorry server, but inhibit setting differs, setting on sorry server',
    ]);
    expect(set.config.virtual_server[0]!.sorry_server!.inhibit).toBe(true);
    const same = vs('  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  sorry_server 192.0.2.11 80\n  sorry_server_inhibit\n  real_server 192.0.2.11 80 {\n    inhibit_on_failure\n  }\n');
    expect(messages(same)).toEqual([]);
  });
});

describe('argument-less flags', () => {
  it('ignores what follows alpha, omega, ha_suspend, inhibit_on_failure, ops and sorry_server_inhibit', () => {
    const r = vs(
      '  lb_algo rr\n  lb_kind DR\n  protocol UDP\n  alpha 1\n  omega no\n  ha_suspend 0\n  inhibit_on_failure 1\n  ops 1\n  sorry_server 192.0.2.50 80\n  sorry_server_inhibit off\n  real_server 192.0.2.11 80 {\n    inhibit_on_failure\n  }\n',
    );
    expect(messages(r)).toEqual([]);
    const v = r.config.virtual_server[0]!;
    // keepalived sets each of them whatever the word after it says
    expect([v.alpha, v.omega, v.ha_suspend, v.inhibit_on_failure, v.ops, v.sorry_server!.inhibit]).toEqual([true, true, true, true, true, true]);
  });

  it('refuses hashed and the sh/mh flags unless the sh or mh scheduler is already set', () => {
    expect(messages(vs('  lb_algo rr\n  hashed\n  lb_kind DR\n  protocol TCP\n  real_server 192.0.2.11 80 {\n  }\n'))).toEqual([
      '3: hashed only applies to sh scheduler - ignoring',
    ]);
    expect(messages(vs('  sh-port\n  lb_algo sh\n  lb_kind DR\n  protocol TCP\n  real_server 192.0.2.11 80 {\n  }\n'))).toEqual([
      '2: sh-port only applies to sh scheduler - ignoring',
    ]);
    const r = vs('  lb_algo sh\n  hashed 1\n  sh-port 1\n  mh-port\n  lb_kind DR\n  protocol TCP\n  real_server 192.0.2.11 80 {\n  }\n');
    expect(messages(r)).toEqual([]);
    const flags = r.config.virtual_server[0] as unknown as Record<string, unknown>;
    expect([flags['sh-port'], flags['mh-port']]).toEqual([true, undefined]);
  });
});

describe('address families', () => {
  it('allows IPv4 and IPv6 addresses in one group, and fwmarks that have a family', () => {
    const r = parseText(
      'virtual_server_group G {\n  192.0.2.100 80\n  2001:db8::100 80\n  fwmark 7 inet6\n}\nvirtual_server group G {\n  lb_algo rr\n  lb_kind TUN\n  protocol TCP\n  real_server 198.51.100.11 {\n  }\n}\n',
    );
    expect(messages(r)).toEqual([]);
    expect(r.config.virtual_server_group[0]!.entries).toEqual([
      { ip: '192.0.2.100', port: 80 },
      { ip: '2001:db8::100', port: 80 },
      { fwmark: 7, family: 'inet6' },
    ]);
    expect(r.config.virtual_server).toHaveLength(1);
  });

  it('refuses a group mixing IPv4, IPv6 and a fwmark without family', () => {
    const r = parseText('virtual_server_group G {\n  192.0.2.100 80\n  2001:db8::100 80\n  fwmark 7\n}\n');
    expect(messages(r)).toEqual(['5: virtual server group G cannot have IPv4, IPv6 and fwmark without family - removing']);
    expect(messages(parseText('virtual_server_group G {\n  fwmark 7 ipx\n  192.0.2.1 80\n}\n'))).toEqual(["2: (G): fwmark '7' family ipx unknown - ignoring"]);
  });

  it('drops, with only a log message, a service whose group does not fit its real servers or does not exist', () => {
    const mixed = parseText(
      'virtual_server_group G {\n  192.0.2.100 80\n  2001:db8::100 80\n}\nvirtual_server group G {\n  lb_kind DR\n  real_server 192.0.2.11 80 {\n  }\n}\n',
    );
    expect(messages(mixed)).toEqual([]);
    expect(mixed.config.virtual_server).toEqual([]);
    const missing = parseText('virtual_server group NOPE {\n  real_server 192.0.2.11 80 {\n  }\n}\n');
    expect(messages(missing)).toEqual([]);
    expect(missing.config.virtual_server).toEqual([]);
  });

  it('skips a real or sorry server of the other family at its closing brace, unless tunnelled', () => {
    const r = vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  sorry_server 2001:db8::9 80\n  real_server 2001:db8::21 80 {\n  }\n  real_server 192.0.2.22 80 {\n  }\n');
    expect(messages(r)).toEqual([
      "7: Address family of virtual server and real server 2001:db8::21 don't match - skipping real server.",
      "10: Address family of virtual server and sorry server 2001:db8::9 don't match - skipping sorry server.",
    ]);
    expect(r.config.virtual_server[0]!.real_server.map((rs) => rs.ip)).toEqual(['192.0.2.22']);
    const tun = vs('  lb_algo rr\n  lb_kind TUN\n  protocol TCP\n  real_server 2001:db8::21 80 {\n  }\n');
    expect(messages(tun)).toEqual([]);
  });
});

describe('persistence_granularity', () => {
  it('accepts a netmask that is not solid, as keepalived 2.2.7 does, and makes the service persistent', () => {
    const r = vs('  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  persistence_granularity 255.0.255.0\n  real_server 192.0.2.11 80 {\n  }\n');
    expect(messages(r)).toEqual([]);
    expect(r.config.virtual_server[0]).toMatchObject({ persistence_granularity: '255.0.255.0', persistence_timeout: 360 });
  });

  it('reads IPv4 masks as inet_aton does, and takes a prefix length when the family is IPv6 or unknown', () => {
    expect(vs('  persistence_granularity 24\n  real_server 192.0.2.11 80 {\n  }\n').config.virtual_server[0]!.persistence_granularity).toBe('0.0.0.24');
    expect(vs('  persistence_granularity 0xffffff00\n  real_server 192.0.2.11 80 {\n  }\n').config.virtual_server[0]!.persistence_granularity).toBe('255.255.255.0');
    const fwm = vs('  lb_algo rr\n  lb_kind DR\n  persistence_granularity 64\n  real_server 2001:db8::11 {\n  }\n', 'fwmark 3');
    expect(messages(fwm)).toEqual([]);
    expect(fwm.config.virtual_server[0]!.persistence_granularity).toBe('64');
    expect(messages(vs('  persistence_granularity 255.255.255.255.0\n  real_server 192.0.2.11 80 {\n  }\n'))[0]).toBe(
      '2: Invalid IPv4 persistence_granularity specified - 255.255.255.255.0',
    );
  });
});

describe('defaults taken from the virtual server', () => {
  it('gives real servers without a weight the service weight, and counts it for the quorum', () => {
    const r = vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  weight 3\n  quorum 5\n  real_server 192.0.2.11 80 {\n  }\n  real_server 192.0.2.12 80 {\n    weight 1\n  }\n');
    expect(messages(r)).toEqual(['-: Warning - quorum 5 for [192.0.2.100]:tcp:80 exceeds total weight of real servers 4, reducing quorum to 4']);
    expect(r.config.virtual_server[0]!.real_server.map((rs) => rs.weight)).toEqual([3, 1]);
  });

  it('sets the largest hysteresis when the quorum falls to 0, as keepalived does', () => {
    const r = vs('  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server 192.0.2.11 80 {\n    weight 0\n  }\n');
    expect(messages(r)).toEqual([
      '-: Warning - quorum 1 for [192.0.2.100]:tcp:80 exceeds total weight of real servers 0, reducing quorum to 0',
      '-: Virtual server [192.0.2.100]:tcp:80: hysteresis 0 >= quorum 0; setting hysteresis to 4294967295',
    ]);
  });
});
