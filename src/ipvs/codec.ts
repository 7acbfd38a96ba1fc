/**
 * The IPVS generic-netlink family (linux/ip_vs.h): commands, service and destination
 * attributes, statistics, timeouts, sync daemons. Pure: bytes in, objects out.
 *
 * Layout: genl header {cmd, version 1} + attributes. Service identity is an
 * IPVS_CMD_ATTR_SERVICE nest (AF, then FWMARK or PROTOCOL + ADDR (16 bytes) + PORT (network
 * order)); destination commands carry the service nest and an IPVS_CMD_ATTR_DEST nest.
 */
import { isIP } from 'node:net';
import { asciiz, decodeAttributes, encodeAttributes, NLA_F_NESTED, readAsciiz, u16, u32, u8, type Attribute } from '../netlink/codec.js';
import { decodeGenl, encodeGenl } from '../netlink/genl.js';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IpvsCmd = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;

const CMD_ATTR = { SERVICE: 1, DEST: 2, DAEMON: 3, TIMEOUT_TCP: 4, TIMEOUT_TCP_FIN: 5, TIMEOUT_UDP: 6 } as const;
const SVC_ATTR = { AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8, NETMASK: 9, STATS: 10, PE_NAME: 11, STATS64: 12 } as const;
const DEST_ATTR = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;
const DAEMON_ATTR = { STATE: 1, MCAST_IFN: 2, SYNC_ID: 3, SYNC_MAXLEN: 4, MCAST_GROUP: 5, MCAST_GROUP6: 6, MCAST_PORT: 7, MCAST_TTL: 8 } as const;
const INFO_ATTR = { VERSION: 1, CONN_TAB_SIZE: 2 } as const;
const STATS_NAMES = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** Service flags (IP_VS_SVC_F_*). HASHED is the kernel's own bookkeeping. */
export const SvcFlag = { PERSISTENT: 0x1, HASHED: 0x2, ONEPACKET: 0x4, SCHED1: 0x8, SCHED2: 0x10, SCHED3: 0x20 } as const;
/** Forwarding methods (IP_VS_CONN_F_FWD_MASK values). */
export const Forward = { MASQ: 0, LOCALNODE: 1, TUNNEL: 2, DROUTE: 3, BYPASS: 4 } as const;
export const TunnelType = { IPIP: 0, GUE: 1, GRE: 2 } as const;
export const TunnelFlag = { NOCSUM: 0, CSUM: 1, REMCSUM: 2 } as const;
export const SyncState = { MASTER: 1, BACKUP: 2 } as const;

export interface IpvsService {
  /** AF_INET or AF_INET6. */
  af: number;
  /** IPPROTO_TCP/UDP/SCTP; 0 for a fwmark service. */
  protocol: number;
  /** Virtual address; the family's unspecified address for a fwmark service. */
  address: string;
  port: number;
  /** 0 for an address service. */
  fwmark: number;
  scheduler: string;
  /** IP_VS_SVC_F_* (HASHED never included). */
  flags: number;
  /** Persistence timeout, seconds. */
  timeout: number;
  /** Persistence granularity as a prefix length (IPv4 netmasks are sent as masks). */
  netmask: number;
  /** Persistence engine, e.g. `sip`; '' for none. */
  peName: string;
}

export interface IpvsDest {
  address: string;
  port: number;
  /** The destination's own family (may differ from the service's for TUN). */
  af: number;
  forward: number;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  /** TUN only. */
  tunnelType: number;
  tunnelPort: number;
  tunnelFlags: number;
}

export interface IpvsStats {
  conns: number;
  inpkts: number;
  outpkts: number;
  inbytes: number;
  outbytes: number;
  cps: number;
  inpps: number;
  outpps: number;
  inbps: number;
  outbps: number;
}

export interface IpvsServiceEntry extends IpvsService {
  stats: IpvsStats;
}

export interface IpvsDestEntry extends IpvsDest {
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats: IpvsStats;
}

export interface IpvsInfo {
  /** e.g. 0x010201 for 1.2.1. */
  version: number;
  connectionTableSize: number;
}

/** Connection timeouts in seconds (0 leaves a value unchanged on SET_CONFIG). */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export interface IpvsDaemon {
  state: number;
  interface: string;
  syncId: number;
  maxLength?: number;
  /** Multicast group, IPv4 or IPv6. */
  group?: string;
  port?: number;
  ttl?: number;
}

// ---- small helpers ------------------------------------------------------------------------

const nest = (type: number, attrs: Attribute[]): Attribute => ({ type: type | NLA_F_NESTED, data: encodeAttributes(attrs) });
function be16(v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
}
const view = (d: Uint8Array): Buffer => Buffer.from(d.buffer, d.byteOffset, d.byteLength);
const rdU16 = (d: Uint8Array): number => (d.length >= 2 ? view(d).readUInt16LE(0) : 0);
const rdBe16 = (d: Uint8Array): number => (d.length >= 2 ? view(d).readUInt16BE(0) : 0);
const rdU32 = (d: Uint8Array): number => (d.length >= 4 ? view(d).readUInt32LE(0) : 0);
const rdU64 = (d: Uint8Array): number => (d.length >= 8 ? Number(view(d).readBigUInt64LE(0)) : rdU32(d));

/** 16-byte `union nf_inet_addr` (IPv4 in the first 4 bytes). */
export function inetAddr(address: string): Uint8Array {
  const out = new Uint8Array(16);
  const kind = isIP(address);
  if (kind === 4) out.set(address.split('.').map(Number), 0);
  else if (kind === 6) out.set(ipv6Bytes(address), 0);
  else throw new Error(`not an IP address: ${address}`);
  return out;
}

function ipv6Bytes(text: string): number[] {
  let s = text;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    s = `${s.slice(0, -v4[1]!.length)}0:0`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  const bytes = groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The textual address of a 16-byte (or 4-byte) field for a family. */
export function formatInetAddr(af: number, d: Uint8Array): string {
  if (af === AF_INET) return d.length >= 4 ? `${d[0]}.${d[1]}.${d[2]}.${d[3]}` : '0.0.0.0';
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((d[i] ?? 0) << 8) | (d[i + 1] ?? 0)).toString(16));
  // RFC 5952: the longest run (of two or more) of zero groups becomes ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function familyOf(address: string): number {
  return isIP(address) === 6 ? AF_INET6 : AF_INET;
}

/** Prefix length → the IPv4 netmask's network-order bytes as the u32 the kernel reads. */
function ipv4MaskBytes(prefix: number): Uint8Array {
  const mask = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return Uint8Array.of(mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff);
}

function ipv4MaskPrefix(d: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 4 && i < d.length; i++) {
    let b = d[i]!;
    while (b & 0x80) {
      n++;
      b = (b << 1) & 0xff;
    }
    if (d[i] !== 0xff) break;
  }
  return n;
}

// ---- encoding -----------------------------------------------------------------------------

function serviceIdentity(s: Pick<IpvsService, 'af' | 'protocol' | 'address' | 'port' | 'fwmark'>): Attribute[] {
  const attrs: Attribute[] = [{ type: SVC_ATTR.AF, data: u16(s.af) }];
  if (s.fwmark) attrs.push({ type: SVC_ATTR.FWMARK, data: u32(s.fwmark) });
  else
    attrs.push(
      { type: SVC_ATTR.PROTOCOL, data: u16(s.protocol) },
      { type: SVC_ATTR.ADDR, data: inetAddr(s.address) },
      { type: SVC_ATTR.PORT, data: be16(s.port) },
    );
  return attrs;
}

function serviceFull(s: IpvsService): Attribute[] {
  const flags = new Uint8Array(8);
  view(flags).writeUInt32LE(s.flags >>> 0, 0);
  view(flags).writeUInt32LE(0xffffffff, 4); // mask: every flag is set or cleared as given
  const attrs = [...serviceIdentity(s), { type: SVC_ATTR.SCHED_NAME, data: asciiz(s.scheduler) }];
  if (s.peName) attrs.push({ type: SVC_ATTR.PE_NAME, data: asciiz(s.peName) });
  attrs.push(
    { type: SVC_ATTR.FLAGS, data: flags },
    { type: SVC_ATTR.TIMEOUT, data: u32(s.timeout) },
    { type: SVC_ATTR.NETMASK, data: s.af === AF_INET ? ipv4MaskBytes(s.netmask) : u32(s.netmask) },
  );
  return attrs;
}

function destIdentity(d: Pick<IpvsDest, 'af' | 'address' | 'port'>): Attribute[] {
  return [
    { type: DEST_ATTR.ADDR_FAMILY, data: u16(d.af) },
    { type: DEST_ATTR.ADDR, data: inetAddr(d.address) },
    { type: DEST_ATTR.PORT, data: be16(d.port) },
  ];
}

function destFull(d: IpvsDest): Attribute[] {
  const attrs = [...destIdentity(d), { type: DEST_ATTR.FWD_METHOD, data: u32(d.forward) }, { type: DEST_ATTR.WEIGHT, data: u32(d.weight) }];
  if (d.forward === Forward.TUNNEL) {
    attrs.push({ type: DEST_ATTR.TUN_TYPE, data: u8(d.tunnelType) });
    if (d.tunnelType === TunnelType.GUE) attrs.push({ type: DEST_ATTR.TUN_PORT, data: be16(d.tunnelPort) });
    if (d.tunnelType !== TunnelType.IPIP) attrs.push({ type: DEST_ATTR.TUN_FLAGS, data: u16(d.tunnelFlags) });
  }
  attrs.push({ type: DEST_ATTR.U_THRESH, data: u32(d.upperThreshold) }, { type: DEST_ATTR.L_THRESH, data: u32(d.lowerThreshold) });
  return attrs;
}

const message = (cmd: number, attrs: Attribute[]): Uint8Array => encodeGenl(cmd, IPVS_GENL_VERSION, encodeAttributes(attrs));

export type ServiceIdentity = Pick<IpvsService, 'af' | 'protocol' | 'address' | 'port' | 'fwmark'>;
export type DestIdentity = Pick<IpvsDest, 'af' | 'address' | 'port'>;

export const encodeNewService = (s: IpvsService): Uint8Array => message(IpvsCmd.NEW_SERVICE, [nest(CMD_ATTR.SERVICE, serviceFull(s))]);
export const encodeSetService = (s: IpvsService): Uint8Array => message(IpvsCmd.SET_SERVICE, [nest(CMD_ATTR.SERVICE, serviceFull(s))]);
export const encodeDelService = (s: ServiceIdentity): Uint8Array => message(IpvsCmd.DEL_SERVICE, [nest(CMD_ATTR.SERVICE, serviceIdentity(s))]);
/** One service (no dump flag) or, with no argument, the request for a dump of all. */
export const encodeGetService = (s?: ServiceIdentity): Uint8Array =>
  message(IpvsCmd.GET_SERVICE, s ? [nest(CMD_ATTR.SERVICE, serviceIdentity(s))] : []);
export const encodeNewDest = (s: ServiceIdentity, d: IpvsDest): Uint8Array =>
  message(IpvsCmd.NEW_DEST, [nest(CMD_ATTR.SERVICE, serviceIdentity(s)), nest(CMD_ATTR.DEST, destFull(d))]);
export const encodeSetDest = (s: ServiceIdentity, d: IpvsDest): Uint8Array =>
  message(IpvsCmd.SET_DEST, [nest(CMD_ATTR.SERVICE, serviceIdentity(s)), nest(CMD_ATTR.DEST, destFull(d))]);
export const encodeDelDest = (s: ServiceIdentity, d: DestIdentity): Uint8Array =>
  message(IpvsCmd.DEL_DEST, [nest(CMD_ATTR.SERVICE, serviceIdentity(s)), nest(CMD_ATTR.DEST, destIdentity(d))]);
/** Dump request for the destinations of one service. */
export const encodeGetDests = (s: ServiceIdentity): Uint8Array => message(IpvsCmd.GET_DEST, [nest(CMD_ATTR.SERVICE, serviceIdentity(s))]);
export const encodeGetInfo = (): Uint8Array => message(IpvsCmd.GET_INFO, []);
export const encodeFlush = (): Uint8Array => message(IpvsCmd.FLUSH, []);
export const encodeZero = (s?: ServiceIdentity): Uint8Array => message(IpvsCmd.ZERO, s ? [nest(CMD_ATTR.SERVICE, serviceIdentity(s))] : []);
export const encodeGetConfig = (): Uint8Array => message(IpvsCmd.GET_CONFIG, []);
export function encodeSetConfig(t: Partial<IpvsTimeouts>): Uint8Array {
  const attrs: Attribute[] = [];
  if (t.tcp !== undefined) attrs.push({ type: CMD_ATTR.TIMEOUT_TCP, data: u32(t.tcp) });
  if (t.tcpFin !== undefined) attrs.push({ type: CMD_ATTR.TIMEOUT_TCP_FIN, data: u32(t.tcpFin) });
  if (t.udp !== undefined) attrs.push({ type: CMD_ATTR.TIMEOUT_UDP, data: u32(t.udp) });
  return message(IpvsCmd.SET_CONFIG, attrs);
}
export function encodeNewDaemon(d: IpvsDaemon): Uint8Array {
  const attrs: Attribute[] = [
    { type: DAEMON_ATTR.STATE, data: u32(d.state) },
    { type: DAEMON_ATTR.MCAST_IFN, data: asciiz(d.interface) },
    { type: DAEMON_ATTR.SYNC_ID, data: u32(d.syncId) },
  ];
  if (d.maxLength !== undefined) attrs.push({ type: DAEMON_ATTR.SYNC_MAXLEN, data: u16(d.maxLength) });
  if (d.group !== undefined) {
    if (isIP(d.group) === 6) attrs.push({ type: DAEMON_ATTR.MCAST_GROUP6, data: inetAddr(d.group) });
    else attrs.push({ type: DAEMON_ATTR.MCAST_GROUP, data: inetAddr(d.group).subarray(0, 4) });
  }
  if (d.port !== undefined) attrs.push({ type: DAEMON_ATTR.MCAST_PORT, data: u16(d.port) });
  if (d.ttl !== undefined) attrs.push({ type: DAEMON_ATTR.MCAST_TTL, data: u8(d.ttl) });
  return message(IpvsCmd.NEW_DAEMON, [nest(CMD_ATTR.DAEMON, attrs)]);
}
export const encodeDelDaemon = (state: number, syncId: number): Uint8Array =>
  message(IpvsCmd.DEL_DAEMON, [nest(CMD_ATTR.DAEMON, [{ type: DAEMON_ATTR.STATE, data: u32(state) }, { type: DAEMON_ATTR.SYNC_ID, data: u32(syncId) }])]);
export const encodeGetDaemon = (): Uint8Array => message(IpvsCmd.GET_DAEMON, []);

// ---- decoding -----------------------------------------------------------------------------

const byType = (attrs: Attribute[]): Map<number, Uint8Array> => new Map(attrs.map((a) => [a.type & 0x3fff, a.data]));

function zeroStats(): IpvsStats {
  return { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0, cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
}

function decodeStats(d: Uint8Array | undefined, wide: boolean): IpvsStats {
  const stats = zeroStats();
  if (!d) return stats;
  for (const a of decodeAttributes(d)) {
    const name = STATS_NAMES[(a.type & 0x3fff) - 1];
    if (name) stats[name] = wide ? rdU64(a.data) : rdU32(a.data);
  }
  return stats;
}

function topLevel(payload: Uint8Array): Map<number, Uint8Array> | null {
  const m = decodeGenl(payload);
  return m ? byType(m.attributes) : null;
}

/** A service nest's attributes as an entry; null when its identity is incomplete. */
export function decodeServiceAttributes(data: Uint8Array): IpvsServiceEntry | null {
  const a = byType(decodeAttributes(data));
  const afData = a.get(SVC_ATTR.AF);
  if (!afData) return null;
  const af = rdU16(afData);
  const fwmark = a.has(SVC_ATTR.FWMARK) ? rdU32(a.get(SVC_ATTR.FWMARK)!) : 0;
  if (!fwmark && !(a.has(SVC_ATTR.PROTOCOL) && a.has(SVC_ATTR.ADDR) && a.has(SVC_ATTR.PORT))) return null;
  const flagsData = a.get(SVC_ATTR.FLAGS);
  const netmaskData = a.get(SVC_ATTR.NETMASK);
  return {
    af,
    protocol: fwmark ? 0 : rdU16(a.get(SVC_ATTR.PROTOCOL)!),
    address: fwmark ? (af === AF_INET ? '0.0.0.0' : '::') : formatInetAddr(af, a.get(SVC_ATTR.ADDR)!),
    port: fwmark ? 0 : rdBe16(a.get(SVC_ATTR.PORT)!),
    fwmark,
    scheduler: a.has(SVC_ATTR.SCHED_NAME) ? readAsciiz(a.get(SVC_ATTR.SCHED_NAME)!) : '',
    flags: (flagsData ? rdU32(flagsData) : 0) & ~SvcFlag.HASHED,
    timeout: a.has(SVC_ATTR.TIMEOUT) ? rdU32(a.get(SVC_ATTR.TIMEOUT)!) : 0,
    netmask: netmaskData ? (af === AF_INET ? ipv4MaskPrefix(netmaskData) : rdU32(netmaskData)) : af === AF_INET ? 32 : 128,
    peName: a.has(SVC_ATTR.PE_NAME) ? readAsciiz(a.get(SVC_ATTR.PE_NAME)!) : '',
    stats: a.has(SVC_ATTR.STATS64) ? decodeStats(a.get(SVC_ATTR.STATS64), true) : decodeStats(a.get(SVC_ATTR.STATS), false),
  };
}

/** One GET_SERVICE reply (dump part). */
export function decodeServiceReply(payload: Uint8Array): IpvsServiceEntry | null {
  const nestData = topLevel(payload)?.get(CMD_ATTR.SERVICE);
  return nestData ? decodeServiceAttributes(nestData) : null;
}

/** A dest nest's attributes; `serviceAf` is the family when the kernel sends no ADDR_FAMILY. */
export function decodeDestAttributes(data: Uint8Array, serviceAf: number): IpvsDestEntry | null {
  const a = byType(decodeAttributes(data));
  if (!a.has(DEST_ATTR.ADDR) || !a.has(DEST_ATTR.PORT)) return null;
  const af = a.has(DEST_ATTR.ADDR_FAMILY) ? rdU16(a.get(DEST_ATTR.ADDR_FAMILY)!) : serviceAf;
  const n = (t: number): number => (a.has(t) ? rdU32(a.get(t)!) : 0);
  const forward = n(DEST_ATTR.FWD_METHOD) & 0x7;
  return {
    address: formatInetAddr(af, a.get(DEST_ATTR.ADDR)!),
    port: rdBe16(a.get(DEST_ATTR.PORT)!),
    af,
    forward,
    weight: n(DEST_ATTR.WEIGHT) | 0,
    upperThreshold: n(DEST_ATTR.U_THRESH),
    lowerThreshold: n(DEST_ATTR.L_THRESH),
    tunnelType: a.has(DEST_ATTR.TUN_TYPE) ? a.get(DEST_ATTR.TUN_TYPE)![0]! : 0,
    tunnelPort: a.has(DEST_ATTR.TUN_PORT) ? rdBe16(a.get(DEST_ATTR.TUN_PORT)!) : 0,
    tunnelFlags: a.has(DEST_ATTR.TUN_FLAGS) ? rdU16(a.get(DEST_ATTR.TUN_FLAGS)!) : 0,
    activeConns: n(DEST_ATTR.ACTIVE_CONNS),
    inactiveConns: n(DEST_ATTR.INACT_CONNS),
    persistentConns: n(DEST_ATTR.PERSIST_CONNS),
    stats: a.has(DEST_ATTR.STATS64) ? decodeStats(a.get(DEST_ATTR.STATS64), true) : decodeStats(a.get(DEST_ATTR.STATS), false),
  };
}

/** One GET_DEST reply (dump part). */
export function decodeDestReply(payload: Uint8Array, serviceAf: number): IpvsDestEntry | null {
  const nestData = topLevel(payload)?.get(CMD_ATTR.DEST);
  return nestData ? decodeDestAttributes(nestData, serviceAf) : null;
}

export function decodeInfoReply(payload: Uint8Array): IpvsInfo | null {
  const a = topLevel(payload);
  if (!a?.has(INFO_ATTR.VERSION)) return null;
  return { version: rdU32(a.get(INFO_ATTR.VERSION)!), connectionTableSize: a.has(INFO_ATTR.CONN_TAB_SIZE) ? rdU32(a.get(INFO_ATTR.CONN_TAB_SIZE)!) : 0 };
}

export function decodeConfigReply(payload: Uint8Array): IpvsTimeouts | null {
  const a = topLevel(payload);
  if (!a) return null;
  const n = (t: number): number => (a.has(t) ? rdU32(a.get(t)!) : 0);
  return { tcp: n(CMD_ATTR.TIMEOUT_TCP), tcpFin: n(CMD_ATTR.TIMEOUT_TCP_FIN), udp: n(CMD_ATTR.TIMEOUT_UDP) };
}

export function decodeDaemonReply(payload: Uint8Array): IpvsDaemon | null {
  const nestData = topLevel(payload)?.get(CMD_ATTR.DAEMON);
  if (!nestData) return null;
  const a = byType(decodeAttributes(nestData));
  if (!a.has(DAEMON_ATTR.STATE)) return null;
  const d: IpvsDaemon = {
    state: rdU32(a.get(DAEMON_ATTR.STATE)!),
    interface: a.has(DAEMON_ATTR.MCAST_IFN) ? readAsciiz(a.get(DAEMON_ATTR.MCAST_IFN)!) : '',
    syncId: a.has(DAEMON_ATTR.SYNC_ID) ? rdU32(a.get(DAEMON_ATTR.SYNC_ID)!) : 0,
  };
  if (a.has(DAEMON_ATTR.SYNC_MAXLEN)) d.maxLength = rdU16(a.get(DAEMON_ATTR.SYNC_MAXLEN)!);
  if (a.has(DAEMON_ATTR.MCAST_GROUP6)) d.group = formatInetAddr(AF_INET6, a.get(DAEMON_ATTR.MCAST_GROUP6)!);
  else if (a.has(DAEMON_ATTR.MCAST_GROUP)) d.group = formatInetAddr(AF_INET, a.get(DAEMON_ATTR.MCAST_GROUP)!);
  if (a.has(DAEMON_ATTR.MCAST_PORT)) d.port = rdU16(a.get(DAEMON_ATTR.MCAST_PORT)!);
  if (a.has(DAEMON_ATTR.MCAST_TTL)) d.ttl = a.get(DAEMON_ATTR.MCAST_TTL)![0]!;
  return d;
}

// ---- identities ---------------------------------------------------------------------------

export function serviceKey(s: ServiceIdentity): string {
  return s.fwmark ? `fwm:${s.af}:${s.fwmark}` : `${s.af}:${s.protocol}:${s.address}:${s.port}`;
}

export function destKey(d: DestIdentity): string {
  return `${d.af}:${d.address}:${d.port}`;
}

export const protocolName = (p: number): string => ({ [IPPROTO_TCP]: 'TCP', [IPPROTO_UDP]: 'UDP', [IPPROTO_SCTP]: 'SCTP' })[p] ?? `proto ${p}`;
export const forwardName = (f: number): string => ['Masq', 'Local', 'Tunnel', 'Route', 'Bypass'][f] ?? 'Unknown';

/** `TCP 192.0.2.100:80`, `FWM 7 IPv6`, for logs. */
export function describeService(s: ServiceIdentity): string {
  if (s.fwmark) return `FWM ${s.fwmark}${s.af === AF_INET6 ? ' IPv6' : ''}`;
  return `${protocolName(s.protocol)} ${hostPort(s.af, s.address, s.port)}`;
}

export function hostPort(af: number, address: string, port: number): string {
  return af === AF_INET6 ? `[${address}]:${port}` : `${address}:${port}`;
}
