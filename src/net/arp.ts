/**
 * Gratuitous ARP frames (RFC 5227 §3 "ARP Announcement"), as keepalived sends them on takeover:
 * an Ethernet broadcast carrying an ARP request whose sender and target protocol addresses are
 * both the virtual address and whose target hardware address is the broadcast address. Pure.
 */
export const EtherTypeArp = 0x0806;
export const BroadcastMac = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function buildGratuitousArp(mac: Uint8Array, address: Uint8Array): Uint8Array {
  if (mac.length !== 6) throw new RangeError('an Ethernet address has 6 bytes');
  if (address.length !== 4) throw new RangeError('gratuitous ARP is for IPv4 addresses');
  const frame = new Uint8Array(42);
  const view = new DataView(frame.buffer);
  frame.set(BroadcastMac, 0);
  frame.set(mac, 6);
  view.setUint16(12, EtherTypeArp);
  view.setUint16(14, 1); // hardware type Ethernet
  view.setUint16(16, 0x0800); // protocol type IPv4
  frame[18] = 6;
  frame[19] = 4;
  view.setUint16(20, 1); // request
  frame.set(mac, 22);
  frame.set(address, 28);
  frame.set(BroadcastMac, 32);
  frame.set(address, 38);
  return frame;
}

export function formatMac(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function parseMac(text: string): Uint8Array | null {
  const m = /^([0-9a-fA-F]{2})(?::([0-9a-fA-F]{2})){5}$/.test(text) ? text.split(':') : null;
  return m ? new Uint8Array(m.map((h) => parseInt(h, 16))) : null;
}
