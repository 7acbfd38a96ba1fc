/**
 * A small packet capture for the lab and the failover bench: listens on one interface with an
 * AF_PACKET socket (kernel timestamps) and prints one JSON line per VRRP advert or gratuitous
 * ARP. Run inside the lab's switch namespace: `ip netns exec <ns> node dist/lab/capture.js br0`.
 */
import { readFileSync } from 'node:fs';
import { intOption, nativeSockets } from '../native/index.js';
import { parseControlMessages } from '../net/sockaddr.js';
import { decodeIpv4Header } from '../net/ipv4-header.js';
import { decodeVrrp, IPPROTO_VRRP } from '../vrrp/packet.js';
import { formatMac } from '../net/arp.js';

export interface CapturedEvent {
  /** Kernel receive time, seconds since the epoch (ns precision). */
  t: number;
  kind: 'advert' | 'garp';
  mac: string;
  src: string;
  /** Adverts only. */
  priority?: number;
  version?: number;
  vrid?: number;
  checksum?: string;
}

const ETH_P_ALL = 0x0003;

function htons(v: number): number {
  return ((v & 0xff) << 8) | (v >> 8);
}

/** Decode one Ethernet frame into a lab event, or null. Pure. */
export function frameEvent(frame: Uint8Array, t: number): CapturedEvent | null {
  if (frame.length < 14) return null;
  const type = (frame[12]! << 8) | frame[13]!;
  const mac = formatMac(frame.subarray(6, 12));
  if (type === 0x0806 && frame.length >= 42) {
    const op = (frame[20]! << 8) | frame[21]!;
    const sender = frame.subarray(28, 32).join('.');
    const target = frame.subarray(38, 42).join('.');
    if (op === 1 && sender === target) return { t, kind: 'garp', mac, src: sender };
    return null;
  }
  if (type !== 0x0800) return null;
  const ip = decodeIpv4Header(frame.subarray(14));
  if (!ip.ok || ip.header.protocol !== IPPROTO_VRRP) return null;
  const d = decodeVrrp(ip.payload, ip.header);
  if (!d.ok) return null;
  return {
    t,
    kind: 'advert',
    mac,
    src: [...ip.header.src].join('.'),
    priority: d.advert.priority,
    version: d.advert.version,
    vrid: d.advert.vrid,
    checksum: d.checksumForm,
  };
}

function main(ifname: string): void {
  const n = nativeSockets();
  const c = n.constants;
  const ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8'));
  const fd = n.socket(c.AF_PACKET, c.SOCK_RAW, htons(ETH_P_ALL));
  const ll = Buffer.alloc(20);
  ll.writeUInt16LE(c.AF_PACKET, 0);
  ll.writeUInt16BE(ETH_P_ALL, 2);
  ll.writeInt32LE(ifindex, 4);
  n.bind(fd, ll);
  n.setsockopt(fd, c.SOL_SOCKET, c.SO_TIMESTAMPNS, intOption(1));
  n.watch(fd, () => {
    for (;;) {
      const m = n.recvmsg(fd, 2048, 128);
      if (m === null) return;
      let t = Date.now() / 1000;
      for (const cm of parseControlMessages(m.control)) {
        if (cm.level === c.SOL_SOCKET && cm.type === c.SO_TIMESTAMPNS && cm.data.length >= 16) {
          const b = Buffer.from(cm.data);
          t = Number(b.readBigInt64LE(0)) + Number(b.readBigInt64LE(8)) / 1e9;
        }
      }
      const e = frameEvent(new Uint8Array(m.data), t);
      if (e) process.stdout.write(`${JSON.stringify(e)}\n`);
    }
  });
  process.stdout.write(`${JSON.stringify({ ready: ifname })}\n`);
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => process.exit(0));
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) main(process.argv[2] ?? 'br0');
