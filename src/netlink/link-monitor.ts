/**
 * Link events from the kernel (rtnetlink group RTMGRP_LINK): which interfaces go up or down,
 * appear or disappear. The kernel edge for an instance's own interface state.
 */
import { nativeSockets, intOption, type NativeSockets } from '../native/index.js';
import { sockaddrNl } from '../net/sockaddr.js';
import { decodeMessages } from './codec.js';
import { decodeLink, IFF_LOWER_UP, IFF_UP, RTM_NEWLINK, type LinkInfo } from './rtnl.js';

export const RTMGRP_LINK = 0x1;
const RTM_DELLINK = 17;

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

export class LinkMonitor {
  readonly #n: NativeSockets;
  readonly #fd: number;
  #closed = false;

  /** `onLost` runs when events were lost (ENOBUFS): re-read the links. */
  constructor(onEvent: (e: LinkEvent) => void, onLost: () => void) {
    const n = (this.#n = nativeSockets());
    const c = n.constants;
    this.#fd = n.socket(c.AF_NETLINK, c.SOCK_RAW, c.NETLINK_ROUTE);
    try {
      n.setsockopt(this.#fd, c.SOL_SOCKET, c.SO_RCVBUF, intOption(1 << 20));
      n.bind(this.#fd, sockaddrNl(0, RTMGRP_LINK));
      n.watch(this.#fd, () => {
        for (;;) {
          let m;
          try {
            m = n.recvmsg(this.#fd, 1 << 16, 0);
          } catch {
            onLost(); // ENOBUFS: the kernel dropped events for us
            return;
          }
          if (m === null || this.#closed) return;
          for (const msg of decodeMessages(m.data)) {
            if (msg.type !== RTM_NEWLINK && msg.type !== RTM_DELLINK) continue;
            const link = decodeLink(msg.payload);
            if (!link) continue;
            const deleted = msg.type === RTM_DELLINK;
            onEvent({ link, deleted, usable: !deleted && linkUsable(link.flags) });
          }
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
