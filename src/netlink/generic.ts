/** Generic netlink families (the kernel edge): resolve a family name to its message type. */
import { nativeSockets } from '../native/index.js';
import { decodeFamily, GENL_ID_CTRL, getFamilyRequest, type GenlFamily } from './genl.js';
import { NetlinkSocket } from './socket.js';

/** A NETLINK_GENERIC socket. */
export function genericNetlinkSocket(timeoutMs?: number): NetlinkSocket {
  return new NetlinkSocket(nativeSockets().constants.NETLINK_GENERIC, timeoutMs);
}

/** The family registered under `name`; rejects with ENOENT when the kernel has none. */
export async function resolveFamily(socket: NetlinkSocket, name: string): Promise<GenlFamily> {
  const replies = await socket.request(GENL_ID_CTRL, 0, getFamilyRequest(name), `resolve generic netlink family ${name}`);
  for (const r of replies) {
    const f = decodeFamily(r.payload);
    if (f) return f;
  }
  throw new Error(`resolve generic netlink family ${name}: no family id in the answer`);
}
