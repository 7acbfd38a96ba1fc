/** What the checks say, as the IPVS table and keepalived's events see it. */
import { describe, expect, it } from 'vitest';
import { parseText } from '../../helpers/config.js';
import { HealthBook, type HealthEvent } from '../../../src/check/health.js';
import { desiredTable } from '../../../src/ipvs/desired.js';
import type { ProbeResult } from '../../../src/check/probe.js';

const conf = `
virtual_server 192.0.2.100 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  quorum 4
  hysteresis 1
  sorry_server 203.0.113.99 80
  real_server 203.0.113.21 80 {
    weight 3
    TCP_CHECK { }
    MISC_CHECK {
      misc_path /bin/true
      misc_dynamic
    }
  }
  real_server 203.0.113.22 80 {
    weight 2
    inhibit_on_failure
    TCP_CHECK { }
  }
  real_server 203.0.113.23 80 {
    weight 1
    alpha
    TCP_CHECK { }
  }
}
`;

function setup() {
  const r = parseText(conf);
  expect(r.diagnostics.filter((d) => d.grade > 1)).toEqual([]);
  const vs = r.config.virtual_server[0]!;
  const book = new HealthBook(r.config.virtual_server, (_vs, rs, i) => rs.checkers[i]!.alpha === true);
  const [rs1, rs2, rs3] = vs.real_server as [typeof vs.real_server[0], typeof vs.real_server[0], typeof vs.real_server[0]];
  const dests = () => [...desiredTable(r.config, book).table.values()][0]!.dests;
  const weights = () => Object.fromEntries([...dests().values()].map((d) => [d.address, d.weight]));
  return { vs, book, rs1, rs2, rs3, weights };
}

const ok: ProbeResult = { ok: true, reason: 'ok' };
const bad: ProbeResult = { ok: false, reason: 'connection refused' };
const kinds = (events: readonly HealthEvent[]) => events.map((e) => ('rs' in e ? `${e.type} ${e.rs.ip}` : `${e.type} ${e.weightSum}`));

describe('health book', () => {
  it('starts with alpha servers down and the others up; the quorum counts alive weights', () => {
    const { vs, book, rs3, weights } = setup();
    expect(book.alive(vs, rs3)).toBe(false);
    expect(book.weightSum(vs)).toBe(5);
    expect(book.quorumUp(vs)).toBe(true);
    expect(weights()).toEqual({ '203.0.113.21': 3, '203.0.113.22': 2 });
  });

  it('a real server is alive only while every one of its checkers is up', () => {
    const { vs, book, rs1 } = setup();
    expect(kinds(book.checkerResult(vs, rs1, 1, bad, 'down'))).toEqual(['rs-down 203.0.113.21', 'quorum-down 2']);
    expect(kinds(book.checkerResult(vs, rs1, 0, bad, 'down'))).toEqual([]);
    expect(kinds(book.checkerResult(vs, rs1, 1, ok, 'up'))).toEqual([]);
    expect(book.alive(vs, rs1)).toBe(false);
    expect(kinds(book.checkerResult(vs, rs1, 0, ok, 'up'))).toEqual(['rs-up 203.0.113.21', 'quorum-up 5']);
  });

  it('quorum with hysteresis: lost below quorum - hysteresis, gained at quorum + hysteresis; the sorry server stands in meanwhile', () => {
    const { vs, book, rs1, rs2, rs3, weights } = setup();
    // 5 -> 3: still >= quorum - hysteresis (3)
    expect(kinds(book.checkerResult(vs, rs2, 0, bad, 'down'))).toEqual(['rs-down 203.0.113.22']);
    expect(weights()).toEqual({ '203.0.113.21': 3, '203.0.113.22': 0 });
    // 3 -> 0: lost
    expect(kinds(book.checkerResult(vs, rs1, 0, bad, 'down'))).toEqual(['rs-down 203.0.113.21', 'quorum-down 0']);
    expect(weights()).toEqual({ '203.0.113.99': 1 });
    // 0 -> 1 -> 4: not yet quorum + hysteresis (5)
    expect(kinds(book.checkerResult(vs, rs3, 0, ok, 'up'))).toEqual(['rs-up 203.0.113.23']);
    expect(kinds(book.checkerResult(vs, rs1, 0, ok, 'up'))).toEqual(['rs-up 203.0.113.21']);
    expect(book.quorumUp(vs)).toBe(false);
    expect(weights()).toEqual({ '203.0.113.99': 1 });
    // 4 -> 6: gained
    expect(kinds(book.checkerResult(vs, rs2, 0, ok, 'up'))).toEqual(['rs-up 203.0.113.22', 'quorum-up 6']);
    expect(weights()).toEqual({ '203.0.113.21': 3, '203.0.113.22': 2, '203.0.113.23': 1 });
  });

  it('misc_dynamic sets the weight, exit 0 restores it; FILE_CHECK deltas add to it, clamped at 0', () => {
    const { vs, book, rs1, rs2 } = setup();
    const events = book.checkerResult(vs, rs1, 1, { ok: true, reason: 'exit 9', weight: 7 }, null);
    expect(events).toMatchObject([{ type: 'rs-weight', from: 3, to: 7 }]);
    expect(book.weight(vs, rs1)).toBe(7);
    book.checkerResult(vs, rs1, 1, { ok: true, reason: 'exit 0' }, null);
    expect(book.weight(vs, rs1)).toBe(3);
    book.checkerResult(vs, rs2, 0, { ok: true, reason: 'value -5', weightDelta: -5 }, null);
    expect(book.weight(vs, rs2)).toBe(0);
  });
});
