/**
 * IPVS over generic netlink (the kernel edge): family resolution, requests with a bounded
 * number in flight (so acknowledgements never overflow the socket's receive buffer), dumps.
 * Messages are built and read by ./codec.ts.
 */
import { NLM_F_DUMP } from '../netlink/codec.js';
import { genericNetlinkSocket, resolveFamily } from '../netlink/generic.js';
import type { NetlinkMessage } from '../netlink/codec.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import {
  decodeConfigReply,
  decodeDaemonReply,
  decodeDestReply,
  decodeInfoReply,
  decodeServiceReply,
  describeService,
  encodeDelDaemon,
  encodeDelDest,
  encodeDelService,
  encodeFlush,
  encodeGetConfig,
  encodeGetDaemon,
  encodeGetDests,
  encodeGetInfo,
  encodeGetService,
  encodeNewDaemon,
  encodeNewDest,
  encodeNewService,
  encodeSetConfig,
  encodeSetDest,
  encodeSetService,
  encodeZero,
  hostPort,
  IPVS_GENL_NAME,
  type DestIdentity,
  type IpvsDaemon,
  type IpvsDest,
  type IpvsDestEntry,
  type IpvsInfo,
  type IpvsService,
  type IpvsServiceEntry,
  type IpvsTimeouts,
  type ServiceIdentity,
} from './codec.js';

/**
 * Requests in flight at once. Each acknowledgement holds under 1 KiB of receive buffer until
 * read; 128 stay within the default net.core.rmem_max when the socket cannot force a bigger one.
 */
const Window = 128;

export class IpvsUnavailableError extends Error {}

export class IpvsClient {
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  private constructor(
    readonly socket: NetlinkSocket,
    readonly familyId: number,
  ) {}

  /**
   * Open a socket and resolve the "IPVS" family. Without IPVS in the kernel (no module, or
   * a kernel built without it) this rejects with IpvsUnavailableError.
   */
  static async open(): Promise<IpvsClient> {
    const socket = genericNetlinkSocket();
    try {
      const family = await resolveFamily(socket, IPVS_GENL_NAME);
      return new IpvsClient(socket, family.id);
    } catch (e) {
      socket.close();
      if ((e as { code?: string }).code === 'ENOENT')
        throw new IpvsUnavailableError('the kernel has no IPVS (generic netlink family "IPVS" not found; is the ip_vs module loaded?)');
      throw e;
    }
  }

  async #request(payload: Uint8Array, what: string, dump = false): Promise<NetlinkMessage[]> {
    if (this.#inFlight >= Window) await new Promise<void>((r) => this.#waiting.push(r));
    this.#inFlight++;
    try {
      return await this.socket.request(this.familyId, dump ? NLM_F_DUMP : 0, payload, what);
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  async info(): Promise<IpvsInfo> {
    const replies = await this.#request(encodeGetInfo(), 'IPVS get info');
    const info = replies.map((r) => decodeInfoReply(r.payload)).find((i) => i !== null);
    if (!info) throw new Error('IPVS get info: no version in the answer');
    return info;
  }

  async services(): Promise<IpvsServiceEntry[]> {
    const replies = await this.#request(encodeGetService(), 'IPVS list services', true);
    return replies.map((r) => decodeServiceReply(r.payload)).filter((s): s is IpvsServiceEntry => s !== null);
  }

  async dests(s: ServiceIdentity): Promise<IpvsDestEntry[]> {
    const replies = await this.#request(encodeGetDests(s), `IPVS list destinations of ${describeService(s)}`, true);
    return replies.map((r) => decodeDestReply(r.payload, s.af)).filter((d): d is IpvsDestEntry => d !== null);
  }

  /** Every service with its destinations. */
  async table(): Promise<{ service: IpvsServiceEntry; dests: IpvsDestEntry[] }[]> {
    const services = await this.services();
    return Promise.all(services.map(async (service) => ({ service, dests: await this.dests(service) })));
  }

  addService(s: IpvsService): Promise<unknown> {
    return this.#request(encodeNewService(s), `add service ${describeService(s)}`);
  }
  editService(s: IpvsService): Promise<unknown> {
    return this.#request(encodeSetService(s), `edit service ${describeService(s)}`);
  }
  deleteService(s: ServiceIdentity): Promise<unknown> {
    return this.#request(encodeDelService(s), `delete service ${describeService(s)}`);
  }
  addDest(s: ServiceIdentity, d: IpvsDest): Promise<unknown> {
    return this.#request(encodeNewDest(s, d), `add ${hostPort(d.af, d.address, d.port)} to ${describeService(s)}`);
  }
  editDest(s: ServiceIdentity, d: IpvsDest): Promise<unknown> {
    return this.#request(encodeSetDest(s, d), `edit ${hostPort(d.af, d.address, d.port)} in ${describeService(s)}`);
  }
  deleteDest(s: ServiceIdentity, d: DestIdentity): Promise<unknown> {
    return this.#request(encodeDelDest(s, d), `delete ${hostPort(d.af, d.address, d.port)} from ${describeService(s)}`);
  }
  flush(): Promise<unknown> {
    return this.#request(encodeFlush(), 'IPVS flush');
  }
  zero(s?: ServiceIdentity): Promise<unknown> {
    return this.#request(encodeZero(s), s ? `zero counters of ${describeService(s)}` : 'zero all counters');
  }
  async timeouts(): Promise<IpvsTimeouts> {
    const replies = await this.#request(encodeGetConfig(), 'IPVS get timeouts');
    const t = replies.map((r) => decodeConfigReply(r.payload)).find((x) => x !== null);
    if (!t) throw new Error('IPVS get timeouts: empty answer');
    return t;
  }
  setTimeouts(t: Partial<IpvsTimeouts>): Promise<unknown> {
    return this.#request(encodeSetConfig(t), 'IPVS set timeouts');
  }
  async daemons(): Promise<IpvsDaemon[]> {
    const replies = await this.#request(encodeGetDaemon(), 'IPVS list sync daemons', true);
    return replies.map((r) => decodeDaemonReply(r.payload)).filter((d): d is IpvsDaemon => d !== null);
  }
  startDaemon(d: IpvsDaemon): Promise<unknown> {
    return this.#request(encodeNewDaemon(d), `start sync daemon ${d.state === 1 ? 'master' : 'backup'} on ${d.interface}`);
  }
  stopDaemon(state: number, syncId: number): Promise<unknown> {
    return this.#request(encodeDelDaemon(state, syncId), `stop sync daemon ${state === 1 ? 'master' : 'backup'}`);
  }

  close(): void {
    this.socket.close();
  }
}
