import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameEvent } from '../../../src/lab/capture.js';
import { boundMs, labConfig } from '../../../src/lab/failover.js';
import { parseText, messages } from '../../helpers/config.js';
import { timingOf } from '../../../src/vrrp/resolve.js';

const frames = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../fixtures/vrrp/keepalived-2.2.7-frames.json'), 'utf8')) as {
  frames: { name: string; frame?: string }[];
};
const frame = (name: string): Uint8Array => new Uint8Array(Buffer.from(frames.frames.find((f) => f.name === name)!.frame!, 'hex'));

describe('failover lab', () => {
  it('RFC bounds: Master_Down_Interval for a crash, Skew_Time for a graceful stop (priority 100 backup)', () => {
    expect(boundMs({ version: 2, advertInt: 1, mode: 'kill9' })).toBe(3609.375);
    expect(boundMs({ version: 2, advertInt: 1, mode: 'term' })).toBe(609.375);
    expect(boundMs({ version: 3, advertInt: 0.1, mode: 'kill9' })).toBe(360.937);
  });

  it('its configurations are valid for both directors', () => {
    for (const host of ['director1', 'director2'] as const) {
      const r = parseText(labConfig(host, 3, 0.1, '/run/x.fifo'));
      expect(messages(r)).toEqual([]);
      const t = timingOf(r.config.vrrp_instance[0]!, r.config, Uint8Array.of(192, 0, 2, 11));
      expect([t.version, t.advertIntervalUs, t.priority, t.wantMaster]).toEqual([3, 100_000, host === 'director1' ? 150 : 100, host === 'director1']);
    }
  });

  it('the capture recognises adverts and gratuitous ARPs in keepalived frames', () => {
    expect(frameEvent(frame('v2-ipv4'), 1)).toEqual({
      t: 1,
      kind: 'advert',
      mac: '5e:d8:c5:61:d1:da',
      src: '192.0.2.11',
      priority: 150,
      version: 2,
      vrid: 51,
      checksum: 'plain',
    });
    expect(frameEvent(frame('gratuitous-arp'), 2)).toEqual({ t: 2, kind: 'garp', mac: '5e:d8:c5:61:d1:da', src: '192.0.2.100' });
    expect(frameEvent(frame('v3-ipv6'), 3)).toBeNull(); // IPv4 only
    expect(frameEvent(new Uint8Array(10), 4)).toBeNull();
  });
});
