/**
 * Issue 17, classes 4, 14, 16 and 17: keepalived 2.2.7's number readers (lib/parser.c), its
 * missing-parameter stop (`strvec_slot()` → `null_strvec()`, exit 2), a self-referencing
 * definition, and the wording of the global_defs and BFD messages.
 */
import { describe, expect, it } from 'vitest';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import { messages, parseText } from '../../helpers/config.js';

const instance = (body: string): string => `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
${body}
  virtual_ipaddress {
    192.0.2.10/24
  }
}`;

describe('decimal values (read_decimal_unsigned_strvec)', () => {
  it('takes up to 6 places for advert_int, and keeps the value', () => {
    const r = parseText(instance('  advert_int 1.000'));
    expect(messages(r)).toEqual([]);
    expect(r.config.vrrp_instance[0]!.advert_int).toBe(1);
    expect(messages(parseText(instance('  version 3\n  advert_int 0.25')))).toEqual([]);
  });

  it('reports a 7th place but still rounds and uses the value', () => {
    const r = parseText(instance('  advert_int 1.0000005'));
    expect(messages(r)).toEqual(["5: number '1.0000005' has too many decimal places"]);
    expect(r.config.vrrp_instance[0]!.advert_int).toBe(1.000001);
  });

  it('prints the range with six places, number message first', () => {
    const r = parseText(instance('  advert_int 256'));
    expect(messages(r).slice(0, 2)).toEqual([
      "5: number '256' outside range [0.010000, 255.000000]",
      '5: (VI_1) Advert interval (256) not valid! Must be > 0 - ignoring',
    ]);
  });

  it('accepts whole seconds for vrrp_garp_interval and vrrp_gna_interval', () => {
    const r = parseText('global_defs {\n  vrrp_garp_interval 2\n  vrrp_gna_interval 0.5\n  vrrp_startup_delay 5.5\n}');
    expect(messages(r)).toEqual([]);
    expect(r.config.global_defs.vrrp_garp_interval).toBe(2);
    expect(r.config.global_defs.vrrp_gna_interval).toBe(0.5);
    expect(r.config.global_defs.vrrp_startup_delay).toBe(5.5);
  });

  it('rejects 0 for vrrp_garp_interval with keepalived`s two messages', () => {
    expect(messages(parseText('global_defs {\n  vrrp_garp_interval 0\n}'))).toEqual([
      "2: number '0' outside range [0.000001, 4294.967295]",
      "2: vrrp_garp_interval '0' is invalid",
    ]);
  });

  it('reads BFD intervals in milliseconds with 3 places', () => {
    const r = parseText('bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n  min_rx 10.5\n  idle_tx 1000.250\n}');
    expect(messages(r)).toEqual([]);
    expect(r.config.bfd_instance[0]!.min_rx).toBe(10.5);
    expect(r.config.bfd_instance[0]!.idle_tx).toBe(1000.25);
    expect(messages(parseText('bfd_instance b1 {\n  neighbor_ip 192.0.2.2\n  min_rx 0\n}'))).toEqual([
      "3: number '0' outside range [1.000, 4294967.000]",
      '3: Configuration error: BFD instance b1 min_rx value 0 is not valid (must be in range [1-4294967]), ignoring',
    ]);
  });

  it('reads an empty (quoted) number as 0, as strtol does', () => {
    const r = parseText('global_defs {\n  vrrp_garp_master_delay ""\n}');
    expect(messages(r)).toEqual([]);
    expect(r.config.global_defs.vrrp_garp_master_delay).toBe(0);
  });
});

describe('missing parameters (exit 2)', () => {
  const stops = (conf: string, line: number, keyword: string): void => {
    const r = parseText(conf);
    expect(r.abortedIn).toBeDefined();
    expect(messages(r)[0]).toBe(
      `${line}: *** Configuration line starting \`${keyword}\` is missing a parameter after keyword \`${keyword}\` at word position 2`,
    );
  };

  it('stops on a vrrp_script without a name', () => {
    stops('vrrp_script {\n  script /bin/true\n}', 1, 'vrrp_script');
  });

  it('stops on unicast_src_ip without an address', () => {
    stops(instance('  unicast_src_ip'), 5, 'unicast_src_ip');
  });

  it('stops on a bare path in url {}', () => {
    stops(
      'virtual_server 192.0.2.100 80 {\n  protocol TCP\n  real_server 192.0.2.11 80 {\n    HTTP_GET {\n      url {\n        path\n      }\n    }\n  }\n}',
      6,
      'path',
    );
  });

  it('stops on a notify script without a command, and on the global string keywords', () => {
    stops(instance('  notify_master'), 5, 'notify_master');
    stops('global_defs {\n  vmac_prefix\n}', 2, 'vmac_prefix');
    stops('global_defs {\n  process_name\n}', 2, 'process_name');
    stops('global_defs {\n  vrrp_mcast_group4\n}', 2, 'vrrp_mcast_group4');
    stops('garp_group {\n  interface\n}', 2, 'interface');
    stops('bfd_instance b1 {\n  source_ip\n}', 2, 'source_ip');
  });

  it('does not stop where keepalived checks for the value itself', () => {
    const r = parseText('global_defs {\n  smtp_helo_name\n  vrrp_priority\n  startup_script\n  vrrp_netlink_cmd_rcv_bufs\n}\nvrrp_script s {\n  script /bin/true\n  script\n}');
    expect(r.abortedIn).toBeUndefined();
    expect(configTestExitCode(r.diagnostics)).toBe(5);
    expect(messages(r)).toEqual([
      '3: No vrrp process priority specified',
      '4: startup script missing',
      '5: vrrp_netlink_cmd_rcv_bufs size missing',
    ]);
  });
});

describe('a self-referencing definition', () => {
  it('reports the recursion once and drops the line', () => {
    const r = parseText('$IF=$IF\nglobal_defs {\n  router_id $IF\n}');
    expect(messages(r)).toEqual([expect.stringMatching(/^3: too many substitutions on one line - recursive definition\?/)]);
  });
});

describe('wording', () => {
  it('gives keepalived`s global_defs messages after its number message', () => {
    const r = parseText(`global_defs {
  vrrp_version 4
  nftables_priority abc
  smtp_connect_timeout 0
  vrrp_rt_priority 100
  checker_rlimit_rttime 0
  random_seed -1
  vrrp_iptables
  vrrp_mcast_group4 192.0.2.1
}`);
    expect(messages(r)).toEqual([
      "2: number '4' outside range [2, 3]",
      '2: VRRP Error: Version must be either 2 or 3',
      "3: invalid number 'abc'",
      "3: invalid nftables chain priority 'abc'",
      '4: smtp_conect_timeout must be greater than 0, setting to 1',
      '5: vrrp process real-time priority 100 greater than maximum 99 - setting to maximum',
      "6: number '0' outside range [1, 4294967295]",
      '6: Invalid checker real-time limit - 0',
      "7: negative number '-1'",
      '7: random_seed -1 invalid',
      "8: iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
      '9: vrrp_mcast_group4 [192.0.2.1] is not multicast. Skipping',
    ]);
  });

  it('calls vrrp_ipsets an unknown keyword (keepalived built without libipset)', () => {
    expect(messages(parseText('global_defs {\n  vrrp_ipsets foo\n}'))).toEqual(["2: Unknown keyword 'vrrp_ipsets'"]);
  });

  it('says a BFD instance has no neighbor address set', () => {
    expect(messages(parseText('bfd_instance b1 {\n  min_rx 50\n}'))).toEqual([
      '3: Configuration error: BFD instance b1 has no neighbor address set, disabling instance',
    ]);
  });
});
