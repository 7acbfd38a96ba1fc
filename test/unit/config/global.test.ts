import { describe, expect, it } from 'vitest';
import { Grade } from '../../../src/config/diagnostics.js';
import { messages, parseText, problems } from '../../helpers/config.js';

describe('global_defs', () => {
  it('fills keepalived defaults, router_id from the host name', () => {
    const g = parseText('').config.global_defs;
    expect(g.router_id).toBe('director1.example');
    expect(g.smtp_connect_timeout).toBe(30);
    expect(g.vrrp_mcast_group4).toBe('224.0.0.18');
    expect(g.vrrp_mcast_group6).toBe('ff02::12');
    expect(g.vrrp_garp_master_delay).toBe(5);
    expect(g.vrrp_garp_master_repeat).toBe(5);
    expect(g.vrrp_version).toBe(2);
    expect(g.enable_script_security).toBe(false);
  });

  it('reads the usual keywords', () => {
    const r = parseText(`global_defs {
  router_id LVS_DEVEL
  notification_email {
    ops@example.com
    oncall@example.com
  }
  notification_email_from lvs@example.com
  smtp_server 198.51.100.1 2525
  smtp_connect_timeout 15
  vrrp_version 3
  vrrp_strict
  vrrp_garp_master_delay 2
  vrrp_mcast_group4 224.0.0.19
  lvs_sync_daemon eth1 id 7 maxlen 1400 port 8848 ttl 2 group 239.1.1.1
  lvs_timeouts tcp 900 tcpfin 120 udp 300
  script_user root
  enable_script_security
  vrrp_startup_delay 2.5
  umask 022
}`);
    expect(problems(r)).toEqual([]);
    const g = r.config.global_defs;
    expect(g.router_id).toBe('LVS_DEVEL');
    expect(g.notification_email).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(g.smtp_server).toBe('198.51.100.1');
    expect(g.smtp_server_port).toBe(2525);
    expect(g.smtp_connect_timeout).toBe(15);
    expect(g.vrrp_version).toBe(3);
    expect(g.vrrp_strict).toBe(true);
    expect(g.vrrp_garp_master_delay).toBe(2);
    expect(g.vrrp_mcast_group4).toBe('224.0.0.19');
    expect(g.lvs_sync_daemon).toEqual({ interface: 'eth1', id: 7, maxlen: 1400, port: 8848, ttl: 2, group: '239.1.1.1' });
    expect(g.lvs_timeouts).toEqual({ tcp: 900, tcpfin: 120, udp: 300 });
    expect(g.script_user).toEqual({ user: 'root' });
    expect(g.enable_script_security).toBe(true);
    expect(g.vrrp_startup_delay).toBe(2.5);
    expect(g.umask).toBe(0o22);
  });

  it('rejects bad values at their line, keeping the default', () => {
    const r = parseText('global_defs {\n  smtp_connect_timeout abc\n  vrrp_garp_master_delay -1\n  vrrp_mcast_group4 192.0.2.1\n  vrrp_version 4\n}');
    // keepalived's number reader speaks first, then the keyword's own message
    expect(messages(r).map((m) => m.split(':')[0])).toEqual(['2', '2', '3', '3', '4', '5', '5']);
    expect(r.config.global_defs.smtp_connect_timeout).toBe(30);
    expect(r.config.global_defs.vrrp_mcast_group4).toBe('224.0.0.18');
    expect(r.config.global_defs.vrrp_version).toBe(2);
  });

  it('warns about unknown keywords and a script user that does not exist', () => {
    const r = parseText('global_defs {\n  no_such_thing 1\n  script_user nobody_kt\n}');
    expect(r.diagnostics.find((d) => d.location?.line === 2)?.grade).toBe(Grade.UnknownKeyword);
    expect(messages(r)).toContain('3: Error setting global script uid/gid');
  });

  it('stops like keepalived when a required value is missing', () => {
    const r = parseText('global_defs {\n  vrrp_garp_master_repeat\n}\nvrrp_instance X {\n  bogus\n}');
    expect(r.abortedIn).toBe('global');
    expect(messages(r)).toEqual(['2: *** Configuration line starting `vrrp_garp_master_repeat` is missing a parameter after keyword `vrrp_garp_master_repeat` at word position 2']);
  });

  it('reads the global-pass root keywords', () => {
    const r = parseText('net_namespace blue\ninstance lb1\nuse_pid_dir\nchild_wait_time 10\n');
    expect(problems(r)).toEqual([]);
    expect(r.config.net_namespace).toBe('blue');
    expect(r.config.instance).toBe('lb1');
    expect(r.config.use_pid_dir).toBe(true);
    expect(r.config.child_wait_time).toBe(10);
  });
});
