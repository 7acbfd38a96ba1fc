#!/usr/bin/env node
// Many VRRP instances at a short advert_int on one router: keepalived (Debian's 2.2.7) and
// keepalived-ts side by side in one run, in a namespace lab (root). h1 (192.0.2.11) is the
// measured router; h2 (192.0.2.12) is a keepalived peer. Two cases:
//   master: h1 is MASTER (priority 150) of every instance, h2 a keepalived BACKUP (priority 100)
//   backup: h2 is a keepalived MASTER (priority 150), h1 a BACKUP (priority 100): its receive path
// VRRPv3 by default, vrid 1..N, one VIP each (203.0.113.i/32, then 198.51.100.j/32). Once every
// instance has converged (all N VIPs on the master; N "Entering BACKUP STATE" for a backup) and
// the takeover's gratuitous ARPs are over, the agent is measured for SECONDS: CPU in cores
// (utime+stime of its process tree from /proc, delta / wall time), RSS of the tree (at the end,
// sampled peak, lifetime VmHWM), adverts per second (a tcpdump on the bridge, and the veth's
// packet counters), and per VRID the gaps between consecutive adverts of the master (median,
// p99, max, how many over advert_int + 10 ms). Everything is killed and the namespaces deleted
// at the end, on error and on Ctrl-C.
// Usage: npm run build && node bench/vrrp-instances.mjs [SECONDS=30] [--instances 100]
//   [--advert-int 0.1] [--json FILE] [--cases master,backup] [--agents keepalived,keepalived-ts]
//   [--vrrp-version 3] [--settle 6] [--no-peer] [--priority-spread] [--kts-dir DIR] [--kts-node-args "ARGS"]
//   --kts-dir: a keepalived-ts tree whose dist/cli.js (built) is run (default: this repo)
//   --priority-spread: the master's priorities are 150..249 (by VRID) instead of all 150, so its
//     instances take over at different times (Skew_Time) and their adverts are spread over the cycle
//   --kts-node-args: extra node flags for keepalived-ts (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit } from './lib.mjs';

// ---------------------------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const opt = { seconds: 30, instances: 100, advertInt: 0.1, json: null, cases: ['master', 'backup'], agents: ['keepalived', 'keepalived-ts'], version: 3, settle: 6, peer: true, prioritySpread: false, ktsDir: resolve(dirname(fileURLToPath(import.meta.url)), '..'), ktsNodeArgs: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => {
    if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
    return argv[++i];
  };
  if (a === '--instances') opt.instances = Number(val());
  else if (a === '--advert-int') opt.advertInt = Number(val());
  else if (a === '--json') opt.json = val();
  else if (a === '--cases') opt.cases = val().split(',');
  else if (a === '--agents') opt.agents = val().split(',');
  else if (a === '--vrrp-version') opt.version = Number(val());
  else if (a === '--settle') opt.settle = Number(val());
  else if (a === '--no-peer') opt.peer = false;
  else if (a === '--priority-spread') opt.prioritySpread = true;
  else if (a === '--kts-dir') opt.ktsDir = resolve(val());
  else if (a === '--kts-node-args') opt.ktsNodeArgs = val().split(/\s+/).filter(Boolean);
  else if (/^[0-9.]+$/.test(a)) opt.seconds = Number(a);
  else {
    console.error(`unknown argument '${a}'\nusage: node bench/vrrp-instances.mjs [SECONDS=30] [--instances 100] [--advert-int 0.1] [--json FILE] [--cases master,backup] [--agents keepalived,keepalived-ts] [--vrrp-version 3] [--settle 6] [--no-peer] [--priority-spread] [--kts-dir DIR] [--kts-node-args ARGS]`);
    process.exit(2);
  }
}
if (!(opt.instances >= 1 && opt.instances <= 255)) throw new Error('--instances must be 1..255 (one VRID each)');
if (!(opt.seconds > 0 && opt.seconds <= 600)) throw new Error('SECONDS must be in (0, 600]');
if (!(opt.advertInt >= 0.01 && opt.advertInt <= 255)) throw new Error('--advert-int out of range');
if (opt.version === 2 && opt.advertInt < 1) throw new Error('VRRPv2 needs an integer advert_int >= 1');
for (const c of opt.cases) if (c !== 'master' && c !== 'backup') throw new Error(`unknown case '${c}'`);
for (const a of opt.agents) if (a !== 'keepalived' && a !== 'keepalived-ts') throw new Error(`unknown agent '${a}'`);
if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');

const cliJs = join(opt.ktsDir, 'dist/cli.js');
if (opt.agents.includes('keepalived-ts') && !existsSync(cliJs)) throw new Error(`${cliJs} missing: npm run build`);
for (const tool of ['keepalived', 'tcpdump']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} not installed (apt-get install ${tool})`);
  }
}
const { NetnsLab } = await import(join(opt.ktsDir, 'dist/lab/netns.js'));
// node flags of the command's shebang (`#!/usr/bin/env -S node --flag ...`), as `keepalived-ts` runs
const shebang = existsSync(cliJs) ? readFileSync(cliJs, 'utf8').split('\n', 1)[0] : '';
const shebangFlags = shebang.startsWith('#!') ? shebang.replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean) : [];

const workRoot = '/tmp/kts-bench-vrrp-instances';
const lab = new NetnsLab('ktsvi');
const Measured = 'ktsvi-h1';
const Peer = 'ktsvi-h2';
const MeasuredAddr = NetnsLab.address(1);
const PeerAddr = NetnsLab.address(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${s}`);

// ---------------------------------------------------------------------------------- cleanup
const { children, cleanup } = cleanupOnExit(lab);
// the whole run is bounded: per run, convergence (60 s max) + settle + window + stop and set-up
const budgetS = opt.cases.length * opt.agents.length * (opt.seconds + 2 * opt.settle + 100) + 30;
const watchdog = setTimeout(() => {
  console.error(`watchdog: the run exceeded ${budgetS} s - cleaning up`);
  cleanup();
  process.exit(3);
}, budgetS * 1000);

// ---------------------------------------------------------------------------------- configuration
function vip(i) {
  return i <= 254 ? `203.0.113.${i}` : `198.51.100.${i - 254}`;
}

function config(master) {
  let s = `global_defs {\n  router_id ${master ? 'r-master' : 'r-backup'}\n  vrrp_version ${opt.version}\n}\n`;
  for (let i = 1; i <= opt.instances; i++) {
    s += `vrrp_instance VI_${i} {
  state ${master ? 'MASTER' : 'BACKUP'}
  interface eth0
  virtual_router_id ${i}
  priority ${master ? (opt.prioritySpread ? 150 + ((i - 1) % 100) : 150) : 100}
  advert_int ${opt.advertInt}
  virtual_ipaddress {
    ${vip(i)}/32
  }
}
`;
  }
  return s;
}

function startAgent(agent, ns, dir, conf, nodeArgs = []) {
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, 'keepalived.conf');
  writeFileSync(confPath, conf);
  const args = ['-n', '-l', '-D', '-f', confPath, '-p', join(dir, 'main.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), '-b', join(dir, 'bfd.pid')];
  const [cmd, cmdArgs] = agent === 'keepalived' ? ['keepalived', args] : [process.execPath, [...shebangFlags, ...nodeArgs, cliJs, ...args]];
  const logPath = join(dir, 'log');
  const fd = openSync(logPath, 'w');
  // `ip netns exec` execs the command: the child's pid is the agent's main pid
  const child = lab.spawn(ns, cmd, cmdArgs, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  return { agent, child, pid: child.pid, dir, logPath, startedAt: Date.now() };
}

async function stopAgent(p, timeoutMs = 10_000) {
  const exited = () => p.child.exitCode !== null || p.child.signalCode !== null;
  if (exited()) return { graceful: false, ms: 0 };
  const t0 = Date.now();
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {}
  while (!exited() && Date.now() - t0 < timeoutMs) await sleep(20);
  if (!exited()) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {}
    return { graceful: false, ms: Date.now() - t0 };
  }
  return { graceful: true, ms: Date.now() - t0 };
}

// ---------------------------------------------------------------------------------- /proc
const clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function readStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17)
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** The pids of `root` and all its descendants. */
function tree(root) {
  const byParent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    const st = readStat(d);
    if (!st) continue;
    if (!byParent.has(st.ppid)) byParent.set(st.ppid, []);
    byParent.get(st.ppid).push(Number(d));
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    if (!existsSync(`/proc/${p}`)) continue;
    out.push(p);
    for (const c of byParent.get(p) ?? []) todo.push(c);
  }
  return out;
}

function cpuTicks(pids) {
  const m = new Map();
  for (const p of pids) {
    const st = readStat(p);
    if (st) m.set(p, st.ticks);
  }
  return m;
}

function memKb(pids) {
  let rss = 0;
  let hwm = 0;
  for (const p of pids) {
    try {
      const s = readFileSync(`/proc/${p}/status`, 'utf8');
      rss += Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
      hwm += Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
    } catch {}
  }
  return { rss, hwm };
}

function loadavg() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

function txPackets(ns) {
  const j = JSON.parse(execFileSync('ip', ['-n', ns, '-s', '-j', 'link', 'show', 'dev', 'eth0'], { encoding: 'utf8' }));
  const st = j[0].stats64 ?? j[0].stats;
  return { tx: st.tx.packets, rx: st.rx.packets };
}

// ---------------------------------------------------------------------------------- lab probes
function vipsOn(ns) {
  const out = lab.ip('-n', ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0');
  const have = new Set([...out.matchAll(/inet ([0-9.]+)\//g)].map((m) => m[1]));
  let n = 0;
  for (let i = 1; i <= opt.instances; i++) if (have.has(vip(i))) n++;
  return n;
}

function backupStates(p) {
  const text = readFileSync(p.logPath, 'utf8');
  return new Set([...text.matchAll(/\((VI_\d+)\) Entering BACKUP STATE/g)].map((m) => m[1])).size;
}

async function until(probe, timeoutMs, what, p) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return;
    if (p && (p.child.exitCode !== null || p.child.signalCode !== null)) {
      throw new Error(`${p.agent} exited (${p.child.exitCode ?? p.child.signalCode}) while waiting for ${what}; log: ${p.logPath}\n${readFileSync(p.logPath, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------- capture
async function startCapture(file) {
  const cap = spawn('ip', ['netns', 'exec', lab.switchNs, 'tcpdump', '-i', 'br0', '-n', '-s', '64', '--immediate-mode', '-U', '-w', file, 'ip proto 112'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  children.add(cap);
  let err = '';
  cap.stderr.on('data', (d) => (err += d));
  await until(() => /listening on/.test(err), 10_000, 'tcpdump ready');
  return { cap, stderr: () => err };
}

async function stopCapture(c) {
  await sleep(300);
  try {
    process.kill(-c.cap.pid, 'SIGINT');
  } catch {}
  const t0 = Date.now();
  while (c.cap.exitCode === null && c.cap.signalCode === null && Date.now() - t0 < 5000) await sleep(20);
  const m = /(\d+) packets? dropped by kernel/.exec(c.stderr());
  return { droppedByKernel: m ? Number(m[1]) : null };
}

/** VRRP adverts in a pcap: { t (s), src, vrid, prio }. */
function readPcap(file) {
  const b = readFileSync(file);
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nano) throw new Error(`${file}: not a little-endian pcap`);
  const out = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const sec = b.readUInt32LE(o);
    const frac = b.readUInt32LE(o + 4);
    const incl = b.readUInt32LE(o + 8);
    const f = o + 16;
    o = f + incl;
    if (o > b.length) break;
    if (incl < 14 + 20 + 4 || b.readUInt16BE(f + 12) !== 0x0800) continue;
    const ip = f + 14;
    const ihl = (b[ip] & 0xf) * 4;
    if (b[ip + 9] !== 112 || incl < 14 + ihl + 4) continue;
    out.push({ t: sec + frac / (nano ? 1e9 : 1e6), src: `${b[ip + 12]}.${b[ip + 13]}.${b[ip + 14]}.${b[ip + 15]}`, vrid: b[ip + ihl + 1], prio: b[ip + ihl + 2] });
  }
  return out;
}

const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : null);

/** Gaps between consecutive adverts of `src` per VRID, in ms, within [t0, t1]. */
function gaps(adverts, src, t0, t1) {
  const last = new Map();
  const all = [];
  for (const a of adverts) {
    if (a.src !== src || a.t < t0 || a.t > t1 || a.prio === 0) continue;
    const prev = last.get(a.vrid);
    if (prev !== undefined) all.push((a.t - prev) * 1000);
    last.set(a.vrid, a.t);
  }
  all.sort((x, y) => x - y);
  const intMs = opt.advertInt * 1000;
  return {
    vrids: last.size,
    count: all.length,
    median_ms: quantile(all, 0.5),
    p99_ms: quantile(all, 0.99),
    p999_ms: quantile(all, 0.999),
    max_ms: all.length ? all[all.length - 1] : null,
    min_ms: all.length ? all[0] : null,
    over_10ms_late: all.filter((g) => g > intMs + 10).length,
    over_2x: all.filter((g) => g > 2 * intMs).length,
  };
}

/**
 * Where in the advert_int cycle each VRID's adverts of `src` go out (the last one of each VRID in
 * the window): the shortest arc holding them all, and in how many distinct milliseconds. Timers
 * that wake early and spin cost more when the instances' phases are spread than when they fire
 * together.
 */
function phases(adverts, src, t0, t1) {
  const cycleUs = Math.round(opt.advertInt * 1e6);
  const ph = new Map();
  for (const a of adverts) if (a.src === src && a.t >= t0 && a.t <= t1 && a.prio !== 0) ph.set(a.vrid, Math.round(a.t * 1e6) % cycleUs);
  const v = [...ph.values()].sort((x, y) => x - y);
  if (!v.length) return null;
  let maxGap = 0;
  for (let i = 0; i < v.length; i++) maxGap = Math.max(maxGap, i + 1 < v.length ? v[i + 1] - v[i] : v[0] + cycleUs - v[i]);
  return { span_ms: Number(((cycleUs - maxGap) / 1000).toFixed(1)), distinct_ms: new Set(v.map((x) => Math.floor(x / 1000))).size };
}

// ---------------------------------------------------------------------------------- one run
async function run(kase, agent) {
  const dir = join(workRoot, `${kase}-${agent}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  lab.up(2);
  log(`${kase} / ${agent}: lab up`);
  const nodeArgs = agent === 'keepalived-ts' ? opt.ktsNodeArgs : [];
  let measured;
  let peer = null;
  let convergedMs;
  const master = kase === 'master';
  // The backup side joins a master that is past its takeover: keepalived 2.2.7's second burst of
  // gratuitous ARPs (garp_master_delay, 5 s after the takeover, 5 per VIP) holds its adverts back
  // by up to ~350 ms at 100 instances, enough for a backup to take over (and then each "lower
  // priority advert" answer brings another burst). That start-up effect is counted as
  // `backup_takeovers`; the window measures the steady state.
  if (master) {
    measured = startAgent(agent, Measured, join(dir, 'h1'), config(true), nodeArgs);
    await until(() => vipsOn(Measured) === opt.instances, 60_000, `all ${opt.instances} VIPs on ${Measured}`, measured);
    convergedMs = Date.now() - measured.startedAt;
    log(`${kase} / ${agent}: all ${opt.instances} VIPs on the master ${(convergedMs / 1000).toFixed(1)} s after start`);
    await sleep(opt.settle * 1000);
    if (opt.peer) {
      peer = startAgent('keepalived', Peer, join(dir, 'h2'), config(false));
      await until(() => backupStates(peer) === opt.instances, 30_000, `peer: ${opt.instances} instances in BACKUP`, peer);
      await sleep(1000);
    }
  } else {
    peer = startAgent('keepalived', Peer, join(dir, 'h2'), config(true));
    await until(() => vipsOn(Peer) === opt.instances, 60_000, `all ${opt.instances} VIPs on the keepalived master ${Peer}`, peer);
    await sleep(opt.settle * 1000);
    measured = startAgent(agent, Measured, join(dir, 'h1'), config(false), nodeArgs);
    await until(() => backupStates(measured) === opt.instances, 60_000, `${opt.instances} instances of ${agent} in BACKUP`, measured);
    convergedMs = Date.now() - measured.startedAt;
    log(`${kase} / ${agent}: ${opt.instances} instances in BACKUP ${(convergedMs / 1000).toFixed(1)} s after start`);
    // the agent's start-up work is over
    await sleep(Math.min(opt.settle, 3) * 1000);
  }

  const pcap = join(dir, 'adverts.pcap');
  const capture = await startCapture(pcap);
  await sleep(300);
  let pids = tree(measured.pid);
  const loadBefore = loadavg();
  const before = cpuTicks(pids);
  const netBefore = txPackets(Measured);
  const t0 = Date.now();
  const hr0 = process.hrtime.bigint();
  let peakRss = 0;
  let peakHwm = 0;
  const end = t0 + opt.seconds * 1000;
  let lastTree = t0;
  while (Date.now() < end) {
    if (Date.now() - lastTree > 2000) {
      pids = [...new Set([...pids, ...tree(measured.pid)])];
      lastTree = Date.now();
    }
    const m = memKb(pids);
    peakRss = Math.max(peakRss, m.rss);
    peakHwm = Math.max(peakHwm, m.hwm);
    await sleep(Math.min(250, Math.max(1, end - Date.now())));
  }
  pids = [...new Set([...pids, ...tree(measured.pid)])];
  const after = cpuTicks(pids);
  const wallS = Number(process.hrtime.bigint() - hr0) / 1e9;
  const t1 = Date.now();
  const netAfter = txPackets(Measured);
  const loadAfter = loadavg();
  const memEnd = memKb(pids);
  peakRss = Math.max(peakRss, memEnd.rss);
  peakHwm = Math.max(peakHwm, memEnd.hwm);
  let ticks = 0;
  for (const [p, t] of after) ticks += t - (before.get(p) ?? 0);
  const cap = await stopCapture(capture);

  // still converged at the end?
  const vipsMeasured = vipsOn(Measured);
  const vipsPeer = vipsOn(Peer);
  // takeovers by the backup side over the whole run (start-up included), from its log
  const masterEntries = (p) => (p ? (readFileSync(p.logPath, 'utf8').match(/Entering MASTER STATE/g) ?? []).length : 0);
  const backupTakeovers = master ? masterEntries(peer) : masterEntries(measured);
  const stop = await stopAgent(measured);
  if (peer) await stopAgent(peer);

  const adverts = readPcap(pcap);
  const inWindow = (a) => a.t * 1000 >= t0 && a.t * 1000 <= t1;
  const fromMeasured = adverts.filter((a) => inWindow(a) && a.src === MeasuredAddr).length;
  const fromPeer = adverts.filter((a) => inWindow(a) && a.src === PeerAddr).length;
  const masterAddr = master ? MeasuredAddr : PeerAddr;
  const windowS = (t1 - t0) / 1000;
  const r = {
    case: kase,
    agent,
    instances: opt.instances,
    advert_int_s: opt.advertInt,
    vrrp_version: opt.version,
    window_s: Number(wallS.toFixed(2)),
    converged_s: Number((convergedMs / 1000).toFixed(2)),
    processes: pids.length,
    cpu_cores: Number((ticks / clkTck / wallS).toFixed(4)),
    cpu_s: ticks / clkTck,
    rss_end_mb: Number((memEnd.rss / 1024).toFixed(1)),
    rss_peak_mb: Number((peakRss / 1024).toFixed(1)),
    rss_hwm_mb: Number((peakHwm / 1024).toFixed(1)),
    adverts_sent_per_s: Number((fromMeasured / windowS).toFixed(1)),
    adverts_from_peer_per_s: Number((fromPeer / windowS).toFixed(1)),
    veth_tx_per_s: Number(((netAfter.tx - netBefore.tx) / wallS).toFixed(1)),
    veth_rx_per_s: Number(((netAfter.rx - netBefore.rx) / wallS).toFixed(1)),
    expected_adverts_per_s: Number((opt.instances / opt.advertInt).toFixed(1)),
    master_gaps: gaps(adverts, masterAddr, t0 / 1000, t1 / 1000),
    master_phases: phases(adverts, masterAddr, t0 / 1000, t1 / 1000),
    wrong_side_adverts: master ? fromPeer : fromMeasured,
    backup_takeovers: backupTakeovers,
    vips_on_measured_at_end: vipsMeasured,
    vips_on_peer_at_end: vipsPeer,
    capture_dropped_by_kernel: cap.droppedByKernel,
    graceful_stop_ms: stop.graceful ? stop.ms : null,
    // the machine's 1-minute load average at the window's start and end (other work distorts the figures)
    loadavg: [loadBefore, loadAfter],
    log: measured.logPath,
  };
  lab.down();
  for (const c of [...children]) if (c.exitCode !== null || c.signalCode !== null) children.delete(c);
  const g = r.master_gaps;
  log(`${kase} / ${agent}: CPU ${r.cpu_cores} cores, RSS ${r.rss_end_mb} MB (peak ${r.rss_peak_mb}), sent ${r.adverts_sent_per_s}/s, gaps p50 ${g.median_ms?.toFixed(2)} max ${g.max_ms?.toFixed(2)} ms, ${g.over_10ms_late} late, phases over ${r.master_phases?.span_ms} ms (${r.master_phases?.distinct_ms} distinct ms), load ${r.loadavg.join(' -> ')}`);
  return r;
}

// ---------------------------------------------------------------------------------- main
const results = [];
let failed = null;
try {
  mkdirSync(workRoot, { recursive: true });
  log(`${opt.instances} instances, VRRPv${opt.version}, advert_int ${opt.advertInt} s, ${opt.seconds} s windows; keepalived-ts: node ${[...shebangFlags, ...opt.ktsNodeArgs].join(' ')} ${cliJs}`);
  for (const kase of opt.cases) for (const agent of opt.agents) results.push(await run(kase, agent));
} catch (e) {
  failed = e;
} finally {
  cleanup();
  clearTimeout(watchdog);
}

const f = (x, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d));
if (results.length) {
  console.log(`\n${opt.instances} VRRPv${opt.version} instances, advert_int ${opt.advertInt} s, ${opt.seconds} s window; the master's adverts per VRID (gap = time between two adverts of one VRID; late = gap > advert_int + 10 ms; backup takeovers = 'Entering MASTER STATE' of the backup side over the run)\n`);
  console.log('| case | agent | CPU cores | RSS end MB | RSS peak MB | adverts sent/s (capture) | veth tx/s | veth rx/s | master gap p50 ms | p99 ms | max ms | late | backup takeovers (run) / its adverts (window) | converged s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const g = r.master_gaps;
    console.log(`| ${r.case} | ${r.agent} | ${f(r.cpu_cores, 3)} | ${f(r.rss_end_mb)} | ${f(r.rss_peak_mb)} | ${f(r.adverts_sent_per_s)} | ${f(r.veth_tx_per_s)} | ${f(r.veth_rx_per_s)} | ${f(g.median_ms, 2)} | ${f(g.p99_ms, 2)} | ${f(g.max_ms, 2)} | ${g.over_10ms_late} / ${g.count} | ${r.backup_takeovers} / ${r.wrong_side_adverts} | ${f(r.converged_s)} |`);
  }
}
if (opt.json) writeFileSync(opt.json, `${JSON.stringify({ date: new Date().toISOString(), options: { ...opt, ktsNodeArgs: opt.ktsNodeArgs.join(' ') }, results }, null, 2)}\n`);
if (failed) {
  console.error(`failed: ${failed.stack ?? failed}`);
  process.exit(1);
}
