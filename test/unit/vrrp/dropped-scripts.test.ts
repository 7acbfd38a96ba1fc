/**
 * At run time, the scripts keepalived 2.2.7 drops or disables while reading are neither run nor
 * tracked (vrrp/vrrp.c check_vrrp_script_security removes a disabled vrrp_script from every
 * instance's track list; lib/notify.c notify_script_init drops a notify script whose user cannot
 * be set): the instance runs as if they were not configured. And a script named through a
 * symlinked directory is checked by its resolved path, so enable_script_security keeps it.
 *
 * The engine runs on the in-memory LAN (test/helpers/lan.ts), whose host has /bin/true and
 * /bin/false; the last tests use the real file system.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Lan, type LanRouter } from '../../helpers/lan.js';
import { memoryFs, MainConfigPath } from '../../helpers/config.js';
import { parseConfig } from '../../../src/config/index.js';
import { systemHostEnvironment } from '../../../src/io/host-environment.js';
import { resolveVrrp } from '../../../src/vrrp/resolve.js';
import { ScriptTracker, type ScriptReport } from '../../../src/track/script-tracker.js';
import { ScriptRunner } from '../../../src/notify/script-runner.js';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/log.js';

const S = 1_000_000;

/** One router, BACKUP at start with nobody else on the LAN: it becomes MASTER unless held in FAULT. */
function router(lan: Lan, head: string, body: string): LanRouter {
  const conf = `${head}vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
${body}
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`;
  return lan.router('A', { eth0: { segment: 'lan0', address: '192.0.2.11' } }, conf);
}

const vrrpScript = (program: string, extra = ''): string => `vrrp_script chk {\n  script "${program}"\n${extra}}\n`;
const tracking = '  track_script {\n    chk\n  }';

describe('a tracked vrrp_script whose program is missing (class 1)', () => {
  it('is not tracked: the instance becomes MASTER instead of waiting in FAULT for a result', async () => {
    const lan = new Lan();
    const a = router(lan, vrrpScript('/nonexistent/check.sh'), tracking).start();
    expect(a.engine.model.scripts).toEqual([]);
    expect(a.engine.tracks('script', 0)).toBe(false);
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    expect(lan.holders('192.0.2.100')).toEqual(['A']);
    // with the program installed, the same weightless script holds the instance until it reports
    const lan2 = new Lan();
    const b = router(lan2, vrrpScript('/bin/true'), tracking).start();
    expect(b.engine.tracks('script', 0)).toBe(true);
    await lan2.run(5 * S);
    expect(b.state('VI_1')).toBe('FAULT');
  });

  it('a script tracker built from the model has nothing to run', async () => {
    const lan = new Lan();
    const a = router(lan, vrrpScript('/nonexistent/check.sh', '  interval 1\n'), tracking);
    const runs: string[][] = [];
    const tracker = new ScriptTracker(a.engine.model.scripts, {
      clock: lan.clock,
      log: silentLogger(),
      executable: () => true,
      run: async (s) => {
        runs.push([...s.args]);
        return { code: 0, signal: null, timedOut: false };
      },
      onReport: (r) => a.report(r),
    });
    a.start();
    tracker.start();
    await lan.run(5 * S);
    expect(runs).toEqual([]);
  });
});

describe('enable_script_security without a default script user (class 2)', () => {
  const head = (global: string): string => `global_defs {\n  enable_script_security\n${global}}\n${vrrpScript('/bin/true')}`;
  const body = `${tracking}\n  notify_master "/bin/true master"`;

  it('drops the vrrp_script and the notify script: nothing tracked, nothing run on becoming MASTER', async () => {
    const lan = new Lan();
    const a = router(lan, head(''), body).start();
    expect(a.engine.model.scripts).toEqual([]);
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    expect(a.scripts).toEqual([]);
  });

  it('with script_user set, both are kept: the script is tracked and the notify script runs', async () => {
    const lan = new Lan();
    const a = router(lan, head('  script_user root\n'), body);
    expect(a.engine.tracks('script', 0)).toBe(true);
    a.initial({ kind: 'script', id: 0, status: 'ok' }).start();
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    expect(a.scripts).toContainEqual(['/bin/true', 'master']);
  });
});

describe('unquoted notify lines (class 10)', () => {
  it('the dropped script is not run; quoted, the same line runs', async () => {
    const lan = new Lan();
    const a = router(lan, '', '  notify_master /bin/sh /etc/keepalived/master.sh').start();
    await lan.run(5 * S);
    expect(a.state('VI_1')).toBe('MASTER');
    expect(a.scripts).toEqual([]);
    const lan2 = new Lan();
    const b = router(lan2, '', '  notify_master "/bin/sh /etc/keepalived/master.sh"').start();
    await lan2.run(5 * S);
    expect(b.scripts).toEqual([['/bin/sh', '/etc/keepalived/master.sh']]);
  });
});

describe('a script under a symlinked directory, with enable_script_security (class 15, real files)', () => {
  // <tmp>/real/chk.sh is safe; <tmp>/open is writable by everyone and holds a symlink to real/
  // (as /bin -> usr/bin) and a script of its own
  const dir = mkdtempSync(join(tmpdir(), 'kts-symlinked-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'real'));
  mkdirSync(join(dir, 'open'));
  chmodSync(join(dir, 'open'), 0o777);
  for (const d of ['real', 'open']) writeFileSync(join(dir, d, 'chk.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  symlinkSync(join(dir, 'real'), join(dir, 'open', 'lnk'));

  const parse = (program: string) => {
    const conf = `global_defs {\n  enable_script_security\n  script_user root\n}\n${vrrpScript(program)}vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n${tracking}\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n`;
    return parseConfig(MainConfigPath, { fs: memoryFs({ [MainConfigPath]: conf }), host: { ...systemHostEnvironment(), interfaces: null }, cwd: '/' });
  };

  it('is checked by its resolved path: kept and tracked, while a script really in the open directory is disabled', () => {
    const linked = parse(join(dir, 'open', 'lnk', 'chk.sh'));
    expect(linked.diagnostics.filter((d) => d.grade !== 0).map((d) => d.message)).toEqual([]);
    expect(resolveVrrp(linked.config).instances[0]!.tracks.map((t) => t.name)).toEqual(['chk']);
    const open = parse(join(dir, 'open', 'chk.sh'));
    expect(open.diagnostics.filter((d) => d.grade !== 0).map((d) => d.message)).toEqual(['Disabling track script chk due to insecure']);
    expect(resolveVrrp(open.config).scripts).toEqual([]);
  });

  it('runs at run time', async () => {
    const model = resolveVrrp(parse(join(dir, 'open', 'lnk', 'chk.sh')).config);
    const runner = new ScriptRunner(silentLogger());
    const reports: ScriptReport[] = [];
    const tracker = new ScriptTracker(model.scripts, {
      clock: systemClock,
      log: silentLogger(),
      run: (s, timeoutMs) => runner.run({ what: s.name, args: [...s.args], timeoutMs }),
      onReport: (r) => reports.push(r),
    });
    expect(tracker.initial(0)).toBe('init');
    tracker.start();
    try {
      const deadline = Date.now() + 10_000;
      while (reports.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(reports).toEqual([{ kind: 'script', id: 0, status: 'ok' }]);
    } finally {
      tracker.stop();
    }
  });
});
