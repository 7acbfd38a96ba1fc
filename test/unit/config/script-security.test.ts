import { resolveVrrp } from '../../../src/vrrp/resolve.js';
import { describe, expect, it } from 'vitest';
import { Grade } from '../../../src/config/diagnostics.js';
import { messages, parseText, type MemoryFile } from '../../helpers/config.js';

const vrrpWithScript = (global = ''): string => `
global_defs {
${global}
}
vrrp_script chk_web {
  script "/etc/keepalived/check_web.sh"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  track_script {
    chk_web
  }
  virtual_ipaddress {
    192.0.2.100
  }
}
`;
const script = (mode: number, uid = 0): Record<string, MemoryFile> => ({ '/etc/keepalived/check_web.sh': { content: '#!/bin/sh\n', mode, uid } });

describe('script security', () => {
  it('reports a violation when a script exists and enable_script_security is off (keepalived -t exits 6)', () => {
    const r = parseText(vrrpWithScript(), { files: script(0o755) });
    expect(r.diagnostics.filter((d) => d.grade === Grade.Security).map((d) => d.message)).toEqual([
      'SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
    ]);
  });

  it('says the scripts are insecure when a non-root user could change one', () => {
    const r = parseText(vrrpWithScript(), { files: script(0o757) });
    expect(messages(r)).toEqual(['-: SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.']);
    const owned = parseText(vrrpWithScript(), { files: script(0o755, 1000) });
    expect(messages(owned)[0]).toContain('There are insecure scripts.');
  });

  it('is quiet with enable_script_security and a safe script', () => {
    const r = parseText(vrrpWithScript('  enable_script_security\n  script_user root'), { files: script(0o755) });
    expect(messages(r)).toEqual([]);
  });

  it('disables an unsafe script when enable_script_security is on', () => {
    const r = parseText(vrrpWithScript('  enable_script_security\n  script_user root'), { files: script(0o777) });
    // keepalived (check_track_script_secure): a config error, so -t exits 5
    expect(messages(r)).toEqual(['-: Disabling track script chk_web due to insecure']);
    expect(messages(r, true)).toContain("7: Unsafe permissions found for script '/etc/keepalived/check_web.sh' - disabling.");
    // the daemon never runs it: keepalived removes it and the instances stop tracking it
    const model = resolveVrrp(r.config);
    expect(model.scripts).toEqual([]);
    expect(model.instances[0]!.tracks).toEqual([]);
    const safe = parseText(vrrpWithScript('  enable_script_security\n  script_user root'), { files: script(0o755) });
    expect(resolveVrrp(safe.config).scripts.map((s) => s.insecure)).toEqual([false]);
    expect(resolveVrrp(safe.config).instances[0]!.tracks.map((t) => t.name)).toEqual(['chk_web']);
  });

  it('says nothing about a script that does not exist', () => {
    const r = parseText(vrrpWithScript());
    expect(r.diagnostics.some((d) => d.grade === Grade.Security)).toBe(false);
  });
});
