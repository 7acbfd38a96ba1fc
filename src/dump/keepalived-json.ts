/**
 * /tmp/keepalived.json as keepalived writes it on SIGRTMIN+2 (signal 36; vrrp_json.c): compact
 * JSON with the quirks of its json_writer (`/` escaped as `\/`, a backslash written as `\n`,
 * floats as `%g`, a newline at the end). json_version 1 (keepalived 2.2.7, the default) is a
 * top-level array of `{"data": {...}, "stats": {...}}` per instance; json_version 2
 * (keepalived 2.2.8+) is `{"vrrp": [that array], "track_process": [...]}`, the latter only
 * with tracked processes, and the instances' data list their `track_process` names.
 * keepalived writes nothing when there are no VRRP instances (formatVrrpJson returns null).
 */
import { cmdStr, fmtG, secUsec, stateNumber } from './text.js';
import type { DumpInstance, DumpSnapshot, DumpTrackProcess } from './snapshot.js';

type Value =
  | { readonly t: 'u'; readonly v: number }
  | { readonly t: 'i'; readonly v: number }
  | { readonly t: 'g'; readonly v: number }
  | { readonly t: 'raw'; readonly v: string }
  | { readonly t: 'b'; readonly v: boolean }
  | { readonly t: 's'; readonly v: string }
  | { readonly t: 'a'; readonly v: readonly Value[] }
  | { readonly t: 'o'; readonly v: readonly (readonly [string, Value])[] };

const u = (v: number | boolean): Value => ({ t: 'u', v: Number(v) });
const g = (v: number): Value => ({ t: 'g', v });
const b = (v: boolean): Value => ({ t: 'b', v });
const s = (v: string): Value => ({ t: 's', v });
const strings = (v: readonly string[]): Value => ({ t: 'a', v: v.map(s) });

/** jsonw_puts(). */
function quote(text: string): string {
  const esc: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f', '\b': '\\b', '\\': '\\n', '"': '\\"', '/': '\\/' };
  let out = '"';
  for (const ch of text) out += esc[ch] ?? ch;
  return `${out}"`;
}

function write(v: Value): string {
  switch (v.t) {
    case 'u':
    case 'i':
      return String(Math.trunc(v.v));
    case 'g':
      return fmtG(v.v);
    case 'raw':
      return v.v;
    case 'b':
      return v.v ? 'true' : 'false';
    case 's':
      return quote(v.v);
    case 'a':
      return `[${v.v.map(write).join(',')}]`;
    case 'o':
      return `{${v.v.map(([k, x]) => `${quote(k)}:${write(x)}`).join(',')}}`;
  }
}

function data(i: DumpInstance, version: 1 | 2): Value {
  const f: [string, Value][] = [
    ['iname', s(i.name)],
    ['dont_track_primary', u(i.dontTrackPrimary)],
    ['skip_check_adv_addr', u(i.skipCheckAdvAddr)],
    ['strict_mode', u(i.strict)],
    ['vmac_ifname', s('')],
  ];
  if (i.interface !== undefined) f.push(['ifp_ifname', s(i.interface)]);
  f.push(
    ['master_priority', u(i.masterPriority)],
    ['last_transition', { t: 'raw', v: secUsec(i.lastTransitionUs) }],
    ['garp_delay', g(i.garpDelay)],
    ['garp_refresh', u(Math.floor(i.garpRefresh))],
    ['garp_rep', u(i.garpRepeat)],
    ['garp_refresh_rep', u(i.garpRefreshRepeat)],
    ['garp_lower_prio_delay', u(Math.floor(i.garpLowerPrioDelay))],
    ['garp_lower_prio_rep', u(i.garpLowerPrioRepeat)],
    ['lower_prio_no_advert', u(i.lowerPrioNoAdvert)],
    ['higher_prio_send_advert', u(i.higherPrioSendAdvert)],
    ['vrid', u(i.vrid)],
    ['base_priority', u(i.basePriority)],
    ['effective_priority', u(i.effectivePriority)],
    ['vipset', b(i.vipSet)],
    ['promote_secondaries', b(i.promoteSecondaries)],
    ['adver_int', g(i.advertIntUs / 1e6)],
    ['master_adver_int', g(i.masterAdverIntUs / 1e6)],
    ['accept', u(i.accept)],
    ['nopreempt', b(i.nopreempt)],
    ['preempt_delay', u(Math.floor(i.preemptDelay))],
    ['state', u(stateNumber(i.state))],
    ['wantstate', u(stateNumber(i.wantState))],
    ['version', u(i.version)],
    ['smtp_alert', b(i.smtpAlert)],
    ['notify_deleted', b(i.notifyDeleted)],
  );
  const n = i.notify;
  const scripts: [string, typeof n.backup][] = [
    ['script_backup', n.backup],
    ['script_master', n.master],
    ['script_fault', n.fault],
    ['script_stop', n.stop],
    ['script_deleted', n.deleted],
    ['script', n.generic],
    ['script_master_rx_lower_pri', n.masterRxLowerPri],
  ];
  for (const [k, c] of scripts) if (c) f.push([k, s(cmdStr(c.args))]);
  const lists: [string, readonly string[]][] = [
    ['vips', i.vips],
    ['evips', i.evips],
    ['vroutes', i.vroutes],
    ['vrules', i.vrules],
    ['track_ifp', i.trackInterfaces.map((t) => t.name)],
    ['track_script', i.trackScriptCommands.map((c) => cmdStr(c))],
  ];
  if (version === 2) lists.push(['track_process', i.trackProcesses.map((t) => t.name)]);
  for (const [k, l] of lists) if (l.length) f.push([k, strings(l)]);
  f.push(['auth_type', u(i.auth.type === 'none' ? 0 : i.auth.type === 'pass' ? 1 : 2)]);
  if (i.auth.type === 'pass') f.push(['auth_data', s(i.auth.password)]);
  else if (i.auth.type === 'ah') f.push(['auth_data', s('')]);
  return { t: 'o', v: f };
}

function stats(i: DumpInstance): Value {
  const t = i.stats;
  return {
    t: 'o',
    v: [
      ['advert_rcvd', u(t.advertRcvd)],
      ['advert_sent', u(t.advertSent)],
      ['become_master', u(t.becomeMaster)],
      ['release_master', u(t.releaseMaster)],
      ['packet_len_err', u(t.packetLenErr)],
      ['advert_interval_err', u(t.advertIntervalErr)],
      ['ip_ttl_err', u(t.ipTtlErr)],
      ['invalid_type_rcvd', u(t.invalidTypeRcvd)],
      ['addr_list_err', u(t.addrListErr)],
      ['invalid_authtype', u(t.invalidAuthtype)],
      ['authtype_mismatch', u(t.authtypeMismatch)],
      ['auth_failure', u(t.authFailure)],
      ['pri_zero_rcvd', u(t.priZeroRcvd)],
      ['pri_zero_sent', u(t.priZeroSent)],
    ],
  };
}

function trackProcess(p: DumpTrackProcess): Value {
  const f: [string, Value][] = [['process', s(p.name)]];
  if (p.params !== undefined) f.push(['parameters', s(p.params)]);
  f.push(['param_match', s(p.paramMatch ?? 'none')], ['min_processes', u(p.quorum)]);
  if (p.quorumMax !== undefined) f.push(['max_processes', u(p.quorumMax)]);
  f.push(
    ['current_processes', u(p.current)],
    ['have_quorum', b(p.haveQuorum)],
    ['weight', { t: 'i', v: p.reverse ? -p.weight : p.weight }],
    ['terminate_delay', g(p.terminateDelay)],
    ['fork_delay', g(p.forkDelay)],
    ['fork_delay_timer_running', b(p.forkTimerRunning)],
    ['terminate_delay_timer_running', b(p.terminateTimerRunning)],
    ['full_command', b(p.fullCommand)],
  );
  return { t: 'o', v: f };
}

/**
 * The text of /tmp/keepalived.json, or null when keepalived writes no file (no instance).
 * @param version json_version; by default the configuration's (1 unless set)
 */
export function formatVrrpJson(snap: DumpSnapshot, version: 1 | 2 = snap.globals.jsonVersion): string | null {
  if (snap.instances.length === 0) return null;
  const instances: Value = { t: 'a', v: snap.instances.map((i): Value => ({ t: 'o', v: [['data', data(i, version)], ['stats', stats(i)]] })) };
  if (version === 1) return `${write(instances)}\n`;
  const top: [string, Value][] = [['vrrp', instances]];
  if (snap.trackProcesses.length) top.push(['track_process', { t: 'a', v: snap.trackProcesses.map(trackProcess) }]);
  return `${write({ t: 'o', v: top })}\n`;
}
