// The checker side never runs a script keepalived's checker process would not run: a MISC_CHECK
// script or a notify_up / notify_down / quorum_up / quorum_down script that fails the script
// check (insecure under enable_script_security, not found, not executable by its user), nor one
// the reader dropped for a user that does not exist. keepalived: check/check_data.c
// check_check_script_security(), check/check_misc.c check_misc_script_security() and
// misc_user_handler(), lib/notify.c check_notify_script_secure().
import { describe, expect, it } from 'vitest';
import { HealthCheckers, type CheckerEdges, type ProbeFactory } from '../../../src/check/checkers.js';
import { loadProbeKinds, probeFactory } from '../../../src/check/kinds.js';
import { miscProbe } from '../../../src/check/misc.js';
import type { RunRequest, ScriptOutcome } from '../../../src/notify/script-runner.js';
import type { ScriptSpec } from '../../../src/config/parser.js';
import type { MiscCheck } from '../../../src/config/checkers/misc.js';
import type { KeepalivedConfig } from '../../../src/config/model.js';
import { silentLogger } from '../../../src/log.js';
import { messages, parseText, type MemoryFile } from '../../helpers/config.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const s = 1_000_000;
const files: Record<string, MemoryFile> = {
  '/etc/keepalived/check_ok.sh': { content: '#!/bin/sh\n', mode: 0o755 },
  // writable by anyone: insecure when root runs it
  '/etc/keepalived/check_open.sh': { content: '#!/bin/sh\n', mode: 0o777 },
  '/etc/keepalived/notify_ok.sh': { content: '#!/bin/sh\n', mode: 0o755 },
  '/etc/keepalived/notify_open.sh': { content: '#!/bin/sh\n', mode: 0o777 },
  // executable by root only
  '/etc/keepalived/root_only.sh': { content: '#!/bin/sh\n', mode: 0o700 },
};
const users = { root: { uid: 0, gid: 0 }, nobody: { uid: 65534, gid: 65534 } };

const secureGlobals = 'global_defs {\n  script_user root\n  enable_script_security\n}\n';

/** Two real servers; .21's MISC_CHECK and notify scripts are insecure, .22's are safe. */
const insecureConf = `${secureGlobals}
virtual_server 192.0.2.100 80 {
  delay_loop 2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 2
  quorum_up /etc/keepalived/notify_open.sh
  quorum_down /etc/keepalived/notify_ok.sh
  real_server 198.51.100.21 80 {
    notify_up /etc/keepalived/notify_open.sh
    notify_down /etc/keepalived/notify_open.sh
    MISC_CHECK {
      misc_path /etc/keepalived/check_open.sh
    }
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 198.51.100.22 80 {
    notify_up /etc/keepalived/notify_ok.sh
    notify_down /etc/keepalived/notify_ok.sh
    MISC_CHECK {
      misc_path /etc/keepalived/check_ok.sh
    }
  }
}
`;

/**
 * The checkers of a configuration with the real probe factory, a fake script runner (records
 * every script run and fails those in `failing`), fake TCP probes (fail for the addresses in
 * `down`) and a fake clock.
 */
async function harness(config: KeepalivedConfig, previous?: HealthCheckers) {
  const clock = new FakeClock();
  const ran: string[] = [];
  const failing = new Set<string>();
  const down = new Set<string>();
  const notified: string[] = [];
  const runner = {
    run: (req: RunRequest): Promise<ScriptOutcome> => {
      ran.push(req.args.join(' '));
      return Promise.resolve({ code: failing.has(req.args[0]!) ? 1 : 0, signal: null, timedOut: false });
    },
  };
  await loadProbeKinds(config);
  const real = probeFactory({ config, scripts: runner, defaultIdentity: null });
  const factory: ProbeFactory = (check, rs, vs) =>
    check.type === 'TCP_CHECK' ? async () => (down.has(rs.ip) ? { ok: false, reason: 'refused' } : { ok: true, reason: 'connected' }) : real(check, rs, vs);
  const edges: CheckerEdges = {
    healthChanged: () => {},
    runScript: (what: string, spec: ScriptSpec) => notified.push(`${what.split(' ')[0]!}: ${spec.args.join(' ')}`),
  };
  const checkers = new HealthCheckers(config, factory, edges, silentLogger(), { concurrency: 16, clock, random: () => 0 }, previous);
  return { clock, ran, failing, down, notified, checkers };
}

async function stop(h: Awaited<ReturnType<typeof harness>>): Promise<void> {
  const stopped = h.checkers.stop();
  await h.clock.advance(h.clock.now + 10 * s);
  await stopped;
}

const misc = (config: KeepalivedConfig, vs: number, rs: number): MiscCheck =>
  config.virtual_server[vs]!.real_server[rs]!.checkers.find((c): c is MiscCheck => c.type === 'MISC_CHECK')!;

describe('checker scripts under enable_script_security', () => {
  it('the reader marks the insecure checker scripts, and only them', () => {
    const r = parseText(insecureConf, { files, users });
    expect(messages(r)).toEqual([]);
    const vs = r.config.virtual_server[0]!;
    const [rs21, rs22] = vs.real_server;
    expect([misc(r.config, 0, 0).misc_path?.insecure, rs21!.notify_up?.insecure, rs21!.notify_down?.insecure, vs.quorum_up?.insecure]).toEqual([true, true, true, true]);
    expect([misc(r.config, 0, 1).misc_path?.insecure, rs22!.notify_up?.insecure, rs22!.notify_down?.insecure, vs.quorum_down?.insecure]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('never runs an insecure MISC_CHECK script: the checker is removed and its real server is judged by the others', async () => {
    const r = parseText(insecureConf, { files, users });
    const h = await harness(r.config);
    const vs = r.config.virtual_server[0]!;
    h.checkers.start();
    await h.clock.advance(10 * s);
    expect(h.ran.length).toBeGreaterThan(0);
    expect(h.ran.every((c) => c === '/etc/keepalived/check_ok.sh')).toBe(true);
    // the removed checker is not there at all; the real server is up on its TCP_CHECK
    expect(h.checkers.status().map((c) => `${c.real_server} ${c.checker}`)).toEqual(['[198.51.100.21]:tcp:80 TCP_CHECK', '[198.51.100.22]:tcp:80 MISC_CHECK']);
    expect(h.checkers.book.alive(vs, vs.real_server[0]!)).toBe(true);
    await stop(h);
  });

  it('never runs an insecure notify_up / notify_down / quorum_up script; the safe ones still run', async () => {
    const r = parseText(insecureConf, { files, users });
    const h = await harness(r.config);
    const vs = r.config.virtual_server[0]!;
    h.checkers.start();
    h.down.add('198.51.100.21');
    h.failing.add('/etc/keepalived/check_ok.sh');
    await h.clock.advance(4 * s);
    expect(h.checkers.book.alive(vs, vs.real_server[0]!)).toBe(false);
    expect(h.checkers.book.alive(vs, vs.real_server[1]!)).toBe(false);
    expect(h.checkers.book.quorumUp(vs)).toBe(false);
    // .21 goes first, which loses the quorum; its notify_down is insecure: not run; .22's and
    // the quorum_down are safe
    expect(h.notified).toEqual(['quorum_down: /etc/keepalived/notify_ok.sh', 'notify_down: /etc/keepalived/notify_ok.sh']);
    h.notified.length = 0;
    h.down.clear();
    h.failing.clear();
    await h.clock.advance(10 * s);
    expect(h.checkers.book.quorumUp(vs)).toBe(true);
    // .21's notify_up and the quorum_up are insecure
    expect(h.notified).toEqual(['notify_up: /etc/keepalived/notify_ok.sh']);
    await stop(h);
  });

  it('omega: an insecure notify_down is not run at shutdown either', async () => {
    const r = parseText(insecureConf.replace('  quorum 2\n', '  quorum 2\n  omega\n'), { files, users });
    const h = await harness(r.config);
    h.checkers.start();
    await h.clock.advance(4 * s);
    await stop(h);
    expect(h.notified).toEqual(['notify_down: /etc/keepalived/notify_ok.sh', 'quorum_down: /etc/keepalived/notify_ok.sh']);
  });

  it('an alpha MISC_CHECK removed at the first start keeps its real server out; after a reload it no longer counts', async () => {
    const conf = insecureConf.replace('      misc_path /etc/keepalived/check_open.sh\n', '      misc_path /etc/keepalived/check_open.sh\n      alpha\n');
    const r = parseText(conf, { files, users });
    expect(misc(r.config, 0, 0).alpha).toBe(true);
    const h = await harness(r.config);
    const vs = r.config.virtual_server[0]!;
    h.checkers.start();
    await h.clock.advance(10 * s);
    // keepalived counted the alpha checker failed before removing it: nothing brings it back
    expect(h.checkers.book.alive(vs, vs.real_server[0]!)).toBe(false);
    expect(h.ran.every((c) => c === '/etc/keepalived/check_ok.sh')).toBe(true);
    await stop(h);
    const again = parseText(conf, { files, users });
    const h2 = await harness(again.config, h.checkers);
    const vs2 = again.config.virtual_server[0]!;
    expect(h2.checkers.book.alive(vs2, vs2.real_server[0]!)).toBe(true);
    h2.checkers.start();
    await h2.clock.advance(10 * s);
    expect(h2.ran.every((c) => c === '/etc/keepalived/check_ok.sh')).toBe(true);
    await stop(h2);
  });

  it('a removed non-alpha MISC_CHECK leaves a real server without other checkers up', async () => {
    const conf = insecureConf.replace('    TCP_CHECK {\n      connect_timeout 1\n    }\n', '');
    const r = parseText(conf, { files, users });
    const h = await harness(r.config);
    const vs = r.config.virtual_server[0]!;
    h.checkers.start();
    await h.clock.advance(10 * s);
    expect(h.checkers.book.alive(vs, vs.real_server[0]!)).toBe(true);
    expect(h.ran.includes('/etc/keepalived/check_open.sh')).toBe(false);
    await stop(h);
  });
});

describe('checker scripts keepalived drops without enable_script_security', () => {
  const conf = (miscBlock: string, notify = ''): string => `
virtual_server 192.0.2.100 80 {
  delay_loop 2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.21 80 {
${notify}    MISC_CHECK {
${miscBlock}    }
  }
}
`;

  it('removes a MISC_CHECK whose script is missing or not executable by its user', async () => {
    const cases: [string, boolean][] = [
      ['      misc_path /etc/keepalived/missing.sh\n', false],
      ['      misc_path /etc/keepalived/root_only.sh\n      user nobody\n', false],
      // the user is the block's `user`, not a word after the script
      ['      misc_path "/etc/keepalived/root_only.sh" nobody\n', true],
      ['      misc_path /etc/keepalived/root_only.sh\n', true],
    ];
    for (const [block, runs] of cases) {
      const r = parseText(conf(block), { files, users });
      expect(misc(r.config, 0, 0).misc_path?.insecure === true, block).toBe(!runs);
      const h = await harness(r.config);
      h.checkers.start();
      await h.clock.advance(5 * s);
      expect(h.ran.length > 0, block).toBe(runs);
      await stop(h);
    }
  });

  it('drops a notify_down that is missing or not executable by its user; runs it otherwise', async () => {
    const block = '      misc_path /etc/keepalived/check_ok.sh\n';
    const cases: [string, boolean][] = [
      ['    notify_down /etc/keepalived/missing.sh\n', false],
      ['    notify_down /etc/keepalived/root_only.sh nobody\n', false],
      ['    notify_down "/etc/keepalived/root_only.sh arg"\n', true],
    ];
    for (const [notify, runs] of cases) {
      const r = parseText(conf(block, notify), { files, users });
      const h = await harness(r.config);
      h.failing.add('/etc/keepalived/check_ok.sh');
      h.checkers.start();
      await h.clock.advance(5 * s);
      expect(h.checkers.book.alive(r.config.virtual_server[0]!, r.config.virtual_server[0]!.real_server[0]!)).toBe(false);
      expect(h.notified.length > 0, notify).toBe(runs);
      await stop(h);
    }
  });
});

describe('scripts the reader drops for their user are not run by the checkers', () => {
  it('a MISC_CHECK whose `user` does not exist is removed, as keepalived does, with its words', async () => {
    const conf = `${secureGlobals}
virtual_server 192.0.2.100 80 {
  delay_loop 2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.21 80 {
    MISC_CHECK {
      misc_path "/etc/keepalived/check_ok.sh arg"
      user healthcheck
      misc_timeout 5s
    }
  }
  real_server 198.51.100.22 80 {
    MISC_CHECK {
      user
      misc_path /etc/keepalived/check_ok.sh
    }
  }
}
`;
    const r = parseText(conf, { files, users });
    // the rest of the removed block is ignored (no complaint about "5s")
    expect(messages(r)).toEqual([
      "14: Failed to set uid/gid for misc checker script '/etc/keepalived/check_ok.sh' 'arg' - removing",
      '20: No user specified for misc checker script ',
    ]);
    expect(r.config.virtual_server[0]!.real_server[0]!.checkers).toEqual([]);
    // a `user` line without a user is only reported: the checker stays, run as the default user
    expect(r.config.virtual_server[0]!.real_server[1]!.checkers).toHaveLength(1);
    const h = await harness(r.config);
    h.checkers.start();
    await h.clock.advance(5 * s);
    expect(new Set(h.ran)).toEqual(new Set(['/etc/keepalived/check_ok.sh']));
    await stop(h);
  });

  it('a notify_down whose user does not exist, or that needs the missing default user, is never run', async () => {
    const conf = (globals: string, notify: string): string => `${globals}
virtual_server 192.0.2.100 80 {
  delay_loop 2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 198.51.100.21 80 {
    notify_down ${notify}
    MISC_CHECK {
      misc_path /etc/keepalived/check_ok.sh
      user root
    }
  }
}
`;
    const cases: [string, string][] = [
      [secureGlobals, '/etc/keepalived/notify_ok.sh nosuchuser'],
      // enable_script_security, no script_user and no keepalived_script user (class 2)
      ['global_defs {\n  enable_script_security\n}\n', '/etc/keepalived/notify_ok.sh'],
    ];
    for (const [globals, notify] of cases) {
      const r = parseText(conf(globals, notify), { files, users });
      expect(r.config.virtual_server[0]!.real_server[0]!.notify_down).toBeUndefined();
      const h = await harness(r.config);
      h.failing.add('/etc/keepalived/check_ok.sh');
      h.checkers.start();
      await h.clock.advance(5 * s);
      expect(h.ran.length).toBeGreaterThan(0);
      expect(h.notified).toEqual([]);
      await stop(h);
    }
  });
});

describe('the MISC_CHECK probe itself', () => {
  it('refuses to run a script marked insecure, whoever asks', async () => {
    const ran: string[] = [];
    const runner = { run: (req: RunRequest) => (ran.push(req.args[0]!), Promise.resolve({ code: 0, signal: null, timedOut: false })) };
    const check: MiscCheck = { type: 'MISC_CHECK', misc_dynamic: false, misc_path: { command: '/x', args: ['/x'], insecure: true }, delay_loop: 5 };
    const r = await miscProbe(check, { runner })(new AbortController().signal);
    expect(r.ok).toBe(false);
    expect(ran).toEqual([]);
  });
});
