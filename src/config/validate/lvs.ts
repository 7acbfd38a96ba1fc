/**
 * What keepalived checks once the whole file is read, for virtual servers (keepalived:
 * check/check_data.c `validate_check_config()`). Reported without a line, as keepalived does.
 */
import type { KeepalivedConfig } from '../model.js';
import type { Parser } from '../parser.js';
import { Grade } from '../diagnostics.js';
import { completeCheckers } from '../checkers/index.js';
import { groupFamilies, type VirtualServer, type VirtualServerGroup, type VirtualServerGroupEntry } from '../keywords/virtual-server.js';
import { explicitWeight, type RealServer } from '../keywords/real-server.js';
import { familyOfServer, setFamilyOfServer } from '../keywords/lvs-common.js';
import { formatIp, parseIp } from '../address.js';

function error(p: Parser, message: string): void {
  p.report(Grade.GeneralError, message, null);
}

/** keepalived's FMT_VS; a group service is numbered among the services of its group. */
function describe(vs: VirtualServer, groupMember?: number): string {
  if (vs.group !== undefined) return `[${vs.group}]:${groupMember ?? vs.port ?? 0}`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  // keepalived's FMT_VS: the address always in brackets, the protocol in lower case
  return `[${vs.ip}]:${protocolName(vs)}:${vs.port}`;
}

function protocolName(vs: VirtualServer): string {
  return vs.protocol?.toLowerCase() ?? 'none';
}

/** keepalived's FMT_RS: the server with the service's protocol. */
function describeServer(rs: { ip: string; port: number }, vs: VirtualServer): string {
  return `[${rs.ip}]:${protocolName(vs)}:${rs.port}`;
}

/** keepalived's format_vsge(): `FWM n`, `first-last,port` for a range, else `addr,port`. */
function describeGroupEntry(e: VirtualServerGroupEntry): string {
  if (e.fwmark !== undefined) return `FWM ${e.fwmark}`;
  const a = parseIp(e.ip!)!;
  const end = [...a.bytes];
  if (e.range_end !== undefined) {
    if (a.family === 'inet') end[3] = e.range_end;
    else [end[14], end[15]] = [e.range_end >> 8, e.range_end & 0xff];
  } else if (e.prefix !== undefined) {
    for (let bit = e.prefix; bit < end.length * 8; bit++) end[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  const last = formatIp({ family: a.family, bytes: end });
  return last === e.ip ? `${e.ip},${e.port ?? 0}` : `${e.ip}-${last},${e.port ?? 0}`;
}

/**
 * keepalived's link_vsg_to_vs(): a service naming a group that does not exist, or whose
 * families do not fit its own, is dropped with only a log message (no configuration error).
 */
function linkGroups(config: KeepalivedConfig, p: Parser): Map<VirtualServer, number> {
  const info = (message: string): void => p.report(Grade.Info, message, null);
  config.virtual_server = config.virtual_server.filter((vs) => {
    if (vs.group === undefined) return true;
    const group = config.virtual_server_group.find((g) => g.name === vs.group);
    if (!group) {
      info(`Virtual server group ${vs.group} specified but not configured - ignoring virtual server ${describe(vs)}`);
      return false;
    }
    const families = groupFamilies(group);
    const af = familyOfServer(vs);
    if (families.inet && families.inet6 && af !== undefined) {
      info(`${vs.group}: virtual server group with IPv4 & IPv6 doesn't match virtual server ${describe(vs)} - ignoring`);
      return false;
    }
    if ((families.inet && af === 'inet6') || (families.inet6 && af === 'inet')) {
      info(`${vs.group}: address family doesn't match virtual server ${describe(vs)} - ignoring`);
      return false;
    }
    if (families.inet !== families.inet6) setFamilyOfServer(vs, families.inet ? 'inet' : 'inet6');
    else if (af === undefined && group.entries.some((e) => e.fwmark !== undefined && e.family === undefined)) {
      info(`${vs.group}: Virtual server ${describe(vs)} address family cannot be determined, defaulting to IPv4`);
    }
    return true;
  });
  const members = new Map<VirtualServer, number>();
  const counts = new Map<string, number>();
  for (const vs of config.virtual_server) {
    if (vs.group === undefined) continue;
    const n = counts.get(vs.group) ?? 0;
    members.set(vs, n);
    counts.set(vs.group, n + 1);
  }
  return members;
}

export function completeLvs(config: KeepalivedConfig, p: Parser): void {
  const members = linkGroups(config, p);
  config.virtual_server = config.virtual_server.filter((vs) => {
    const name = (): string => describe(vs, members.get(vs));
    if (vs.real_server.length === 0) {
      error(p, `Virtual server ${name()} has no real servers - ignoring`);
      return false;
    }
    const group = vs.group === undefined ? undefined : config.virtual_server_group.find((g) => g.name === vs.group);
    const groupAddrs = group?.entries.filter((e) => e.ip !== undefined) ?? [];
    const groupMarks = group?.entries.some((e) => e.fwmark !== undefined) ?? false;
    const byFwmark = vs.fwmark !== undefined || (group !== undefined && groupAddrs.length === 0 && groupMarks);
    if (vs.ha_suspend && (vs.fwmark !== undefined || groupMarks)) {
      error(p, `Virtual server ${name()}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
      vs.ha_suspend = false;
    }
    if (groupAddrs.length > 0 || (vs.group === undefined && vs.fwmark === undefined)) {
      if (vs.protocol === undefined) {
        error(p, `Virtual server ${name()}: no protocol set - defaulting to UDP`);
        vs.protocol = 'UDP';
      }
      if (vs.ops && vs.protocol !== 'UDP') {
        error(p, `Virtual server ${name()}: one packet scheduling requires UDP - resetting`);
        vs.ops = false;
      }
      if (!vs.persistence_timeout && vs.group === undefined && vs.fwmark === undefined && vs.port === 0) {
        error(p, `Virtual server ${name()}: zero port only valid for persistent services - setting`);
        vs.persistence_timeout = 360;
      }
    }
    if (!vs.persistence_timeout && groupAddrs.some((e) => !e.port)) {
      error(p, `Virtual server ${name()}: zero port only valid for persistent services - setting`);
      vs.persistence_timeout = 360;
    }
    if (vs.protocol !== undefined && byFwmark) {
      error(p, `Warning: Virtual server ${name()}: protocol specified for fwmark - protocol will be ignored`);
      delete vs.protocol;
    }
    if (vs.lvs_sched === undefined) {
      error(p, `Virtual server ${name()}: no scheduler set, setting default 'wlc'`);
      vs.lvs_sched = 'wlc';
    }
    const globalAlert = config.global_defs.smtp_alert_checker ?? config.global_defs.smtp_alert;
    vs.smtp_alert ??= globalAlert ?? false;

    // the real servers: duplicates, inherited settings, and the sorry server among them
    let weightSum = 0;
    const kept: RealServer[] = [];
    for (const rs of vs.real_server) {
      if (kept.some((k) => k.ip === rs.ip && k.port === rs.port)) {
        error(p, `VS ${name()}: real server ${describeServer(rs, vs)} is duplicated - removing second rs`);
        continue;
      }
      if (rs.lvs_method === undefined) {
        if (vs.lvs_method === undefined) {
          error(p, `Virtual server ${name()}: no forwarding method set, setting default NAT`);
          vs.lvs_method = 'NAT';
        }
        rs.lvs_method = vs.lvs_method;
        if (vs.tunnel_type !== undefined) rs.tunnel_type = vs.tunnel_type;
        if (vs.tunnel_port !== undefined) rs.tunnel_port = vs.tunnel_port;
        if (vs.tunnel_checksum !== undefined) rs.tunnel_checksum = vs.tunnel_checksum;
      }
      rs.inhibit_on_failure ??= vs.inhibit_on_failure ?? false;
      if (!explicitWeight.has(rs)) rs.weight = vs.weight ?? 1;
      // keepalived's default here is on, unlike everywhere else
      rs.smtp_alert ??= globalAlert ?? true;
      weightSum += rs.weight;
      const ss = vs.sorry_server;
      if (ss && ss.ip === rs.ip && ss.port === rs.port && (ss.inhibit ?? false) !== rs.inhibit_on_failure) {
        error(
          p,
          `Virtual server ${name()}: real server ${describeServer(rs, vs)} matches sorry server, but inhibit setting differs, ${rs.inhibit_on_failure ? 'sett' : 'clear'}ing on sorry server`,
        );
        ss.inhibit = rs.inhibit_on_failure;
      }
      kept.push(rs);
    }
    vs.real_server = kept;
    if (vs.sorry_server && vs.sorry_server.lvs_method === undefined) {
      if (vs.lvs_method === undefined) {
        error(p, `Virtual server ${name()}: no forwarding method set, setting default NAT`);
        vs.lvs_method = 'NAT';
      }
      vs.sorry_server.lvs_method = vs.lvs_method;
      if (vs.tunnel_type !== undefined) vs.sorry_server.tunnel_type = vs.tunnel_type;
      if (vs.tunnel_port !== undefined) vs.sorry_server.tunnel_port = vs.tunnel_port;
      if (vs.tunnel_checksum !== undefined) vs.sorry_server.tunnel_checksum = vs.tunnel_checksum;
    }
    if (vs.quorum > weightSum) {
      error(p, `Warning - quorum ${vs.quorum} for ${name()} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
      vs.quorum = weightSum;
    }
    if (vs.hysteresis >= vs.quorum) {
      // unsigned in keepalived: a quorum of 0 gives the largest hysteresis
      const h = vs.quorum === 0 ? 4294967295 : vs.quorum - 1;
      error(p, `Virtual server ${name()}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
      vs.hysteresis = h;
    }
    checkPorts(vs, group, name(), p);
    for (const rs of vs.real_server) completeCheckers(rs, vs, p);
    return true;
  });
}

/**
 * Unless forwarding by NAT, real and sorry servers cannot change the port: keepalived checks it
 * against the service (resetting it), or against each address of its group, and a fwmark
 * service's servers have none.
 */
function checkPorts(vs: VirtualServer, group: VirtualServerGroup | undefined, name: string, p: Parser): void {
  const ss = vs.sorry_server;
  if (group) {
    if (group.entries.some((e) => e.fwmark !== undefined)) {
      for (const rs of vs.real_server) {
        if (rs.lvs_method !== 'NAT' && rs.port) {
          error(p, `WARNING - fwmark virtual server ${name}, real server ${describeServer(rs, vs)} has port specified - port will be ignored`);
        }
      }
      if (ss && ss.lvs_method !== 'NAT' && ss.port) error(p, `WARNING - fwmark virtual server ${name}, sorry server has port specified - port will be ignored`);
    }
    for (const e of group.entries) {
      if (e.ip === undefined) continue;
      for (const rs of vs.real_server) {
        if (rs.lvs_method !== 'NAT' && rs.port && rs.port !== (e.port ?? 0)) {
          error(p, `virtual server ${name}:[${describeGroupEntry(e)}] and real server ${describeServer(rs, vs)} ports don't match`);
        }
      }
      if (ss && ss.lvs_method !== 'NAT' && ss.port && ss.port !== (e.port ?? 0)) {
        error(p, `WARNING - virtual server ${name}, sorry server has port specified - port will be ignored`);
      }
    }
    return;
  }
  const fwmark = vs.fwmark !== undefined;
  for (const rs of vs.real_server) {
    if (rs.lvs_method === 'NAT') {
      if (!fwmark && !rs.port) rs.port = vs.port ?? 0;
      continue;
    }
    if (fwmark) {
      if (rs.port) {
        error(p, `WARNING - fwmark virtual server ${name}, real server ${describeServer(rs, vs)} has port specified - clearing`);
        rs.port = 0;
      }
    } else if (!rs.port) rs.port = vs.port ?? 0;
    else if (rs.port !== vs.port) {
      error(p, `WARNING - virtual server ${name} and real server ${describeServer(rs, vs)} ports don't match - resetting`);
      rs.port = vs.port ?? 0;
    }
  }
  if (ss && ss.lvs_method !== 'NAT') {
    if (fwmark) {
      if (ss.port) {
        error(p, `WARNING - virtual server ${name}, sorry server has port specified - clearing`);
        ss.port = 0;
      }
    } else if (!ss.port) ss.port = vs.port ?? 0;
    else if (ss.port !== vs.port) {
      error(p, `WARNING - virtual server ${name} and sorry server ports don't match - resetting`);
      ss.port = vs.port ?? 0;
    }
  }
}
