import { execFileSync } from 'node:child_process';
/**
 * The native addon (built by npm install): errors come back as Errors with errno codes, recvmsg
 * returns data and ancillary data, readiness callbacks run, timerfd fires, netlink answers.
 * Loopback only; no host interface is changed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { intOption, nativeSockets } from '../../../src/native/index.js';
import { monotonicUs, PreciseTimer } from '../../../src/native/timer.js';
import { parseControlMessages, parseInPktinfo, sockaddrIn } from '../../../src/net/sockaddr.js';
import { RouteNetlink } from '../../../src/netlink/route.js';
import { AF_INET } from '../../../src/netlink/rtnl.js';

const n = nativeSockets();
const c = n.constants;
const loopback = Uint8Array.of(127, 0, 0, 1);

describe('native sockets', () => {
  it('reports system call failures as errors with the errno name', () => {
    expect(() => n.socket(12345, c.SOCK_DGRAM, 0)).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT' }));
    expect(() => n.setsockopt(987654, c.SOL_SOCKET, c.SO_RCVBUF, intOption(1))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => n.socket('x' as unknown as number, 0, 0)).toThrow(TypeError);
  });

  it('receives a datagram with its IP_PKTINFO through a readiness callback', async () => {
    const fd = n.socket(c.AF_INET, c.SOCK_DGRAM, 0);
    try {
      n.setsockopt(fd, c.IPPROTO_IP, c.IP_PKTINFO, intOption(1));
      n.bind(fd, sockaddrIn(loopback, 0));
      const port = n.getsockname(fd).readUInt16BE(2);
      expect(n.recvmsg(fd, 100, 100)).toBeNull(); // nothing waiting yet
      const got = new Promise<{ data: string; ifindex: number; dst: number[] }>((resolve) => {
        n.watch(fd, () => {
          const m = n.recvmsg(fd, 100, 128);
          if (!m) return;
          const info = parseControlMessages(m.control).find((cm) => cm.level === c.IPPROTO_IP && cm.type === c.IP_PKTINFO);
          const p = parseInPktinfo(info!.data)!;
          resolve({ data: m.data.toString(), ifindex: p.ifindex, dst: [...p.dst] });
        });
      });
      expect(n.sendto(fd, Buffer.from('vrrp?'), sockaddrIn(loopback, port), 0)).toBe(5);
      expect(await got).toEqual({ data: 'vrrp?', ifindex: 1, dst: [127, 0, 0, 1] });
    } finally {
      n.close(fd);
    }
  });

  it('fires a timerfd timer at or after its deadline, and not when disarmed', async () => {
    let fired = 0;
    let firedAt = 0;
    const t = new PreciseTimer(() => {
      fired++;
      firedAt = monotonicUs();
    });
    try {
      const deadline = monotonicUs() + 20_000;
      t.arm(deadline);
      await new Promise((r) => setTimeout(r, 60));
      expect(fired).toBe(1);
      expect(firedAt).toBeGreaterThanOrEqual(deadline);
      t.arm(monotonicUs() + 10_000);
      t.disarm();
      await new Promise((r) => setTimeout(r, 40));
      expect(fired).toBe(1);
    } finally {
      t.close();
    }
  });

  it('monotonicUs reads the clock of process.hrtime (and of the timerfd)', () => {
    const a = monotonicUs();
    const h = Number(process.hrtime.bigint() / 1000n);
    const b = monotonicUs();
    expect(h).toBeGreaterThanOrEqual(a - 5);
    expect(h).toBeLessThanOrEqual(b + 5);
  });

  it('creates a FIFO', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-fifo-'));
    try {
      n.mkfifo(join(dir, 'f'), 0o600);
      n.mkfifo(join(dir, 'f'), 0o600); // existing: fine
      expect(statSync(join(dir, 'f')).isFIFO()).toBe(true);
      expect(() => n.mkfifo(join(dir, 'no/such/dir'), 0o600)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('lists links and addresses over rtnetlink, and reports kernel refusals', async () => {
    const rtnl = new RouteNetlink();
    try {
      const links = await rtnl.links();
      const lo = links.find((l) => l.name === 'lo');
      expect(lo?.ifindex).toBe(1);
      const addrs = await rtnl.addresses(AF_INET);
      expect(addrs.some((a) => a.ifindex === 1 && a.local !== undefined && [...a.local].join('.') === '127.0.0.1')).toBe(true);
      // deleting an address that does not exist on an interface that does not exist: refused, not thrown away
      await expect(
        rtnl.deleteAddress({ family: AF_INET, prefix: 32, scope: 0, ifindex: 99999, local: Uint8Array.of(192, 0, 2, 1) }, 'delete'),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    } finally {
      rtnl.close();
    }
  });

  it('open-files limit: never lowered, and capped at the hard limit when that cannot be raised', () => {
    // Node.js itself raises the soft limit to the hard one at start; raising the hard limit needs
    // CAP_SYS_RESOURCE, which this sandbox's root lacks, so only the cap and the floor are seen here.
    const addon = join(process.cwd(), 'build/Release/keepalived_ts_native.node');
    const script = `const m = require(${JSON.stringify(addon)}); console.log(m.raiseNofileLimit(900), m.raiseNofileLimit(100), m.raiseNofileLimit(1 << 30))`;
    const out = execFileSync('sh', ['-c', 'ulimit -Sn 256; ulimit -Hn 1000; exec node -e "$0"', script], { encoding: 'utf8' }).trim();
    expect(out).toBe('1000 1000 1000');
  });

  it('takes an answer that arrived while the loop was busy past the timeout, instead of timing out', async () => {
    const { NetlinkSocket } = await import('../../../src/netlink/socket.js');
    const { NLM_F_DUMP } = await import('../../../src/netlink/codec.js');
    const { dumpPayload, RTM_GETLINK } = await import('../../../src/netlink/rtnl.js');
    const sock = new NetlinkSocket(nativeSockets().constants.NETLINK_ROUTE, 50);
    try {
      const answer = sock.request(RTM_GETLINK, NLM_F_DUMP, dumpPayload(0, 16), 'list interfaces');
      await new Promise((r) => setImmediate(r)); // sent
      const until = Date.now() + 150;
      while (Date.now() < until); // the kernel answers meanwhile; the timer is due before the socket is read
      expect((await answer).length).toBeGreaterThan(0);
    } finally {
      sock.close();
    }
  });

  it('answers every request of a batched datagram: refusals by their own error, the rest by the last answer', async () => {
    const { NetlinkSocket } = await import('../../../src/netlink/socket.js');
    const { RTM_DELADDR, RTM_GETLINK, addressPayload } = await import('../../../src/netlink/rtnl.js');
    const sock = new NetlinkSocket(nativeSockets().constants.NETLINK_ROUTE);
    const bogus = addressPayload({ family: AF_INET, prefix: 32, scope: 0, ifindex: 99999, local: Uint8Array.of(192, 0, 2, 1) }, true);
    const lo = Buffer.alloc(16);
    lo.writeInt32LE(1, 4); // ifindex 1: a request answered with data, not an acknowledgement
    try {
      // one turn of the loop: one datagram of five requests
      const answers = await Promise.allSettled([
        sock.request(RTM_DELADDR, 0, bogus, 'delete 1'),
        sock.request(RTM_GETLINK, 0, lo, 'get lo'),
        sock.request(RTM_DELADDR, 0, bogus, 'delete 2'),
        sock.request(RTM_GETLINK, 0, lo, 'get lo again'),
        sock.request(RTM_DELADDR, 0, bogus, 'delete 3'),
      ]);
      expect(answers.map((a) => a.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
      for (const i of [0, 2, 4]) expect((answers[i] as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^E/), request: `delete ${i / 2 + 1}` });
      for (const i of [1, 3]) expect((answers[i] as PromiseFulfilledResult<unknown[]>).value).toHaveLength(1);
    } finally {
      sock.close();
    }
  });

  it('runs concurrent dumps on one netlink socket one after another (the kernel refuses a second with EBUSY)', async () => {
    const rtnl = new RouteNetlink();
    try {
      const all = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? rtnl.links() : rtnl.addresses(AF_INET))));
      for (const [i, r] of all.entries()) expect(r.length, `dump ${i}`).toBeGreaterThan(0);
    } finally {
      rtnl.close();
    }
  });
});
