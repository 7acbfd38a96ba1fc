/**
 * The run captured in test/fixtures/keepalived-dump/ (capture.sh: keepalived 2.2.7 with
 * director1.conf, director2 the master of VI_2), as the dump collector would see it in
 * keepalived-ts: the same configuration parsed, and runners, trackers, links and checker
 * statuses with the states and counters keepalived had. Plus the masking the comparisons use.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseText } from '../../helpers/config.js';
import { resolveVrrp } from '../../../src/vrrp/resolve.js';
import { collectSnapshot, type CheckerView, type DumpSources, type RunnerView, type VrrpView } from '../../../src/dump/collect.js';
import type { DumpSnapshot } from '../../../src/dump/snapshot.js';
import type { AddressInfo, LinkInfo } from '../../../src/netlink/rtnl.js';
import type { VrrpState } from '../../../src/vrrp/state-machine.js';

export const FixtureDir = fileURLToPath(new URL('../../fixtures/keepalived-dump/', import.meta.url));
export const fixture = (name: string): string => readFileSync(`${FixtureDir}${name}`, 'utf8');

/** The temporary directory of the capture (capture.sh's mktemp), from the track file's path. */
const CaptureDir = /^ {3}File = (.*)\/track\.value$/m.exec(fixture('keepalived.data'))![1]!;

/** Numbers and ctime() texts masked: what stays is the layout keepalived's parsers read. */
export function masked(text: string): string[] {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.replace(/\(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{6} \d{4}\)/g, '(TIME)').replace(/-?\d+(\.\d+)?/g, '#'));
}

/** Lines that differ, as `line N: expected | actual`; empty when the texts match. */
export function lineDiff(expected: string, actual: string): string[] {
  const e = masked(expected);
  const a = masked(actual);
  const out: string[] = [];
  for (let i = 0; i < Math.max(e.length, a.length); i++) if (e[i] !== a[i]) out.push(`line ${i + 1}: ${e[i] ?? '<none>'} | ${a[i] ?? '<none>'}`);
  return out;
}

/** Every key path of a JSON value (array elements by index), for layout comparisons. */
export function keyPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => keyPaths(x, `${prefix}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${prefix}.${k}`, ...keyPaths(x, `${prefix}.${k}`)]);
  return [];
}

const ip = (t: string): Uint8Array => new Uint8Array(t.split('.').map(Number));
const mac = (t: string): Uint8Array => new Uint8Array(t.split(':').map((x) => parseInt(x, 16)));
function ip6(t: string): Uint8Array {
  const [head, tail] = t.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  return new Uint8Array(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** The wall clock of the capture: SIGUSR1 at 12:26:45 (the fixture's times are masked anyway). */
const NowUs = 1796300805_000_000;

export function capturedSources(): DumpSources {
  const conf = fixture('director1.conf').replaceAll('@DIR@', CaptureDir);
  const script = { content: '#!/bin/sh\n', mode: 0o755 };
  const parsed = parseText(conf, { files: { '/bin/true': script, '/bin/echo': script } });
  const config = parsed.config;
  const model = resolveVrrp(config);
  const eth0 = { name: 'eth0', ifindex: 3, mac: mac('fa:2b:a5:82:ed:9b'), up: true, noArp: false, primaryAddress: ip('192.0.2.1') };
  const run: Record<string, { state: VrrpState; effective: number; sent: number; received: number; master: number; drops: [string, number][] }> = {
    VI_1: { state: 'MASTER', effective: 155, sent: 4, received: 0, master: 1, drops: [['address-mismatch', 5]] },
    VI_2: { state: 'BACKUP', effective: 100, sent: 0, received: 9, master: 0, drops: [] },
    VI_3: { state: 'MASTER', effective: 120, sent: 2, received: 0, master: 1, drops: [] },
  };
  const runners: RunnerView[] = model.instances.map((c) => {
    const r = run[c.name]!;
    return {
      config: c,
      state: r.state,
      machine: {
        effectivePriority: r.effective,
        masterAdverIntervalUs: c.timing.advertIntervalUs,
        wantsMaster: r.state === 'MASTER',
        faultReasons: [],
        nextDeadline: () => 5_000_000,
      },
      sent: { adverts: r.sent, gratuitous: 0, priorityZero: 0 },
      received: { adverts: r.received, priorityZero: 0 },
      transitions: { becomeMaster: r.master, releaseMaster: 0 },
      drops: new Map(r.drops),
      iface: eth0,
      tracking: { total: r.effective, effective: r.effective, faults: [], pending: [] },
    };
  });
  const vrrp: VrrpView = {
    model,
    runners,
    groupStatus: () => [{ name: 'G1', state: 'MASTER', members: ['VI_1', 'VI_3'] }],
    trackers: () => ({
      scripts: [{ id: 0, name: 'chk', state: 'ok', lastExit: 0, running: false }],
      files: [{ id: 0, name: 'tf', path: `${CaptureDir}/track.value`, value: 1 }],
      processes: [{ id: 0, name: 'sleeper', count: 0, up: false }],
    }),
  };
  const checkers: CheckerView = {
    status: () => ({
      checkers: [
        { virtual_server: '[192.0.2.100]:tcp:80', real_server: '[198.51.100.11]:tcp:80', checker: 'TCP_CHECK', up: false, alive: false, weight: 1, last: 'connection refused' },
        { virtual_server: '[192.0.2.100]:tcp:80', real_server: '[198.51.100.12]:tcp:80', checker: 'TCP_CHECK', up: false, alive: false, weight: 2, last: 'connection refused' },
      ],
    }),
  };
  const links: LinkInfo[] = [
    { ifindex: 1, name: 'lo', flags: 0x10049, mtu: 65536, mac: new Uint8Array(6) },
    { ifindex: 2, name: 'tunl0', flags: 0x80, mtu: 1480 },
    { ifindex: 3, name: 'eth0', flags: 0x11043, mtu: 1500, mac: eth0.mac },
    { ifindex: 4, name: 'eth1', flags: 0x100c3, mtu: 1500, mac: mac('0e:bd:dc:46:51:02') },
  ];
  const a4 = (ifindex: number, t: string, prefix = 24): AddressInfo => ({ family: 2, prefix, flags: 0, scope: 0, ifindex, local: ip(t), address: ip(t) });
  const a6 = (ifindex: number, t: string): AddressInfo => ({ family: 10, prefix: 64, flags: 0, scope: 253, ifindex, address: ip6(t) });
  const addresses: AddressInfo[] = [
    a4(1, '127.0.0.1', 8),
    a4(3, '192.0.2.1'),
    // the VIPs keepalived had added: not listed as the interface's
    a4(3, '192.0.2.100'),
    a4(3, '192.0.2.101'),
    a4(3, '198.51.100.10', 32),
    a4(3, '198.51.100.30', 32),
    a6(3, 'fe80::f82b:a5ff:fe82:ed9b'),
    a6(4, 'fe80::cbd:dcff:fe46:5102'),
  ];
  return {
    config,
    vrrp,
    checkers,
    host: {
      lookupUser: (name) => (name === 'root' ? { uid: 0, gid: 0 } : null),
      lookupGroup: (name) => (name === 'root' ? { gid: 0 } : null),
      // Debian's merged /usr: /bin is a link to /usr/bin
      realPath: (p) => (p.startsWith('/bin/') ? `/usr${p}` : p),
      path: '/usr/sbin:/usr/bin:/sbin:/bin',
      uid: 0,
    },
    clock: { nowUs: () => NowUs, monotonicUs: () => 1_000_000 },
    runtime: {
      startedAtUs: NowUs - 10_000_000,
      master: (name) => (name === 'VI_2' ? { address: '192.0.2.2', priority: 200 } : undefined),
      lastTransitionUs: (name) => (name === 'VI_2' ? NowUs - 10_000_000 : NowUs - 3_000_000),
    },
    links: { links, addresses },
  };
}

export function capturedSnapshot(): DumpSnapshot {
  return collectSnapshot(capturedSources());
}
