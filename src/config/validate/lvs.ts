/**
 * What keepalived checks once the whole file is read, for virtual servers (keepalived:
 * check/check_data.c `validate_check_config()`). Reported without a line, as keepalived does.
 */
import type { KeepalivedConfig } from '../model.js';
import type { Parser } from '../parser.js';
import { Grade } from '../diagnostics.js';
import { completeCheckers } from '../checkers/index.js';
import type { VirtualServer } from '../keywords/virtual-server.js';

function error(p: Parser, message: string): void {
  p.report(Grade.GeneralError, message, null);
}

function describe(vs: VirtualServer): string {
  if (vs.group !== undefined) return `[${vs.group}]:${vs.port ?? 0}`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  // keepalived's FMT_VS: the address always in brackets, the protocol in lower case
  return `[${vs.ip}]:${vs.protocol?.toLowerCase() ?? 'none'}:${vs.port}`;
}

export function completeLvs(config: KeepalivedConfig, p: Parser): void {
  config.virtual_server = config.virtual_server.filter((vs) => {
    if (vs.real_server.length === 0) {
      error(p, `Virtual server ${describe(vs)} has no real servers - ignoring`);
      return false;
    }
    const group = vs.group === undefined ? undefined : config.virtual_server_group.find((g) => g.name === vs.group);
    const groupAddrs = group?.entries.some((e) => e.ip !== undefined) ?? false;
    const groupMarks = group?.entries.some((e) => e.fwmark !== undefined) ?? false;
    const byFwmark = vs.fwmark !== undefined || (group !== undefined && !groupAddrs && groupMarks);
    if (vs.ha_suspend && (vs.fwmark !== undefined || groupMarks)) {
      error(p, `Virtual server ${describe(vs)}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
      vs.ha_suspend = false;
    }
    if (groupAddrs || (vs.group === undefined && vs.fwmark === undefined)) {
      if (vs.protocol === undefined) {
        error(p, `Virtual server ${describe(vs)}: no protocol set - defaulting to UDP`);
        vs.protocol = 'UDP';
      }
      if (vs.ops && vs.protocol !== 'UDP') {
        error(p, `Virtual server ${describe(vs)}: one packet scheduling requires UDP - resetting`);
        vs.ops = false;
      }
      if (!vs.persistence_timeout && vs.group === undefined && vs.fwmark === undefined && vs.port === 0) {
        error(p, `Virtual server ${describe(vs)}: zero port only valid for persistent services - setting`);
        vs.persistence_timeout = 360;
      }
    }
    if (!vs.persistence_timeout && group && group.entries.some((e) => e.ip !== undefined && !e.port)) {
      error(p, `Virtual server ${describe(vs)}: zero port only valid for persistent services - setting`);
      vs.persistence_timeout = 360;
    }
    if (vs.protocol !== undefined && byFwmark) {
      error(p, `Warning: Virtual server ${describe(vs)}: protocol specified for fwmark - protocol will be ignored`);
      delete vs.protocol;
    }
    if (vs.lvs_sched === undefined) {
      error(p, `Virtual server ${describe(vs)}: no scheduler set, setting default 'wlc'`);
      vs.lvs_sched = 'wlc';
    }
    vs.smtp_alert ??= config.global_defs.smtp_alert_checker ?? config.global_defs.smtp_alert ?? false;

    const seen = new Set<string>();
    vs.real_server = vs.real_server.filter((rs) => {
      const key = `${rs.ip}|${rs.port}`;
      if (seen.has(key)) {
        error(p, `VS ${describe(vs)}: real server ${rs.ip}:${rs.port} is duplicated - removing second rs`);
        return false;
      }
      seen.add(key);
      return true;
    });
    for (const rs of vs.real_server) {
      if (rs.lvs_method === undefined) {
        if (vs.lvs_method === undefined) {
          error(p, `Virtual server ${describe(vs)}: no forwarding method set, setting default NAT`);
          vs.lvs_method = 'NAT';
        }
        rs.lvs_method = vs.lvs_method;
        if (vs.tunnel_type !== undefined) rs.tunnel_type = vs.tunnel_type;
        if (vs.tunnel_port !== undefined) rs.tunnel_port = vs.tunnel_port;
        if (vs.tunnel_checksum !== undefined) rs.tunnel_checksum = vs.tunnel_checksum;
      }
      rs.inhibit_on_failure ??= vs.inhibit_on_failure ?? false;
      rs.smtp_alert ??= vs.smtp_alert;
    }
    if (vs.sorry_server && vs.sorry_server.lvs_method === undefined) {
      if (vs.lvs_method === undefined) {
        error(p, `Virtual server ${describe(vs)}: no forwarding method set, setting default NAT`);
        vs.lvs_method = 'NAT';
      }
      vs.sorry_server.lvs_method = vs.lvs_method;
    }
    const weightSum = vs.real_server.reduce((s, rs) => s + rs.weight, 0);
    if (vs.quorum > weightSum) {
      error(p, `Warning - quorum ${vs.quorum} for ${describe(vs)} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
      vs.quorum = weightSum;
    }
    if (vs.quorum && vs.hysteresis >= vs.quorum) {
      error(p, `Virtual server ${describe(vs)}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${vs.quorum - 1}`);
      vs.hysteresis = vs.quorum - 1;
    }
    if (byFwmark || vs.group !== undefined) {
      for (const rs of vs.real_server) {
        if (byFwmark && rs.port) error(p, `WARNING - fwmark virtual server ${describe(vs)}, real server ${rs.ip}:${rs.port} has port specified - port will be ignored`);
      }
      if (byFwmark && vs.sorry_server?.port) error(p, `WARNING - fwmark virtual server ${describe(vs)}, sorry server has port specified - port will be ignored`);
    } else if (vs.lvs_method !== 'NAT' || vs.real_server.every((rs) => rs.lvs_method !== 'NAT')) {
      for (const rs of vs.real_server) {
        if (rs.lvs_method !== 'NAT' && rs.lvs_method !== 'TUN' && rs.port !== vs.port && rs.port !== 0) {
          error(p, `WARNING - virtual server ${describe(vs)} and real server ${rs.ip}:${rs.port} ports don't match - resetting`);
          rs.port = vs.port ?? 0;
        }
      }
    }
    for (const rs of vs.real_server) completeCheckers(rs, vs, p);
    return true;
  });
}
