import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';
import { configTestExitCode, Grade } from '../../../src/config/diagnostics.js';

const vip = (name: string, vrid: number, extra = ''): string =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n${extra}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

describe('vrrp_script, vrrp_track_process, track_file', () => {
  it('reads a vrrp_script with keepalived defaults', () => {
    const r = parseText(`vrrp_script chk_haproxy {
  script "killall -0 haproxy"
  interval 2
  weight -20
  fall 3
  rise 2
}
${vip('VI_1', 1, '  track_script {\n    chk_haproxy\n  }\n')}`,
      { files: { '/usr/bin/killall': { content: '', mode: 0o755 } } },
    );
    expect(r.config.vrrp_script).toEqual([
      {
        name: 'chk_haproxy',
        script: { command: 'killall -0 haproxy', args: ['killall', '-0', 'haproxy'] },
        interval: 2,
        weight: -20,
        weight_reverse: false,
        rise: 2,
        fall: 3,
        init_fail: false,
      },
    ]);
  });

  it('removes a vrrp_script without script, reported at its closing brace', () => {
    const r = parseText('vrrp_script chk {\n  interval 2\n}\n');
    expect(messages(r)).toEqual(['3: No script set for vrrp_script chk - removing']);
    expect(r.config.vrrp_script).toEqual([]);
  });

  it('logs an unused vrrp_script (only when running: not a -t problem) and drops it', () => {
    const secure = 'global_defs {\n  script_user root\n  enable_script_security\n}\n';
    const r = parseText(`${secure}vrrp_script unused {\n  script "/bin/true"\n}\n${vip('VI_1', 1)}`, { files: { '/bin/true': { content: '#!/bin/sh\n', mode: 0o755 } } });
    expect(messages(r)).toEqual([]);
    expect(configTestExitCode(r.diagnostics)).toBe(0);
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ grade: Grade.Info, message: 'Warning - script unused is not used' }));
    expect(r.config.vrrp_script).toEqual([]);
  });

  it('checks weights and intervals', () => {
    const r = parseText('vrrp_script s {\n  script "/bin/true"\n  weight 300\n  interval 0\n  rise 0\n}\n' + vip('VI_1', 1, '  track_script {\n    s\n  }\n'));
    expect(messages(r)).toEqual([
      "3: number '300' outside range [-253, 253]",
      '3: vrrp_script s weight 300 must be in [-253, 253]',
      '4: (s): vrrp script interval must be greater than 0, setting to 1',
      "5: number '0' outside range [1, 2147483647]",
      "5: (s): vrrp script rise value '0' invalid, defaulting to 1",
      // no /bin/true on this host
      '-: Disabling track script s since not found/accessible',
    ]);
  });

  it('reads vrrp_track_process and track_file (and its old name)', () => {
    const r = parseText(`vrrp_track_process nginx {
  process nginx -g daemon
  param_match partial
  quorum 2
  weight 10
  delay 1.5
}
vrrp_track_file legacy {
  file /run/kt-legacy
}
track_file prio {
  file /run/kt-prio
  weight -1 reverse
  init_file 5 overwrite
}`);
    expect(r.config.vrrp_track_process[0]).toMatchObject({ name: 'nginx', process: 'nginx', params: ['-g', 'daemon'], param_match: 'partial', quorum: 2, weight: 10, fork_delay: 1.5, terminate_delay: 1.5, full_command: true });
    expect(r.config.track_file).toEqual([
      { name: 'legacy', file: '/run/kt-legacy', weight: 1, weight_reverse: false },
      { name: 'prio', file: '/run/kt-prio', weight: -1, weight_reverse: true, init_file: { value: 5, overwrite: true } },
    ]);
  });
});

describe('vrrp_sync_group and completion', () => {
  it('groups instances; weighted tracking is ignored inside a sync group', () => {
    const r = parseText(`vrrp_sync_group VG_1 {
  group {
    VI_1
    VI_2
  }
  notify_master /etc/keepalived/master.sh
}
${vip('VI_1', 1, '  track_interface {\n    eth1 weight 10\n  }\n')}${vip('VI_2', 2)}`);
    expect(r.config.vrrp_sync_group[0]).toMatchObject({ name: 'VG_1', group: ['VI_1', 'VI_2'], notify_master: { command: '/etc/keepalived/master.sh' } });
    expect(messages(r)).toEqual(['-: (VI_1) ignoring eth1 tracked interface weight due to SYNC group']);
    expect(r.config.vrrp_instance[0]!.track_interface[0]!.weight).toBe(0);
  });

  it('reports members that do not exist and single-member groups', () => {
    const r = parseText(`vrrp_sync_group VG_1 {\n  group {\n    VI_1\n    VI_MISSING\n  }\n}\n${vip('VI_1', 1)}`);
    expect(messages(r)).toEqual([
      "-: Virtual router VI_MISSING specified in sync group VG_1 doesn't exist - ignoring",
      "-: Sync group VG_1 has only 1 virtual router(s) - this probably isn't what you want",
    ]);
  });

  it('needs a virtual_router_id, and stops there', () => {
    const r = parseText('vrrp_instance VI_1 {\n  interface eth0\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n');
    expect(messages(r)).toEqual(['-: (VI_1) the virtual router id must be set']);
  });

  it('refuses AH with an initial MASTER state below 255, and authentication with VRRPv3', () => {
    const ah = parseText(vip('VI_1', 1, '  state MASTER\n  priority 100\n  authentication {\n    auth_type AH\n    auth_pass x\n  }\n'));
    expect(messages(ah)).toEqual(['-: (VI_1) Initial state master is incompatible with AH authentication - clearing']);
    expect(ah.config.vrrp_instance[0]!.state).toBe('BACKUP');
    const v3 = parseText(vip('VI_1', 1, '  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }\n'));
    expect(messages(v3)).toEqual(['-: (VI_1) VRRP version 3 does not support authentication. Ignoring.']);
  });

  it('reports duplicate multicast VRIDs on one interface', () => {
    const r = parseText(vip('VI_1', 7) + vip('VI_2', 7));
    expect(messages(r)).toEqual(['-: VI_1 and VI_2 both use VRID 7 with IPv4 on interface eth0']);
  });

  it('warns about an instance without VIPs', () => {
    const r = parseText('vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n}\n');
    expect(messages(r)).toEqual(['-: (VI_1) No VIP specified; at least one is sensible']);
  });
});
