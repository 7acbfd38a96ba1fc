/** The kernel table as `ipvsadm -Ln` prints it, and as JSON (pure). */
import { AF_INET, AF_INET6, forwardName, hostPort, IPPROTO_TCP, IPPROTO_UDP, SvcFlag, type IpvsDestEntry, type IpvsInfo, type IpvsServiceEntry } from './codec.js';
import { parseIp } from '../config/address.js';

export interface TableEntry {
  service: IpvsServiceEntry;
  dests: IpvsDestEntry[];
}

function addressBytes(address: string): number[] {
  return parseIp(address)?.bytes.slice() ?? [];
}

function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** ipvsadm's order (libipvs ipvs_cmp_services): fwmark, family, protocol, address, port. */
export function sortTable(entries: readonly TableEntry[]): TableEntry[] {
  const sorted = entries.map((e) => ({
    service: e.service,
    dests: [...e.dests].sort((a, b) => compareBytes(addressBytes(a.address), addressBytes(b.address)) || a.port - b.port),
  }));
  return sorted.sort(
    (x, y) =>
      x.service.fwmark - y.service.fwmark ||
      x.service.af - y.service.af ||
      x.service.protocol - y.service.protocol ||
      compareBytes(addressBytes(x.service.address), addressBytes(y.service.address)) ||
      x.service.port - y.service.port,
  );
}

const padEnd = (s: string | number, n: number): string => String(s).padEnd(n);

function schedulerFlags(s: IpvsServiceEntry): string {
  const names =
    s.scheduler === 'sh' ? ['sh-fallback', 'sh-port', 'flag-3'] : s.scheduler === 'mh' ? ['mh-fallback', 'mh-port', 'flag-3'] : ['flag-1', 'flag-2', 'flag-3'];
  return [SvcFlag.SCHED1, SvcFlag.SCHED2, SvcFlag.SCHED3]
    .map((f, i) => (s.flags & f ? names[i] : null))
    .filter((n) => n !== null)
    .join(',');
}

function ipv4Mask(prefix: number): string {
  const m = prefix <= 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [m >>> 24, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff].join('.');
}

function serviceLine(s: IpvsServiceEntry): string {
  let name: string;
  if (s.fwmark) name = `FWM  ${s.fwmark}${s.af === AF_INET6 ? ' IPv6' : ''}`;
  else {
    const proto = s.protocol === IPPROTO_TCP ? 'TCP' : s.protocol === IPPROTO_UDP ? 'UDP' : 'SCTP';
    name = `${proto.padEnd(4)} ${hostPort(s.af, s.address, s.port)}`;
    if (s.af !== AF_INET6) name = name.slice(0, 33);
  }
  let line = `${name} ${s.scheduler}`;
  const flags = schedulerFlags(s);
  if (flags) line += ` (${flags})`;
  if (s.flags & SvcFlag.PERSISTENT) {
    line += ` persistent ${s.timeout}`;
    if (s.af === AF_INET && s.netmask !== 32) line += ` mask ${ipv4Mask(s.netmask)}`;
    if (s.af === AF_INET6 && s.netmask !== 128) line += ` mask ${s.netmask}`;
    if (s.peName) line += ` pe ${s.peName}`;
  }
  if (s.flags & SvcFlag.ONEPACKET) line += ' ops';
  return line;
}

function destLine(d: IpvsDestEntry): string {
  let name = hostPort(d.af, d.address, d.port);
  if (d.af !== AF_INET6) name = name.slice(0, 28);
  return `  -> ${padEnd(name, 28)} ${padEnd(forwardName(d.forward), 7)} ${padEnd(d.weight, 6)} ${padEnd(d.activeConns, 10)} ${padEnd(d.inactiveConns, 10)}`;
}

/** `ipvsadm -Ln`. */
export function formatTable(info: IpvsInfo, entries: readonly TableEntry[]): string {
  const v = info.version;
  const lines = [
    `IP Virtual Server version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff} (size=${info.connectionTableSize})`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const e of sortTable(entries)) {
    lines.push(serviceLine(e.service));
    for (const d of e.dests) lines.push(destLine(d));
  }
  return `${lines.join('\n')}\n`;
}

/** The same table as JSON, with names instead of numbers where ipvsadm shows names. */
export function tableJson(info: IpvsInfo, entries: readonly TableEntry[]): unknown {
  const v = info.version;
  return {
    version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`,
    connectionTableSize: info.connectionTableSize,
    services: sortTable(entries).map(({ service, dests }) => ({
      ...service,
      family: service.af === AF_INET6 ? 'inet6' : 'inet',
      dests: dests.map((d) => ({ ...d, family: d.af === AF_INET6 ? 'inet6' : 'inet', forwardName: forwardName(d.forward) })),
    })),
  };
}
