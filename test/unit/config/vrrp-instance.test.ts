import { describe, expect, it } from 'vitest';
import { messages, parseText, problems } from '../../helpers/config.js';

const instance = (body: string, before = ''): string => `${before}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
${body}
}
`;

describe('vrrp_instance', () => {
  it('drops a /prefix after unicast_src_ip and unicast peers, as keepalived does', () => {
    const r = parseText(instance(`  priority 100
  unicast_src_ip 192.0.2.1/24
  unicast_peer {
    192.0.2.2/24
  }
  virtual_ipaddress {
    192.0.2.100/24
  }`));
    expect(problems(r)).toEqual([]);
    const v = r.config.vrrp_instance[0]!;
    expect([v.unicast_src_ip, v.unicast_peer.map((p) => p.address)]).toEqual(['192.0.2.1', ['192.0.2.2']]);
  });

  it('reads a typical director instance and fills defaults', () => {
    const r = parseText(
      instance(`  state MASTER
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  unicast_src_ip 192.0.2.1
  unicast_peer {
    192.0.2.2 min_ttl 250 max_ttl 255
  }
  virtual_ipaddress {
    192.0.2.100/24 dev eth0 label eth0:vip
    192.0.2.101
  }
  nopreempt
  notify_master "/etc/keepalived/master.sh VI_1"`),
    );
    const v = r.config.vrrp_instance[0]!;
    expect(v.name).toBe('VI_1');
    expect(v.state).toBe('MASTER');
    expect(v.interface).toBe('eth0');
    expect(v.virtual_router_id).toBe(51);
    expect(v.priority).toBe(150);
    expect(v.advert_int).toBe(1);
    expect(v.version).toBe(2);
    expect(v.authentication).toEqual({ auth_type: 'PASS', auth_pass: 's3cret' });
    expect(v.unicast_src_ip).toBe('192.0.2.1');
    expect(v.unicast_peer).toEqual([{ address: '192.0.2.2', min_ttl: 250, max_ttl: 255 }]);
    expect(v.virtual_ipaddress.map((a) => [a.address, a.prefix, a.dev, a.label])).toEqual([
      ['192.0.2.100', 24, 'eth0', 'eth0:vip'],
      ['192.0.2.101', 32, 'eth0', undefined],
    ]);
    expect(v.notify_master).toEqual({ command: '/etc/keepalived/master.sh VI_1', args: ['/etc/keepalived/master.sh', 'VI_1'] });
    expect(v.garp_master_delay).toBe(5);
    expect(v.garp_master_repeat).toBe(5);
    // keepalived clears nopreempt for an instance that starts as MASTER
    expect(v.nopreempt).toBe(false);
    expect(messages(r)).toEqual(['-: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing']);
  });

  it('derives state from priority 255 and priority from state MASTER', () => {
    const owner = parseText(instance('  priority 255\n  virtual_ipaddress {\n    192.0.2.100\n  }')).config.vrrp_instance[0]!;
    expect(owner.state).toBe('MASTER');
    const master = parseText(instance('  state MASTER\n  virtual_ipaddress {\n    192.0.2.100\n  }')).config.vrrp_instance[0]!;
    expect(master.priority).toBe(255);
    const backup = parseText(instance('  virtual_ipaddress {\n    192.0.2.100\n  }')).config.vrrp_instance[0]!;
    expect([backup.state, backup.priority]).toEqual(['BACKUP', 100]);
  });

  it('IPv6 VIPs make the instance VRRPv3', () => {
    const v = parseText(instance('  virtual_ipaddress {\n    2001:db8::100/64\n  }')).config.vrrp_instance[0]!;
    expect(v.family).toBe('inet6');
    expect(v.version).toBe(3);
  });

  it('reports bad values at their own line', () => {
    const r = parseText(
      `vrrp_instance VI_1 {
  interface eth9
  virtual_router_id 256
  priority 300
  advert_int 0
  state SLAVE
  authentication {
    auth_type MD5
    auth_pass 123456789
  }
}`,
    );
    expect(messages(r).filter((m) => !m.startsWith('-'))).toEqual([
      "2: WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist",
      "3: number '256' outside range [1, 255]",
      "3: (VI_1): VRID '256' not valid - must be between 1 & 255",
      "4: number '300' outside range [1, 255]",
      '4: (VI_1) Priority not valid! must be between 1 & 255. Using default 100',
      "5: number '0' outside range [0.010000, 255.000000]",
      '5: (VI_1) Advert interval (0) not valid! Must be > 0 - ignoring',
      "6: (VI_1) unknown state 'SLAVE', defaulting to BACKUP",
      "8: (VI_1) unknown authentication type 'MD5'",
      '9: Truncating auth_pass to 8 characters',
    ]);
  });

  it('rejects VIPs of another family, bad addresses and prefixes', () => {
    const r = parseText(instance('  virtual_ipaddress {\n    192.0.2.300/24\n    192.0.2.101/33\n    2001:db8::1\n  }'));
    expect(messages(r).slice(0, 4)).toEqual([
      '6: VRRP parsed invalid IP 192.0.2.300/24. skipping IP...',
      "7: number '33' outside range [0, 32]",
      '7: Invalid address prefix len 33 for address 192.0.2.101/33 - using 32',
      '8: (VI_1): address family must match VRRP instance [2001:db8::1] - ignoring',
    ]);
    expect(r.config.vrrp_instance[0]!.virtual_ipaddress.map((a) => `${a.address}/${a.prefix}`)).toEqual(['192.0.2.101/32']);
  });

  it('refuses the loopback interface and reports the instance without one', () => {
    const r = parseText('vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 1\n}');
    expect(messages(r)).toEqual(['2: (VI_1) cannot use a loopback interface (lo) for vrrp - ignoring', '-: (VI_1) Unknown interface!']);
  });

  it('reads virtual_routes and virtual_rules', () => {
    const r = parseText(
      instance(`  virtual_ipaddress {
    192.0.2.100
  }
  virtual_routes {
    198.51.100.0/24 via 192.0.2.254 dev eth0 table 100 metric 5
    blackhole 203.0.113.0/24 no_track
  }
  virtual_rules {
    from 192.0.2.0/24 table 100 preference 100
  }`),
    );
    expect(problems(r)).toEqual([]);
    const v = r.config.vrrp_instance[0]!;
    expect(v.virtual_routes[0]).toMatchObject({ to: '198.51.100.0/24', via: '192.0.2.254', dev: 'eth0', table: '100', metric: 5, no_track: false });
    expect(v.virtual_routes[1]).toMatchObject({ to: '203.0.113.0/24', type: 'blackhole', no_track: true });
    expect(v.virtual_rules[0]).toMatchObject({ from: '192.0.2.0/24', table: '100', preference: 100, action: 'table' });
  });

  it('keeps tracking entries with their weights', () => {
    const r = parseText(
      instance(
        `  track_interface {
    eth1 weight -20
  }
  track_script {
    chk_http weight 10 reverse
  }
  track_file {
    tf
  }
  virtual_ipaddress {
    192.0.2.100
  }`,
        'vrrp_script chk_http {\n  script "/bin/true"\n  weight -5\n}\ntrack_file tf {\n  file /run/kt-prio\n  weight 0\n}',
      ),
      { files: { '/bin/true': { content: '#!/bin/sh\n', mode: 0o755 } } },
    );
    const v = r.config.vrrp_instance[0]!;
    expect(v.track_interface).toEqual([{ name: 'eth1', weight: -20, weight_reverse: false }]);
    expect(v.track_script).toEqual([{ name: 'chk_http', weight: 10, weight_reverse: true }]);
    expect(v.track_file).toEqual([{ name: 'tf', weight_reverse: false }]);
  });

  it('a track_script must name a vrrp_script defined before it', () => {
    const r = parseText(instance('  track_script {\n    chk_later\n  }\n  virtual_ipaddress {\n    192.0.2.100\n  }') + 'vrrp_script chk_later {\n  script "/bin/true"\n}\n');
    expect(messages(r)[0]).toBe('6: (VI_1) track script chk_later not found, ignoring...');
    expect(r.config.vrrp_instance[0]!.track_script).toEqual([]);
  });

  it('stops when a value is missing (keepalived exits 2)', () => {
    const r = parseText('vrrp_instance VI_1 {\n  priority\n}');
    expect(r.abortedIn).toBe('vrrp');
  });
});
