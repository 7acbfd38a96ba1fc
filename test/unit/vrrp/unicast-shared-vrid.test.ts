/**
 * Two unicast instances with the same VRID on one interface, with different peers: keepalived
 * 2.2.7 accepts the configuration (vrrp.c check_vrid_conflicts()) and hands each advert to the
 * instance whose peer sent it (vrrp_scheduler.c, VRRP_FLAG_UNICAST_DUPLICATE_VRID). A hub
 * shares one VRID with two spokes; each of its instances must follow its own spoke only.
 */
import { describe, expect, it } from 'vitest';
import { Lan } from '../../helpers/lan.js';

const S = 1_000_000;

const instance = (name: string, priority: number, src: string, peer: string, vip: string): string => `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id 40
  priority ${priority}
  advert_int 1
  unicast_src_ip ${src}
  unicast_peer {
    ${peer}
  }
  virtual_ipaddress {
    ${vip}/24
  }
}
`;

describe('unicast instances sharing a VRID on one interface', () => {
  it('each follows the election with its own peer only', async () => {
    const lan = new Lan();
    const hub = lan.router(
      'hub',
      { eth0: { segment: 'lan0', address: '192.0.2.1' } },
      instance('VI_SPOKE1', 100, '192.0.2.1', '192.0.2.2', '192.0.2.40') + instance('VI_SPOKE2', 100, '192.0.2.1', '192.0.2.3', '192.0.2.41'),
    );
    // spoke1 outranks the hub, spoke2 does not
    const spoke1 = lan.router('spoke1', { eth0: { segment: 'lan0', address: '192.0.2.2' } }, instance('VI_1', 150, '192.0.2.2', '192.0.2.1', '192.0.2.40'));
    const spoke2 = lan.router('spoke2', { eth0: { segment: 'lan0', address: '192.0.2.3' } }, instance('VI_1', 50, '192.0.2.3', '192.0.2.1', '192.0.2.41'));
    hub.start();
    spoke1.start();
    spoke2.start();
    await lan.run(10 * S);
    expect(lan.holders('192.0.2.40')).toEqual(['spoke1']);
    expect(lan.holders('192.0.2.41')).toEqual(['hub']);
    expect(hub.state('VI_SPOKE1')).toBe('BACKUP');
    expect(hub.state('VI_SPOKE2')).toBe('MASTER');
    expect(spoke2.state('VI_1')).toBe('BACKUP');

    // spoke1 can no longer be heard: the hub's instance for it takes over, the other stays
    lan.partition(hub, spoke1);
    await lan.run(5 * S);
    expect(hub.state('VI_SPOKE1')).toBe('MASTER');
    expect(hub.state('VI_SPOKE2')).toBe('MASTER');
    expect(lan.holders('192.0.2.41')).toEqual(['hub']);
  });
});
