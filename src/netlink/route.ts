/** Links and addresses over rtnetlink (the kernel edge for VIPs). */
import { nativeSockets } from '../native/index.js';
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_REPLACE } from './codec.js';
import {
  addressPayload,
  decodeAddress,
  decodeLink,
  dumpPayload,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  type AddressInfo,
  type AddressRequest,
  type LinkInfo,
} from './rtnl.js';
import { NetlinkSocket } from './socket.js';

export class RouteNetlink {
  readonly #socket: NetlinkSocket;

  constructor() {
    this.#socket = new NetlinkSocket(nativeSockets().constants.NETLINK_ROUTE);
  }

  async links(): Promise<LinkInfo[]> {
    const replies = await this.#socket.request(RTM_GETLINK, NLM_F_DUMP, dumpPayload(0, 16), 'list interfaces');
    return replies.map((m) => decodeLink(m.payload)).filter((l): l is LinkInfo => l !== null);
  }

  async link(name: string): Promise<LinkInfo | null> {
    return (await this.links()).find((l) => l.name === name) ?? null;
  }

  async addresses(family: number): Promise<AddressInfo[]> {
    const replies = await this.#socket.request(RTM_GETADDR, NLM_F_DUMP, dumpPayload(family, 8), 'list addresses');
    return replies.map((m) => decodeAddress(m.payload)).filter((a): a is AddressInfo => a !== null && a.family === family);
  }

  /** Add an address; an address already present is replaced (not an error). */
  addAddress(a: AddressRequest, what: string): Promise<unknown> {
    return this.#socket.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, addressPayload(a), what);
  }

  deleteAddress(a: AddressRequest, what: string): Promise<unknown> {
    return this.#socket.request(RTM_DELADDR, 0, addressPayload(a, true), what);
  }

  close(): void {
    this.#socket.close();
  }
}
