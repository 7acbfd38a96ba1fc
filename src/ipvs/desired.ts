/**
 * The IPVS table a configuration asks for (pure): every `virtual_server` (expanded through
 * its `virtual_server_group`: address ranges give one service per address, fwmark entries
 * one fwmark service each) with the destinations its real servers' health allows, and the
 * sorry server when the quorum is lost (keepalived: check/ipwrapper.c, ipvswrapper.c).
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VirtualServer, VirtualServerGroupEntry } from '../config/keywords/virtual-server.js';
import type { RealServer } from '../config/keywords/real-server.js';
import type { LvsForwarding } from '../config/keywords/lvs-common.js';
import { parseIp, formatIp } from '../config/address.js';
import {
  AF_INET,
  AF_INET6,
  destKey,
  familyOf,
  Forward,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  serviceKey,
  SvcFlag,
  TunnelFlag,
  TunnelType,
  type IpvsDest,
  type IpvsService,
} from './codec.js';

/** keepalived's IPVS_SVC_PERSISTENT_TIMEOUT. */
export const DefaultPersistenceSeconds = 360;
/** The most services one group entry may expand to (a /16 of IPv6 words is 65,536). */
const MaxRangeAddresses = 65_536;

export interface DesiredService {
  service: IpvsService;
  /** By destKey. */
  dests: Map<string, IpvsDest>;
  /** The configuration's name for it, for logs: `[192.0.2.100]:tcp:80`, `FWM 7`, `[group]:0`. */
  origin: string;
}

/** By serviceKey. */
export type DesiredTable = Map<string, DesiredService>;

/**
 * What the health checks say of a real server: alive or not, and its current weight. The
 * checker pool supplies this; without checkers every real server is alive at its weight.
 */
export interface RealServerHealth {
  alive(vs: VirtualServer, rs: RealServer): boolean;
  weight(vs: VirtualServer, rs: RealServer): number;
  /** The quorum state when the caller tracks it (hysteresis needs history); else weights decide. */
  quorumUp?(vs: VirtualServer): boolean;
}

export const AllAlive: RealServerHealth = {
  alive: () => true,
  weight: (_vs, rs) => rs.weight,
};

export interface DesiredResult {
  table: DesiredTable;
  /** Services configured twice (the first one wins), for a log line each. */
  conflicts: string[];
}

export function desiredTable(config: Pick<KeepalivedConfig, 'virtual_server' | 'virtual_server_group'>, health: RealServerHealth = AllAlive): DesiredResult {
  const table: DesiredTable = new Map();
  const conflicts: string[] = [];
  for (const vs of config.virtual_server) {
    const dests = destsFor(vs, health);
    for (const service of servicesOf(vs, config)) {
      const key = serviceKey(service);
      if (table.has(key)) {
        conflicts.push(`${describeVs(vs)} repeats ${table.get(key)!.origin} - ignoring the second`);
        continue;
      }
      const own = new Map<string, IpvsDest>();
      for (const d of dests) {
        // DR and TUN reach the real server on the service's port; fwmark services use port 0
        const dest = d.forward === Forward.MASQ && !service.fwmark ? d : { ...d, port: service.port };
        own.set(destKey(dest), dest);
      }
      table.set(key, { service, dests: own, origin: describeVs(vs) });
    }
  }
  return { table, conflicts };
}

export function describeVs(vs: VirtualServer): string {
  if (vs.group !== undefined) return `[${vs.group}]:${vs.port ?? 0}`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return `[${vs.ip}]:${vs.protocol?.toLowerCase() ?? 'udp'}:${vs.port ?? 0}`;
}

const protocols = { TCP: IPPROTO_TCP, UDP: IPPROTO_UDP, SCTP: IPPROTO_SCTP } as const;

function vsFamily(vs: VirtualServer, entry?: VirtualServerGroupEntry): number {
  if (entry?.ip !== undefined) return familyOf(entry.ip);
  if (vs.ip !== undefined) return familyOf(vs.ip);
  if (vs.ip_family !== undefined) return vs.ip_family === 'inet6' ? AF_INET6 : AF_INET;
  const first = vs.real_server[0];
  return first ? familyOf(first.ip) : AF_INET;
}

function serviceTemplate(vs: VirtualServer, af: number): Omit<IpvsService, 'protocol' | 'address' | 'port' | 'fwmark'> {
  const extra = vs as unknown as Record<string, boolean | undefined>;
  let flags = 0;
  let timeout = vs.persistence_timeout ?? 0;
  if (!timeout && vs.persistence_granularity !== undefined) timeout = DefaultPersistenceSeconds;
  if (timeout) flags |= SvcFlag.PERSISTENT;
  if (vs.ops) flags |= SvcFlag.ONEPACKET;
  if (vs['flag-1'] || extra['sh-fallback'] || extra['mh-fallback']) flags |= SvcFlag.SCHED1;
  if (vs['flag-2'] || extra['sh-port'] || extra['mh-port']) flags |= SvcFlag.SCHED2;
  if (vs['flag-3']) flags |= SvcFlag.SCHED3;
  return {
    af,
    scheduler: vs.lvs_sched ?? 'wlc',
    flags,
    timeout,
    netmask: granularityPrefix(vs.persistence_granularity, af),
    peName: vs.persistence_engine ?? '',
  };
}

function granularityPrefix(g: string | undefined, af: number): number {
  if (g === undefined) return af === AF_INET ? 32 : 128;
  if (/^[0-9]+$/.test(g)) return Number(g);
  const a = parseIp(g);
  if (!a) return 32;
  return a.bytes.reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0);
}

function servicesOf(vs: VirtualServer, config: Pick<KeepalivedConfig, 'virtual_server_group'>): IpvsService[] {
  const protocol = protocols[vs.protocol ?? 'UDP'];
  if (vs.fwmark !== undefined) {
    const af = vsFamily(vs);
    return [{ ...serviceTemplate(vs, af), protocol: 0, address: af === AF_INET ? '0.0.0.0' : '::', port: 0, fwmark: vs.fwmark }];
  }
  if (vs.group === undefined) {
    const af = vsFamily(vs);
    return [{ ...serviceTemplate(vs, af), protocol, address: vs.ip!, port: vs.port ?? 0, fwmark: 0 }];
  }
  const group = config.virtual_server_group.find((g) => g.name === vs.group);
  const out: IpvsService[] = [];
  for (const e of group?.entries ?? []) {
    const af = vsFamily(vs, e);
    if (e.fwmark !== undefined) {
      out.push({ ...serviceTemplate(vs, af), protocol: 0, address: af === AF_INET ? '0.0.0.0' : '::', port: 0, fwmark: e.fwmark });
      continue;
    }
    for (const address of rangeAddresses(e)) out.push({ ...serviceTemplate(vs, af), protocol, address, port: e.port ?? 0, fwmark: 0 });
  }
  return out;
}

/**
 * The addresses of a group entry: `a.b.c.d-e` runs over the last byte (IPv4) or the last
 * 16-bit group (IPv6); `a.b.c.d/nn` from the address to the end of its prefix.
 */
export function rangeAddresses(e: VirtualServerGroupEntry): string[] {
  const a = e.ip === undefined ? null : parseIp(e.ip);
  if (!a) return [];
  const v4 = a.family === 'inet';
  const last = v4 ? a.bytes[3]! : (a.bytes[14]! << 8) | a.bytes[15]!;
  let end = e.range_end ?? last;
  if (e.range_end === undefined && e.prefix !== undefined) {
    const hostBits = (v4 ? 32 : 128) - e.prefix;
    const lowBits = Math.min(hostBits, v4 ? 8 : 16);
    end = last | ((1 << lowBits) - 1);
  }
  const out: string[] = [];
  for (let n = last; n <= end && out.length < MaxRangeAddresses; n++) {
    const bytes = [...a.bytes];
    if (v4) bytes[3] = n;
    else [bytes[14], bytes[15]] = [n >> 8, n & 0xff];
    out.push(formatIp({ family: a.family, bytes }));
  }
  return out;
}

function forwarding(f: LvsForwarding): Pick<IpvsDest, 'forward' | 'tunnelType' | 'tunnelPort' | 'tunnelFlags'> {
  const forward = f.lvs_method === 'DR' ? Forward.DROUTE : f.lvs_method === 'TUN' ? Forward.TUNNEL : Forward.MASQ;
  return {
    forward,
    tunnelType: f.tunnel_type === 'gue' ? TunnelType.GUE : f.tunnel_type === 'gre' ? TunnelType.GRE : TunnelType.IPIP,
    tunnelPort: f.tunnel_port ?? 0,
    tunnelFlags: f.tunnel_checksum === 'csum' ? TunnelFlag.CSUM : f.tunnel_checksum === 'remcsum' ? TunnelFlag.REMCSUM : TunnelFlag.NOCSUM,
  };
}

/** keepalived's real_weight(): clamped to 0..INT32_MAX. */
const clampWeight = (w: number): number => Math.max(0, Math.min(0x7fffffff, Math.trunc(w)));

function destsFor(vs: VirtualServer, health: RealServerHealth): IpvsDest[] {
  const alive = vs.real_server.filter((rs) => health.alive(vs, rs));
  const weightSum = alive.reduce((s, rs) => s + clampWeight(health.weight(vs, rs)), 0);
  const quorumUp = health.quorumUp ? health.quorumUp(vs) : weightSum >= vs.quorum && weightSum > 0;
  const sorry = vs.sorry_server;
  if (!quorumUp && sorry) {
    // the sorry server alone, weight 1
    return [{ address: sorry.ip, port: sorry.port || (vs.port ?? 0), af: familyOf(sorry.ip), weight: 1, upperThreshold: 0, lowerThreshold: 0, ...forwarding(sorry) }];
  }
  const out: IpvsDest[] = [];
  for (const rs of vs.real_server) {
    const up = alive.includes(rs);
    if (!up && !rs.inhibit_on_failure) continue;
    out.push({
      address: rs.ip,
      port: rs.port,
      af: familyOf(rs.ip),
      weight: up ? clampWeight(health.weight(vs, rs)) : 0,
      upperThreshold: rs.uthreshold ?? 0,
      lowerThreshold: rs.lthreshold ?? 0,
      ...forwarding(rs),
    });
  }
  if (sorry?.inhibit) {
    out.push({ address: sorry.ip, port: sorry.port || (vs.port ?? 0), af: familyOf(sorry.ip), weight: 0, upperThreshold: 0, lowerThreshold: 0, ...forwarding(sorry) });
  }
  return out;
}
