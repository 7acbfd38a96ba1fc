/**
 * The runtime model of a unicast instance whose addresses were written with a prefix length (as
 * `ip addr` shows them) or a range: the daemon must run unicast, from the configured source to
 * the configured peers, as keepalived does, not fall back to multicast.
 */
import { describe, expect, it } from 'vitest';
import { parseText, problems } from '../../helpers/config.js';
import { resolveVrrp } from '../../../src/vrrp/resolve.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('resolveVrrp: unicast addresses written with /prefix', () => {
  it('runs unicast from unicast_src_ip to every peer, prefix lengths dropped', () => {
    const r = parseText(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  unicast_src_ip 192.0.2.1/24
  unicast_peer {
    192.0.2.2/24
    192.0.2.3/32 min_ttl 250
    192.0.2.4-6
  }
  virtual_ipaddress {
    192.0.2.100/24
  }
}
vrrp_instance VI_6 {
  interface eth1
  virtual_router_id 52
  priority 100
  unicast_src_ip 2001:db8::1/64
  unicast_peer {
    2001:db8::2/64
  }
  virtual_ipaddress {
    2001:db8::100/64
  }
}
`);
    expect(problems(r)).toEqual([]);
    const [v4, v6] = resolveVrrp(r.config).instances;
    expect(v4!.source).toEqual(bytes(192, 0, 2, 1));
    expect(v4!.timing.primaryAddress).toEqual(bytes(192, 0, 2, 1));
    expect(v4!.unicastPeers).toEqual([
      { address: bytes(192, 0, 2, 2) },
      { address: bytes(192, 0, 2, 3), minTtl: 250 },
      { address: bytes(192, 0, 2, 4) },
    ]);
    // a TTL window makes keepalived check where unicast adverts come from
    expect(v4!.checkUnicastSource).toBe(true);
    expect(v6!.family).toBe('inet6');
    expect(v6!.source).toEqual(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    expect(v6!.unicastPeers.map((p) => p.address)).toEqual([bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)]);
    expect(v6!.checkUnicastSource).toBe(false);
  });

  it('keeps a peer whose TTL option is bad (keepalived reports the option, not the peer)', () => {
    const r = parseText(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  unicast_peer {
    192.0.2.2/24 max_ttl 256
  }
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`);
    expect(problems(r).map((d) => d.message)).toEqual(["number '256' outside range [0, 255]"]);
    expect(resolveVrrp(r.config).instances[0]!.unicastPeers).toEqual([{ address: bytes(192, 0, 2, 2) }]);
  });
});
