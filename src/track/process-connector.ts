/**
 * The Linux process-events connector (linux/connector.h, linux/cn_proc.h), as keepalived's
 * vrrp_track_process uses it: the multicast listen/ignore request, and the proc_event messages
 * the kernel multicasts to group CN_IDX_PROC. Pure: bytes in, objects out; bad bytes give a
 * reason, never an exception. Host byte order is little-endian, as in src/netlink/codec.ts.
 */
import { decodeMessages, encodeMessage, NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NlmsgHeaderLength } from '../netlink/codec.js';

/** The netlink protocol of the connector (linux/netlink.h). */
export const NETLINK_CONNECTOR = 11;
/** The connector id (and multicast group) of the process-events connector. */
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;

export const PROC_CN_MCAST_LISTEN = 1;
export const PROC_CN_MCAST_IGNORE = 2;

export const PROC_EVENT_NONE = 0;
export const PROC_EVENT_FORK = 0x1;
export const PROC_EVENT_EXEC = 0x2;
export const PROC_EVENT_COMM = 0x200;
export const PROC_EVENT_EXIT = 0x80000000;

/** struct cn_msg: cb_id {idx, val}, seq, ack, len (u16), flags (u16). */
export const CnMsgLength = 20;
/** struct proc_event up to event_data: what, cpu, timestamp_ns (u64). */
const ProcEventHeaderLength = 16;
/** event_data bytes each decoded event needs. */
const EventDataLength = { ack: 4, fork: 16, exec: 8, comm: 8 + 16, exit: 16 } as const;
/** The comm of a task is at most TASK_COMM_LEN (16) bytes with its NUL. */
const TaskCommLength = 16;

/** Fields every decoded event carries: the connector sequence number counts per CPU. */
interface EventBase {
  readonly cpu: number;
  readonly seq: number;
}

/**
 * A decoded proc_event. Pids are thread ids and tgids process ids: an event whose pid differs
 * from its tgid concerns a thread, which keepalived ignores.
 */
export type ProcEvent =
  /** PROC_EVENT_NONE, the kernel's answer to a listen/ignore request; err 0 means done. */
  | (EventBase & { readonly kind: 'ack'; readonly err: number })
  | (EventBase & { readonly kind: 'fork'; readonly parentPid: number; readonly parentTgid: number; readonly childPid: number; readonly childTgid: number })
  | (EventBase & { readonly kind: 'exec'; readonly pid: number; readonly tgid: number })
  /** The task's name (/proc/PID/comm) changed, e.g. prctl(PR_SET_NAME). */
  | (EventBase & { readonly kind: 'comm'; readonly pid: number; readonly tgid: number; readonly comm: string })
  | (EventBase & { readonly kind: 'exit'; readonly pid: number; readonly tgid: number; readonly exitCode: number; readonly exitSignal: number });

export interface DecodedDatagram {
  readonly events: ProcEvent[];
  /** Why parts of the datagram were dropped (malformed); event kinds not decoded here are skipped silently. */
  readonly problems: string[];
}

/**
 * The subscribe (`listen`) or unsubscribe (`ignore`) request: nlmsghdr (type NLMSG_DONE),
 * cn_msg {CN_IDX_PROC, CN_VAL_PROC, len 4}, then the enum proc_cn_mcast_op. 40 bytes.
 */
export function encodeMcastRequest(op: 'listen' | 'ignore', portId = 0, seq = 0): Uint8Array {
  const payload = Buffer.alloc(CnMsgLength + 4);
  payload.writeUInt32LE(CN_IDX_PROC, 0);
  payload.writeUInt32LE(CN_VAL_PROC, 4);
  payload.writeUInt32LE(seq >>> 0, 8); // cn_msg.seq
  payload.writeUInt32LE(0, 12); // cn_msg.ack
  payload.writeUInt16LE(4, 16); // cn_msg.len: the op that follows
  payload.writeUInt32LE(op === 'listen' ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE, CnMsgLength);
  return encodeMessage({ type: NLMSG_DONE, flags: 0, seq, pid: portId, payload });
}

/**
 * Whether a datagram came from the kernel: the sender's sockaddr_nl (as recvmsg gives it) has
 * port id 0. keepalived drops anything else (track_process.c: handle_proc_ev).
 */
export function fromKernel(sockaddr: Uint8Array): boolean {
  if (sockaddr.length < 8) return false;
  return Buffer.from(sockaddr.buffer, sockaddr.byteOffset, sockaddr.byteLength).readUInt32LE(4) === 0;
}

/** Every proc_event of a datagram (the kernel sends one per datagram, but a datagram may hold several). */
export function decodeDatagram(data: Uint8Array): DecodedDatagram {
  const events: ProcEvent[] = [];
  const problems: string[] = [];
  const messages = decodeMessages(data);
  let consumed = 0;
  for (const m of messages) {
    consumed += align4(NlmsgHeaderLength + m.payload.length);
    // keepalived skips errors and no-ops (track_process.c: handle_proc_ev)
    if (m.type === NLMSG_ERROR || m.type === NLMSG_NOOP) continue;
    const r = decodeConnectorMessage(m.payload);
    if (typeof r === 'string') problems.push(r);
    else if (r) events.push(r);
  }
  if (consumed < data.length) problems.push(`malformed netlink message at byte ${consumed} of ${data.length}`);
  return { events, problems };
}

/**
 * One netlink payload (cn_msg + proc_event): the event, null when it is not one decoded here
 * (another connector, UID/GID/SID/PTRACE/COREDUMP events), or why it is malformed.
 */
export function decodeConnectorMessage(payload: Uint8Array): ProcEvent | null | string {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (b.length < CnMsgLength) return `connector message of ${b.length} bytes, shorter than cn_msg`;
  if (b.readUInt32LE(0) !== CN_IDX_PROC || b.readUInt32LE(4) !== CN_VAL_PROC) return null;
  const seq = b.readUInt32LE(8);
  const ack = b.readUInt32LE(12);
  const len = b.readUInt16LE(16);
  const ev = b.subarray(CnMsgLength, CnMsgLength + len);
  if (ev.length < ProcEventHeaderLength || ev.length < len) return `proc_event of ${ev.length} bytes (cn_msg.len ${len}) is truncated`;
  const what = ev.readUInt32LE(0);
  const cpu = ev.readUInt32LE(4);
  const data = ev.subarray(ProcEventHeaderLength);
  // Only PROC_EVENT_NONE is an acknowledgement (track_process.c: handle_proc_ev)
  if ((what === PROC_EVENT_NONE) !== (ack !== 0)) return null;
  const need = (n: number, kind: string): string | null =>
    data.length < n ? `${kind} event with ${data.length} bytes of event data, needs ${n}` : null;
  const pidAt = (off: number): number => data.readInt32LE(off);
  switch (what) {
    case PROC_EVENT_NONE:
      return need(EventDataLength.ack, 'ack') ?? { kind: 'ack', cpu, seq, err: data.readUInt32LE(0) };
    case PROC_EVENT_FORK:
      return (
        need(EventDataLength.fork, 'fork') ?? {
          kind: 'fork',
          cpu,
          seq,
          parentPid: pidAt(0),
          parentTgid: pidAt(4),
          childPid: pidAt(8),
          childTgid: pidAt(12),
        }
      );
    case PROC_EVENT_EXEC:
      return need(EventDataLength.exec, 'exec') ?? { kind: 'exec', cpu, seq, pid: pidAt(0), tgid: pidAt(4) };
    case PROC_EVENT_COMM: {
      const missing = need(EventDataLength.comm, 'comm');
      if (missing) return missing;
      const raw = data.subarray(8, 8 + TaskCommLength);
      const nul = raw.indexOf(0);
      return { kind: 'comm', cpu, seq, pid: pidAt(0), tgid: pidAt(4), comm: raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8') };
    }
    case PROC_EVENT_EXIT:
      return (
        need(EventDataLength.exit, 'exit') ?? {
          kind: 'exit',
          cpu,
          seq,
          pid: pidAt(0),
          tgid: pidAt(4),
          exitCode: data.readUInt32LE(8),
          exitSignal: data.readUInt32LE(12),
        }
      );
    default:
      return null;
  }
}

const align4 = (n: number): number => (n + 3) & ~3;
