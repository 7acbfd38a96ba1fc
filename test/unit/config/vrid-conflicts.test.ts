/**
 * Duplicate VRIDs (keepalived 2.2.7 vrrp/vrrp.c check_vrid_conflicts()), what keepalived does
 * only when it runs (after vrrp_complete_init()'s -t return), and the vrrp_track_file
 * deprecation line. Expected messages checked against Debian's keepalived 2.2.7 `-t`.
 */
import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';
import { configTestExitCode, Grade } from '../../../src/config/diagnostics.js';

interface Spec {
  iface?: string;
  vrid?: number;
  src?: string;
  peers?: string[];
  vip: string;
  extra?: string;
}

function inst(name: string, s: Spec): string {
  const lines = [`vrrp_instance ${name} {`];
  if (s.iface !== '') lines.push(`  interface ${s.iface ?? 'eth0'}`);
  lines.push(`  virtual_router_id ${s.vrid ?? 50}`);
  if (s.src) lines.push(`  unicast_src_ip ${s.src}`);
  if (s.peers) lines.push('  unicast_peer {', ...s.peers.map((p) => `    ${p}`), '  }');
  if (s.extra) lines.push(s.extra);
  lines.push('  virtual_ipaddress {', `    ${s.vip}${s.iface === '' ? ' dev eth0' : ''}`, '  }', '}');
  return `${lines.join('\n')}\n`;
}

const uni = (vip: string, peers: string[], extra: Partial<Spec> = {}): Spec => ({ src: '192.0.2.1', peers, vip, ...extra });

describe('duplicate VRIDs: unicast', () => {
  it('reports a pair with a common peer, naming the earlier instance first', () => {
    const r = parseText(inst('VI_A', uni('192.0.2.50', ['192.0.2.2'])) + inst('VI_B', uni('192.0.2.51', ['192.0.2.3', '192.0.2.2'])));
    expect(messages(r)).toEqual(['-: (VI_A) duplicate VRID conflict with VI_B VRID 50']);
  });

  it('reports every pair', () => {
    const r = parseText(['A', 'B', 'C'].map((n, i) => inst(n, uni(`192.0.2.5${i}`, ['192.0.2.2']))).join(''));
    expect(messages(r)).toEqual([
      '-: (A) duplicate VRID conflict with B VRID 50',
      '-: (A) duplicate VRID conflict with C VRID 50',
      '-: (B) duplicate VRID conflict with C VRID 50',
    ]);
  });

  it('accepts the same VRID with different peers', () => {
    const r = parseText(inst('VI_A', uni('192.0.2.50', ['192.0.2.2'])) + inst('VI_B', uni('192.0.2.51', ['192.0.2.3'])));
    expect(messages(r)).toEqual([]);
  });

  it('accepts different source addresses, different interfaces, or another VRID', () => {
    const peers = ['192.0.2.2'];
    expect(messages(parseText(inst('A', uni('192.0.2.50', peers)) + inst('B', uni('192.0.2.51', peers, { src: '192.0.2.9' }))))).toEqual([]);
    expect(messages(parseText(inst('A', uni('192.0.2.50', peers)) + inst('B', uni('198.51.100.51', peers, { iface: 'eth1' }))))).toEqual([]);
    expect(messages(parseText(inst('A', uni('192.0.2.50', peers)) + inst('B', uni('192.0.2.51', peers, { vrid: 51 }))))).toEqual([]);
  });

  it("takes the interface's own address as the same source for both", () => {
    const none = { src: undefined };
    const r = parseText(inst('A', uni('192.0.2.50', ['192.0.2.2'], none)) + inst('B', uni('192.0.2.51', ['192.0.2.2'], none)));
    expect(messages(r)).toEqual(['-: (A) duplicate VRID conflict with B VRID 50']);
    // a configured address against an interface's: not known to be the same
    expect(messages(parseText(inst('A', uni('192.0.2.50', ['192.0.2.2'])) + inst('B', uni('192.0.2.51', ['192.0.2.2'], none))))).toEqual([]);
  });

  it('a vmac without a source address has none yet: no conflict', () => {
    const vmac = { src: undefined, extra: '  use_vmac\n  vmac_xmit_base' };
    const r = parseText(inst('A', uni('192.0.2.50', ['192.0.2.2'], vmac)) + inst('B', uni('192.0.2.51', ['192.0.2.2'], vmac)));
    expect(messages(r)).toEqual([]);
  });

  it('unicast and multicast instances are separate VRID spaces', () => {
    const r = parseText(inst('A', uni('192.0.2.50', ['192.0.2.2'])) + inst('B', { vip: '192.0.2.51' }));
    expect(messages(r)).toEqual([]);
  });
});

describe('duplicate VRIDs: multicast', () => {
  it('reports every pair on the same interface and group, in keepalived words', () => {
    const r = parseText(inst('VI_1', { vip: '192.0.2.101' }) + inst('VI_2', { vip: '192.0.2.102' }) + inst('VI_3', { vip: '192.0.2.103' }));
    expect(messages(r)).toEqual([
      '-: VI_1 and VI_2 both use VRID 50 with IPv4 on interface eth0',
      '-: VI_1 and VI_3 both use VRID 50 with IPv4 on interface eth0',
      '-: VI_2 and VI_3 both use VRID 50 with IPv4 on interface eth0',
    ]);
  });

  it('names the family; IPv4 and IPv6 instances do not clash', () => {
    expect(messages(parseText(inst('A', { vip: '2001:db8::50' }) + inst('B', { vip: '2001:db8::51' })))).toEqual([
      '-: A and B both use VRID 50 with IPv6 on interface eth0',
    ]);
    expect(messages(parseText(inst('A', { vip: '192.0.2.50' }) + inst('B', { vip: '2001:db8::51' })))).toEqual([]);
  });

  it('compares multicast groups, the default one included', () => {
    const same = parseText(inst('A', { vip: '192.0.2.50', extra: '  mcast_dst_ip 224.0.0.18' }) + inst('B', { vip: '192.0.2.51' }));
    expect(messages(same)).toEqual(['-: A and B both use VRID 50 with IPv4 on interface eth0']);
    const other = parseText(inst('A', { vip: '192.0.2.50', extra: '  mcast_dst_ip 224.0.0.19' }) + inst('B', { vip: '192.0.2.51' }));
    expect(messages(other)).toEqual([]);
    const global = parseText(`global_defs {\n  vrrp_mcast_group4 224.0.0.19\n}\n${inst('A', { vip: '192.0.2.50', extra: '  mcast_dst_ip 224.0.0.19' })}${inst('B', { vip: '192.0.2.51' })}`);
    expect(messages(global)).toEqual(['-: A and B both use VRID 50 with IPv4 on interface eth0']);
  });

  it('compares the base interface: a vmac on eth0 clashes with eth0; other interfaces do not', () => {
    expect(messages(parseText(inst('A', { vip: '192.0.2.50', extra: '  use_vmac' }) + inst('B', { vip: '192.0.2.51' })))).toEqual([
      '-: A and B both use VRID 50 with IPv4 on interface eth0',
    ]);
    expect(messages(parseText(inst('A', { vip: '192.0.2.50' }) + inst('B', { iface: 'eth1', vip: '198.51.100.51' })))).toEqual([]);
  });

  it('says nothing for an interface that does not exist yet (dynamic_interfaces)', () => {
    const r = parseText(`global_defs {\n  dynamic_interfaces\n}\n${inst('A', { iface: 'eth9', vip: '192.0.2.50' })}${inst('B', { iface: 'eth9', vip: '192.0.2.51' })}`);
    expect(messages(r)).toEqual([]);
  });

  it('a conflict stops the checks keepalived makes after it', () => {
    const r = parseText(`global_defs {\n  script_user root\n  enable_script_security\n}\nvrrp_script unused {\n  script "/bin/true"\n}\n${inst('A', { vip: '192.0.2.50' })}${inst('B', { vip: '192.0.2.51' })}`, {
      files: { '/bin/true': { content: '#!/bin/sh\n', mode: 0o755 } },
    });
    expect(messages(r, true)).toEqual(['-: A and B both use VRID 50 with IPv4 on interface eth0']);
  });
});

describe('instances without an interface', () => {
  it('keepalived 2.2.7 refuses a unicast instance without one too', () => {
    const r = parseText(inst('VI_CLOUD', uni('192.0.2.80', ['192.0.2.82'], { iface: '' })));
    expect(messages(r)).toEqual(['-: (VI_CLOUD) Unknown interface!']);
  });
});

describe('what keepalived only logs', () => {
  it('an unknown lvs_sync_daemon instance is logged, not a -t problem, and the setting is cleared', () => {
    const r = parseText(`global_defs {\n  lvs_sync_daemon eth1 VI_1\n}\n${inst('VI_LVS', { vip: '192.0.2.50' })}`);
    expect(configTestExitCode(r.diagnostics)).toBe(0);
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ grade: Grade.Info, message: 'Unable to find vrrp instance VI_1 for lvs_syncd - clearing lvs_syncd config' }));
    expect(r.config.global_defs.lvs_sync_daemon).toBeUndefined();
  });

  it('vrrp_track_file: keepalived\'s deprecation line, as information only', () => {
    const r = parseText(`vrrp_track_file maint {\n  file /run/kt-maint\n}\n${inst('VI_1', { vip: '192.0.2.50', extra: '  track_file {\n    maint\n  }' })}`);
    expect(configTestExitCode(r.diagnostics)).toBe(0);
    expect(messages(r, true)).toEqual(['1: "vrrp_track_file" is deprecated, please use "track_file"']);
    expect(r.config.track_file).toEqual([{ name: 'maint', file: '/run/kt-maint', weight: 1, weight_reverse: false }]);
  });
});
