/**
 * Events from the kernel's rtnetlink multicast groups (the kernel edge): links going up or
 * down, appearing or disappearing (RTMGRP_LINK), and addresses added or removed
 * (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR).
 */
import { nativeSockets, intOption, type NativeSockets } from '../native/index.js';
import { sockaddrNl } from '../net/sockaddr.js';
import { decodeMessages, type NetlinkMessage } from './codec.js';
import { decodeLink, IFF_LOWER_UP, IFF_UP, RTM_DELADDR, RTM_NEWADDR, RTM_NEWLINK, type LinkInfo } from './rtnl.js';

export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;
const RTM_DELLINK = 17;

/** A socket joined to rtnetlink groups; `onLost` runs when the kernel dropped events (ENOBUFS). */
export class RtnetlinkEvents {
  readonly #n: NativeSockets;
  readonly #fd: number;
  #closed = false;

  constructor(groups: number, onMessage: (m: NetlinkMessage) => void, onLost: () => void) {
    const n = (this.#n = nativeSockets());
    const c = n.constants;
    this.#fd = n.socket(c.AF_NETLINK, c.SOCK_RAW, c.NETLINK_ROUTE);
    try {
      n.setsockopt(this.#fd, c.SOL_SOCKET, c.SO_RCVBUF, intOption(1 << 20));
      n.bind(this.#fd, sockaddrNl(0, groups));
      n.watch(this.#fd, () => {
        for (;;) {
          let m;
          try {
            m = n.recvmsg(this.#fd, 1 << 16, 0);
          } catch {
            onLost();
            return;
          }
          if (m === null || this.#closed) return;
          for (const msg of decodeMessages(m.data)) onMessage(msg);
        }
      });
    } catch (e) {
      n.close(this.#fd);
      throw e;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#n.close(this.#fd);
  }
}

export interface LinkEvent {
  link: LinkInfo;
  /** Up and with carrier (IFF_UP and IFF_LOWER_UP), and not deleted. */
  usable: boolean;
  deleted: boolean;
}

/** Whether a link can carry VRRP: administratively up and with a carrier. */
export function linkUsable(flags: number): boolean {
  return (flags & IFF_UP) !== 0 && (flags & IFF_LOWER_UP) !== 0;
}

export class LinkMonitor extends RtnetlinkEvents {
  /** `onLost` runs when events were lost (ENOBUFS): re-read the links. */
  constructor(onEvent: (e: LinkEvent) => void, onLost: () => void) {
    super(
      RTMGRP_LINK,
      (msg) => {
        if (msg.type !== RTM_NEWLINK && msg.type !== RTM_DELLINK) return;
        const link = decodeLink(msg.payload);
        if (!link) return;
        const deleted = msg.type === RTM_DELLINK;
        onEvent({ link, deleted, usable: !deleted && linkUsable(link.flags) });
      },
      onLost,
    );
  }
}

/** Any IPv4 or IPv6 address added or removed anywhere (the caller re-reads what it needs). */
export class AddressMonitor extends RtnetlinkEvents {
  constructor(onChange: () => void) {
    super(RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, (msg) => (msg.type === RTM_NEWADDR || msg.type === RTM_DELADDR) && onChange(), onChange);
  }
}
