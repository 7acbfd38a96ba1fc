import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeConnectorMessage,
  decodeDatagram,
  encodeMcastRequest,
  fromKernel,
  PROC_EVENT_COMM,
  PROC_EVENT_EXEC,
  PROC_EVENT_EXIT,
  PROC_EVENT_FORK,
  PROC_EVENT_NONE,
} from '../../../src/track/process-connector.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * A kernel message built by hand from linux/netlink.h, connector.h and cn_proc.h (not with the
 * codec): nlmsghdr, cn_msg, then struct proc_event (what, cpu, timestamp_ns, event_data).
 */
function kernelMessage(o: { what: number; cpu?: number; seq?: number; ack?: number; idx?: number; val?: number; type?: number; data: Buffer }): Buffer {
  const ev = Buffer.alloc(16 + o.data.length);
  ev.writeUInt32LE(o.what >>> 0, 0);
  ev.writeUInt32LE(o.cpu ?? 0, 4);
  ev.writeBigUInt64LE(123456789n, 8);
  o.data.copy(ev, 16);
  const cn = Buffer.alloc(20);
  cn.writeUInt32LE(o.idx ?? 1, 0);
  cn.writeUInt32LE(o.val ?? 1, 4);
  cn.writeUInt32LE(o.seq ?? 0, 8);
  cn.writeUInt32LE(o.ack ?? 0, 12);
  cn.writeUInt16LE(ev.length, 16);
  const nl = Buffer.alloc(16);
  nl.writeUInt32LE(16 + cn.length + ev.length, 0);
  nl.writeUInt16LE(o.type ?? 3, 4); // NLMSG_DONE, as the kernel sends them
  const msg = Buffer.concat([nl, cn, ev]);
  const pad = (4 - (msg.length % 4)) % 4;
  return Buffer.concat([msg, Buffer.alloc(pad)]);
}

const ints = (...v: number[]): Buffer => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeInt32LE(x, i * 4));
  return b;
};

const fork = (parentTgid: number, childPid: number, childTgid = childPid, seq = 0, cpu = 0): Buffer =>
  kernelMessage({ what: PROC_EVENT_FORK, seq, cpu, data: ints(parentTgid, parentTgid, childPid, childTgid) });
const exec = (pid: number, tgid = pid): Buffer => kernelMessage({ what: PROC_EVENT_EXEC, data: ints(pid, tgid) });
const exit = (pid: number, tgid = pid, code = 0, signal = 17): Buffer =>
  kernelMessage({ what: PROC_EVENT_EXIT, data: Buffer.concat([ints(pid, tgid, code, signal), ints(1, 1)]) });
function comm(pid: number, name: string): Buffer {
  const c = Buffer.alloc(16);
  c.write(name, 'utf8');
  return kernelMessage({ what: PROC_EVENT_COMM, data: Buffer.concat([ints(pid, pid), c]) });
}

describe('process-events connector codec', () => {
  it('builds the listen and ignore requests byte for byte', () => {
    // nlmsghdr: len 40, type NLMSG_DONE, flags 0, seq 0, pid 0
    // cn_msg: idx CN_IDX_PROC 1, val CN_VAL_PROC 1, seq 0, ack 0, len 4, flags 0; then the op
    const header = '28000000' + '0300' + '0000' + '00000000' + '00000000';
    const cn = '01000000' + '01000000' + '00000000' + '00000000' + '0400' + '0000';
    expect(hex(encodeMcastRequest('listen'))).toBe(header + cn + '01000000');
    expect(hex(encodeMcastRequest('ignore'))).toBe(header + cn + '02000000');
    const withPort = encodeMcastRequest('listen', 4242, 9);
    expect(Buffer.from(withPort).readUInt32LE(12)).toBe(4242);
    expect(Buffer.from(withPort).readUInt32LE(8)).toBe(9);
  });

  it('decodes fork, exec, comm and exit events', () => {
    expect(decodeDatagram(fork(100, 200, 200, 7, 1))).toEqual({
      events: [{ kind: 'fork', cpu: 1, seq: 7, parentPid: 100, parentTgid: 100, childPid: 200, childTgid: 200 }],
      problems: [],
    });
    expect(decodeDatagram(exec(300, 301)).events).toEqual([{ kind: 'exec', cpu: 0, seq: 0, pid: 300, tgid: 301 }]);
    expect(decodeDatagram(comm(400, 'Web Content')).events).toEqual([{ kind: 'comm', cpu: 0, seq: 0, pid: 400, tgid: 400, comm: 'Web Content' }]);
    // a full 15-character name with its NUL, and a name filling all 16 bytes (no NUL) both read whole
    expect(decodeDatagram(comm(401, 'abcdefghijklmno')).events[0]).toMatchObject({ comm: 'abcdefghijklmno' });
    expect(decodeDatagram(comm(402, 'abcdefghijklmnop')).events[0]).toMatchObject({ comm: 'abcdefghijklmnop' });
    expect(decodeDatagram(exit(500, 500, 256, 17)).events).toEqual([
      { kind: 'exit', cpu: 0, seq: 0, pid: 500, tgid: 500, exitCode: 256, exitSignal: 17 },
    ]);
  });

  it('decodes the acknowledgement (PROC_EVENT_NONE with cn_msg.ack set) and its error', () => {
    expect(decodeDatagram(kernelMessage({ what: PROC_EVENT_NONE, ack: 1, data: ints(0) })).events).toEqual([{ kind: 'ack', cpu: 0, seq: 0, err: 0 }]);
    expect(decodeDatagram(kernelMessage({ what: PROC_EVENT_NONE, ack: 1, data: ints(1) })).events).toEqual([{ kind: 'ack', cpu: 0, seq: 0, err: 1 }]);
  });

  it('reads every message of a datagram holding several', () => {
    const d = decodeDatagram(Buffer.concat([fork(1, 2), exec(2), exit(2)]));
    expect(d.events.map((e) => e.kind)).toEqual(['fork', 'exec', 'exit']);
    expect(d.problems).toEqual([]);
  });

  it('skips other event kinds, other connectors, errors and mismatched acknowledgements silently', () => {
    const uid = kernelMessage({ what: 0x4, data: ints(1, 1, 0, 0) });
    const coredump = kernelMessage({ what: 0x40000000, data: ints(1, 1, 1, 1) });
    const otherConnector = kernelMessage({ what: PROC_EVENT_EXEC, idx: 2, data: ints(1, 1) });
    const nlError = kernelMessage({ what: PROC_EVENT_EXEC, type: 2, data: ints(1, 1) });
    const noop = kernelMessage({ what: PROC_EVENT_EXEC, type: 1, data: ints(1, 1) });
    // keepalived: only PROC_EVENT_NONE may be an ack, and it must be one
    const execFlaggedAck = kernelMessage({ what: PROC_EVENT_EXEC, ack: 1, data: ints(1, 1) });
    const noneNotAck = kernelMessage({ what: PROC_EVENT_NONE, ack: 0, data: ints(0) });
    const d = decodeDatagram(Buffer.concat([uid, coredump, otherConnector, nlError, noop, execFlaggedAck, noneNotAck, exec(9)]));
    expect(d).toEqual({ events: [{ kind: 'exec', cpu: 0, seq: 0, pid: 9, tgid: 9 }], problems: [] });
  });

  it('reports truncated or malformed bytes instead of throwing', () => {
    const short = exec(5).subarray(0, 16 + 20 + 16 + 4); // event data cut short, lengths left as they were
    expect(decodeDatagram(short).events).toEqual([]);
    expect(decodeDatagram(short).problems.length).toBe(1);
    const tooShortForFork = kernelMessage({ what: PROC_EVENT_FORK, data: ints(1, 1) });
    expect(decodeDatagram(tooShortForFork)).toEqual({ events: [], problems: ['fork event with 8 bytes of event data, needs 16'] });
    expect(decodeConnectorMessage(new Uint8Array(10))).toMatch(/shorter than cn_msg/);
    const withJunk = decodeDatagram(Buffer.concat([exec(7), Buffer.from([0xff, 0xff, 0, 0, 1])]));
    expect(withJunk.events).toHaveLength(1);
    expect(withJunk.problems).toEqual(['malformed netlink message at byte 60 of 65']);
    expect(decodeDatagram(new Uint8Array(0))).toEqual({ events: [], problems: [] });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const d = decodeDatagram(bytes);
        expect(Array.isArray(d.events)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // and on valid headers with mutated contents
    const base = Buffer.concat([fork(1, 2), comm(3, 'x'), exit(4)]);
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(base.length), (at, value, cut) => {
        const b = Buffer.from(base);
        b[at] = value;
        decodeDatagram(b.subarray(0, cut));
      }),
      { numRuns: 2000 },
    );
  });

  it('tells the kernel (port id 0) from anyone else', () => {
    const nl = (pid: number): Buffer => {
      const b = Buffer.alloc(12);
      b.writeUInt16LE(16, 0);
      b.writeUInt32LE(pid, 4);
      return b;
    };
    expect(fromKernel(nl(0))).toBe(true);
    expect(fromKernel(nl(1234))).toBe(false);
    expect(fromKernel(new Uint8Array(4))).toBe(false);
  });
});
