/**
 * /tmp/keepalived.stats as keepalived 2.2.7's VRRP child writes it on SIGUSR2 (vrrp_print.c
 * vrrp_print_stats()), and how our receive filter's drop reasons count in keepalived's
 * counters (its vrrp_check_packet() order, vrrp.c).
 */
import type { DropReason } from '../vrrp/receive-filter.js';
import type { DumpInstanceStats, DumpSnapshot } from './snapshot.js';

export type StatsErrorCounter = keyof Pick<
  DumpInstanceStats,
  'packetLenErr' | 'ipTtlErr' | 'invalidTypeRcvd' | 'advertIntervalErr' | 'addrListErr' | 'invalidAuthtype' | 'authtypeMismatch' | 'authFailure'
>;

/**
 * Which keepalived counter each drop reason of src/vrrp/receive-filter.ts (and the runner's
 * 'address-mismatch') adds to; null: keepalived counts it nowhere in this file.
 *
 * - Packet Errors / Length: 'ip-header' (a truncated IP packet) and 'malformed' (a VRRP message
 *   shorter than its header or than its address count says: keepalived's packet_len_err). Our
 *   'malformed' also covers an unknown version or a type other than advertisement, which
 *   keepalived counts as nothing (version, SNMP only) and Invalid Type: the runner keeps one
 *   count for all of them, so they all land here.
 * - Packet Errors / TTL: 'ttl' (multicast TTL not 255) and 'unicast-ttl' (outside the peer's
 *   min_ttl..max_ttl).
 * - Packet Errors / Advertisement Interval: 'interval' (VRRPv2 interval mismatch). keepalived
 *   2.2.7 itself drops these without counting, so its own file shows 0 here.
 * - Packet Errors / Address List: 'address-mismatch' (the advert's addresses differ from ours)
 *   and 'destination' (a multicast advert to a unicast instance or the reverse, keepalived's
 *   "Expected multicast packet but received unicast packet").
 * - Authentication Errors / Type Mismatch: 'auth-type' (the advert's authentication type is not
 *   ours; keepalived's Invalid Type is the subset with a type other than 0, 1, 2, which the
 *   runner does not keep apart). Failure: 'auth' (wrong password).
 * - Not counted (as keepalived): 'checksum' and 'version' (SNMP counters only), 'own-packet',
 *   'wrong-interface', 'unicast-source' (dropped silently), 'not-vrrp'.
 */
export const DropCounter: Readonly<Record<DropReason | 'address-mismatch', StatsErrorCounter | null>> = {
  'ip-header': 'packetLenErr',
  malformed: 'packetLenErr',
  ttl: 'ipTtlErr',
  'unicast-ttl': 'ipTtlErr',
  interval: 'advertIntervalErr',
  'address-mismatch': 'addrListErr',
  destination: 'addrListErr',
  'auth-type': 'authtypeMismatch',
  auth: 'authFailure',
  checksum: null,
  version: null,
  'own-packet': null,
  'wrong-interface': null,
  'unicast-source': null,
  'not-vrrp': null,
};

/** The error counters of a runner's drop counts (reasons not listed above are ignored). */
export function errorCounters(drops: ReadonlyMap<string, number>): Record<StatsErrorCounter, number> {
  const out: Record<StatsErrorCounter, number> = {
    packetLenErr: 0,
    ipTtlErr: 0,
    invalidTypeRcvd: 0,
    advertIntervalErr: 0,
    addrListErr: 0,
    invalidAuthtype: 0,
    authtypeMismatch: 0,
    authFailure: 0,
  };
  for (const [reason, n] of drops) {
    const counter = (DropCounter as Record<string, StatsErrorCounter | null>)[reason];
    if (counter) out[counter] += n;
  }
  return out;
}

/** The text of /tmp/keepalived.stats. */
export function formatVrrpStats(s: DumpSnapshot): string {
  const out: string[] = [];
  for (const v of s.instances) {
    const t = v.stats;
    out.push(
      `VRRP Instance: ${v.name}`,
      '  Advertisements:',
      `    Received: ${t.advertRcvd}`,
      `    Sent: ${t.advertSent}`,
      `  Became master: ${t.becomeMaster}`,
      `  Released master: ${t.releaseMaster}`,
      '  Packet Errors:',
      `    Length: ${t.packetLenErr}`,
      `    TTL: ${t.ipTtlErr}`,
      `    Invalid Type: ${t.invalidTypeRcvd}`,
      `    Advertisement Interval: ${t.advertIntervalErr}`,
      `    Address List: ${t.addrListErr}`,
      '  Authentication Errors:',
      `    Invalid Type: ${t.invalidAuthtype}`,
      `    Type Mismatch: ${t.authtypeMismatch}`,
      `    Failure: ${t.authFailure}`,
      '  Priority Zero:',
      `    Received: ${t.priZeroRcvd}`,
      `    Sent: ${t.priZeroSent}`,
    );
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * keepalived's SIGRTMAX-1 (signal 63, `--signum=STATS_CLEAR`): the stats written, then zeroed.
 * The runners' counters only grow, so the dump keeps what was cleared and subtracts it.
 */
export class StatsBaseline {
  readonly #cleared = new Map<string, DumpInstanceStats>();

  /** The snapshot with the counters counted since the last clear. */
  apply(s: DumpSnapshot): DumpSnapshot {
    return {
      ...s,
      instances: s.instances.map((i) => {
        const base = this.#cleared.get(i.name);
        if (!base) return i;
        const stats = Object.fromEntries(Object.entries(i.stats).map(([k, v]) => [k, Math.max(0, v - base[k as keyof DumpInstanceStats])])) as unknown as DumpInstanceStats;
        return { ...i, stats };
      }),
    };
  }

  /** Zero the counters of `s` (a snapshot taken before apply()) from now on. */
  clear(s: DumpSnapshot): void {
    for (const i of s.instances) this.#cleared.set(i.name, i.stats);
  }
}
