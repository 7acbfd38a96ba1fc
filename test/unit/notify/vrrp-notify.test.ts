import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';
import { instanceNotification } from '../../../src/notify/vrrp-notify.js';

const config = (body: string) =>
  parseText(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 120
  virtual_ipaddress {
    192.0.2.100
  }
${body}
}
`).config.vrrp_instance[0]!;

describe('notify calls for a state change (keepalived vrrp_notify.c)', () => {
  it('notify_<state> with its own arguments, then notify with INSTANCE name STATE priority, then the FIFO line', () => {
    const v = config('  notify_master "/etc/keepalived/master.sh arg1"\n  notify /etc/keepalived/notify.sh');
    const n = instanceNotification(v, 'MASTER', 120);
    expect(n.scripts.map((s) => [s.keyword, s.args])).toEqual([
      ['notify_master', ['/etc/keepalived/master.sh', 'arg1']],
      ['notify', ['/etc/keepalived/notify.sh', 'INSTANCE', 'VI_1', 'MASTER', '120']],
    ]);
    expect(n.fifoLine).toBe('INSTANCE "VI_1" MASTER 120\n');
  });

  it('appends the four arguments after any configured for notify', () => {
    const v = config('  notify "/usr/local/bin/tell ops"');
    expect(instanceNotification(v, 'FAULT', 120).scripts[0]!.args).toEqual(['/usr/local/bin/tell', 'ops', 'INSTANCE', 'VI_1', 'FAULT', '120']);
  });

  it('runs only the script of the state entered', () => {
    const v = config('  notify_master /m.sh\n  notify_backup /b.sh\n  notify_stop /s.sh');
    expect(instanceNotification(v, 'BACKUP', 120).scripts.map((s) => s.keyword)).toEqual(['notify_backup']);
    expect(instanceNotification(v, 'STOP', 120).scripts.map((s) => s.keyword)).toEqual(['notify_stop']);
    expect(instanceNotification(v, 'FAULT', 120).scripts).toEqual([]);
  });
});
