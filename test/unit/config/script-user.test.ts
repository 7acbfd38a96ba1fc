/**
 * Scripts keepalived 2.2.7 drops or disables while reading, and what the VRRP model then holds
 * (lib/notify.c check_script_secure / get_default_script_user / notify_script_init,
 * vrrp/vrrp.c check_vrrp_script_security, vrrp/vrrp_parser.c vrrp_vscript_end_handler,
 * core/global_parser.c script_user_handler).
 */
import { describe, expect, it } from 'vitest';
import { configTestExitCode, Grade } from '../../../src/config/diagnostics.js';
import { resolveVrrp } from '../../../src/vrrp/resolve.js';
import { messages, parseText, type MemoryFile } from '../../helpers/config.js';

const program = (mode = 0o755): MemoryFile => ({ content: '#!/bin/sh\n', mode });
const programs = { '/usr/bin/true': program(), '/etc/keepalived/notify.sh': program() };

/** global_defs, a vrrp_script chk running `script`, and VI_1 tracking it (lines 1-3 are global_defs). */
const tracked = (global: string, script: string, extra = ''): string => `global_defs {
${global}
}
vrrp_script chk {
  script "${script}"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    192.0.2.10/24
  }
  track_script {
    chk
  }
${extra}}
`;

describe('a tracked vrrp_script whose program is missing (class 1)', () => {
  it('is disabled as keepalived does: one unlocated config error, -t exits 5', () => {
    const r = parseText(tracked('  router_id A', '/nonexistent/check.sh'));
    expect(messages(r)).toEqual(['-: Disabling track script chk since not found/accessible']);
    expect(configTestExitCode(r.diagnostics)).toBe(5);
  });

  it('is removed from the model: no script to run, the instance tracks nothing', () => {
    const model = resolveVrrp(parseText(tracked('  router_id A', '/nonexistent/check.sh')).config);
    expect(model.scripts).toEqual([]);
    expect(model.instances[0]!.tracks).toEqual([]);
    // the same configuration with the program installed tracks it
    const present = resolveVrrp(parseText(tracked('  router_id A', '/usr/bin/true'), { files: programs }).config);
    expect(present.scripts.map((s) => s.name)).toEqual(['chk']);
    expect(present.instances[0]!.tracks.map((t) => t.name)).toEqual(['chk']);
  });

  it('an untracked missing script is disabled too (checked before the "not used" warning)', () => {
    const r = parseText('vrrp_script chk {\n  script "/nonexistent/x.sh"\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n');
    expect(messages(r)).toEqual(['-: Disabling track script chk since not found/accessible']);
  });

  it('a program its user cannot execute is dropped silently, but still counts as a script being run', () => {
    const r = parseText(tracked('  router_id A', '/usr/bin/true'), { files: { '/usr/bin/true': program(0o644) } });
    expect(messages(r)).toEqual(['-: SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
    expect(resolveVrrp(r.config).scripts).toEqual([]);
  });

  it('"</file" (a test that a file opens) is never disabled', () => {
    const r = parseText(tracked('  router_id A', '</run/keepalived.flag'));
    expect(messages(r)).toEqual([]);
    expect(resolveVrrp(r.config).instances[0]!.tracks.map((t) => t.name)).toEqual(['chk']);
  });
});

describe('enable_script_security without a usable default user (class 2)', () => {
  const notify = '  notify_master "/etc/keepalived/notify.sh master"\n';

  it('reports the missing keepalived_script user once, at the first script needing it, and removes the scripts', () => {
    const r = parseText(tracked('  enable_script_security', '/usr/bin/true', notify), { files: programs });
    expect(messages(r)).toEqual([
      '6: Unable to set default user keepalived_script for script',
      '6: Unable to set default user for vrrp script chk - removing',
      '15: (VI_1) track script chk not found, ignoring...',
    ]);
    expect(configTestExitCode(r.diagnostics)).toBe(5);
    const model = resolveVrrp(r.config);
    expect(model.scripts).toEqual([]);
    expect(model.instances[0]!.tracks).toEqual([]);
    expect(model.instances[0]!.notify.master).toBeUndefined();
  });

  it('a notify script read first carries the report', () => {
    const conf = `global_defs {\n  enable_script_security\n}\nvrrp_instance VI_0 {\n  interface eth0\n  virtual_router_id 50\n  notify_master "/usr/bin/true"\n  virtual_ipaddress {\n    192.0.2.11/24\n  }\n}\n${tracked('', '/usr/bin/true').slice('global_defs {\n\n}\n'.length)}`;
    const r = parseText(conf, { files: programs });
    expect(messages(r).slice(0, 2)).toEqual(['7: Unable to set default user keepalived_script for script', '14: Unable to set default user for vrrp script chk - removing']);
    expect(r.config.vrrp_instance[0]!.notify_master).toBeUndefined();
  });

  it('keepalived reads the checker side first: a later notify_up takes the report from an earlier vrrp_script', () => {
    const conf = `${tracked('  enable_script_security', '/usr/bin/true')}virtual_server 192.0.2.20 80 {\n  protocol TCP\n  real_server 192.0.2.21 80 {\n    notify_up "/usr/bin/true up"\n    TCP_CHECK {\n    }\n  }\n}\n`;
    const r = parseText(conf, { files: programs });
    const lines = messages(r).filter((m) => /default user/.test(m));
    expect(lines).toEqual(['21: Unable to set default user keepalived_script for script', '6: Unable to set default user for vrrp script chk - removing']);
  });

  it('removes a MISC_CHECK without `user`, so the checker never runs it', () => {
    const conf = (user: string): string =>
      `global_defs {\n  enable_script_security\n}\nvirtual_server 192.0.2.20 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 192.0.2.21 80 {\n    MISC_CHECK {\n      misc_path "/usr/bin/true arg"\n${user}    }\n  }\n}\n`;
    const r = parseText(conf(''), { files: programs });
    expect(messages(r)).toEqual(['11: Unable to set default user keepalived_script for script', "11: Unable to set default user for misc script '/usr/bin/true' 'arg' - removing"]);
    expect(r.config.virtual_server[0]!.real_server[0]!.checkers).toEqual([]);
    const own = parseText(conf('      user root\n'), { files: programs });
    expect(messages(own)).toEqual([]);
    expect(own.config.virtual_server[0]!.real_server[0]!.checkers).toHaveLength(1);
  });

  it('keeps the scripts when keepalived_script exists or script_user is set', () => {
    const users = { root: { uid: 0, gid: 0 }, keepalived_script: { uid: 990, gid: 990 } };
    const withUser = parseText(tracked('  enable_script_security', '/usr/bin/true', notify), { files: programs, users });
    expect(messages(withUser)).toEqual([]);
    expect(resolveVrrp(withUser.config).instances[0]!.tracks.map((t) => t.name)).toEqual(['chk']);
    expect(resolveVrrp(withUser.config).instances[0]!.notify.master?.args).toEqual(['/etc/keepalived/notify.sh', 'master']);
    const scriptUser = parseText(tracked('  enable_script_security\n  script_user root', '/usr/bin/true', notify), { files: programs });
    expect(messages(scriptUser)).toEqual([]);
    expect(resolveVrrp(scriptUser.config).scripts.map((s) => s.name)).toEqual(['chk']);
  });

  it('a vrrp_script with its own user keeps it', () => {
    const conf = tracked('  enable_script_security', '/usr/bin/true').replace('  script "/usr/bin/true"\n', '  script "/usr/bin/true"\n  user root\n');
    const r = parseText(conf, { files: programs });
    expect(messages(r)).toEqual([]);
    expect(resolveVrrp(r.config).scripts.map((s) => s.user)).toEqual([{ user: 'root' }]);
  });
});

describe('unquoted notify lines (class 10)', () => {
  const conf = (line: string): string =>
    `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n  ${line}\n}\n`;
  const files = { '/bin/sh': program(), '/etc/keepalived/master.sh': program() };

  it('the third word is the user: an unknown one drops the script silently (-t exits 0)', () => {
    const r = parseText(conf('notify_master /bin/sh /etc/keepalived/master.sh'), { files });
    expect(messages(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.grade === Grade.Info).map((d) => d.message)).toEqual([
      "Script user '/etc/keepalived/master.sh' does not exist",
      'Invalid user/group for notify_master script /bin/sh - ignoring',
    ]);
    expect(resolveVrrp(r.config).instances[0]!.notify.master).toBeUndefined();
  });

  it('quoted, it is one command, kept and counted by the security check', () => {
    const r = parseText(conf('notify_master "/bin/sh /etc/keepalived/master.sh"'), { files });
    expect(messages(r)).toEqual(['-: SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
    expect(resolveVrrp(r.config).instances[0]!.notify.master?.args).toEqual(['/bin/sh', '/etc/keepalived/master.sh']);
  });

  it('an existing user (and group) in the third word is kept', () => {
    const r = parseText(conf('notify_master /etc/keepalived/master.sh root root'), { files });
    expect(resolveVrrp(r.config).instances[0]!.notify.master).toMatchObject({ args: ['/etc/keepalived/master.sh'], user: 'root', group: 'root' });
    const badGroup = parseText(conf('notify_master /etc/keepalived/master.sh root nogroup'), { files });
    expect(messages(badGroup)).toEqual([]);
    expect(resolveVrrp(badGroup.config).instances[0]!.notify.master).toBeUndefined();
  });

  it("words after a vrrp_script's script are not a user (keepalived ignores them)", () => {
    const r = parseText(tracked('  router_id A', '/usr/bin/true').replace('script "/usr/bin/true"', 'script /usr/bin/true nosuchuser'), { files: programs });
    expect(resolveVrrp(r.config).scripts.map((s) => [s.args, s.user])).toEqual([[['/usr/bin/true'], undefined]]);
  });
});

describe('script users that do not exist (class 17 and vrrp_script user)', () => {
  it('script_user: "Error setting global script uid/gid", then no script gets the default user', () => {
    const r = parseText(tracked('  script_user nosuchuser', '/usr/bin/true'), { files: programs });
    expect(messages(r)).toEqual([
      '2: Error setting global script uid/gid',
      '6: Unable to set default user for vrrp script chk - removing',
      '15: (VI_1) track script chk not found, ignoring...',
    ]);
    expect(resolveVrrp(r.config).scripts).toEqual([]);
    const badGroup = parseText(tracked('  script_user root nogroup', '/usr/bin/true'), { files: programs });
    expect(messages(badGroup)[0]).toBe('2: Error setting global script uid/gid');
  });

  it('vrrp_script `user` that does not resolve: reported with the command, the script removed', () => {
    const conf = tracked('  router_id A', '/usr/bin/true').replace('  script "/usr/bin/true"\n', '  script "/usr/bin/true"\n  user nosuchuser\n');
    const r = parseText(conf, { files: programs });
    expect(messages(r)).toEqual(["6: Unable to set uid/gid for script '/usr/bin/true'", '16: (VI_1) track script chk not found, ignoring...']);
    expect(resolveVrrp(r.config).scripts).toEqual([]);
  });
});
