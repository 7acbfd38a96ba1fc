#!/usr/bin/env node
// Reload (SIGHUP) without flaps: keepalived-ts and Debian's keepalived 2.2.7 side by side in one
// run, in a namespace lab (root). One director (ktsrl-h1, 192.0.2.11) runs the agent under test
// with 100 VRRPv3 instances (VRID 1..100, BACKUP priority 150 with no peer, so each becomes
// MASTER after its down timer; one VIP each, 198.51.100.i/32) and, in the same file, 100
// virtual_servers x 100 real_servers with TCP_CHECK (10,000 real servers, 203.0.113.0/24). A
// tcpdump on the bridge ('ip proto 112') records every advert. Once all 100 VIPs are up and the
// takeover's gratuitous ARPs are over:
//   baseline  BASELINE s with no reload (the machine's own jitter)
//   noop      RELOADS SIGHUPs to the main pid (its pid file), the file unchanged
//   change    RELOADS SIGHUPs, each after one more instance's priority was changed (VI_k: 150 -> 160;
//             the files are written before measuring, each renamed over the file before its HUP)
// then a graceful stop (SIGTERM). From the capture (tshark -T fields: frame.time_epoch, ip.src,
// vrrp.virt_rtr_id, vrrp.prio), per VRID, the gaps between consecutive adverts of the director
// that touch a window [HUP - 0.1 s, HUP + 5 s] (windows overlap when SPACING < 5.1 s: each gap is
// counted once): max, p99, how many exceed advert_int + 10 ms; priority-0 adverts before the stop,
// state changes in the agent's log, VIPs deleted (ip monitor address); the time from the HUP to the
// agent's reload-finished line (keepalived-ts "Reload finished" with its `ms`; keepalived "Reload
// complete", logged by its VRRP child). Log lines are stamped on arrival through a pipe. The
// capture's realtime timestamps are put back on the monotonic clock if the realtime clock is stepped
// meanwhile (see toMonotonic). The machine's load and CPU pressure are printed with the results.
//
// No ip_vs on this host: keepalived-ts logs 'IPVS: not available' and runs VRRP; keepalived 2.2.7's
// checker child exits FATAL when IPVS cannot be initialised and its parent then stops everything,
// so keepalived runs with -P (VRRP only, the same file: its parent and its VRRP child still read
// every real server at each reload). The IPVS side of a reload is measured by bench:ipvs in UML.
//
// Usage: npm run build && node bench/reload.mjs [RELOADS=10] [ADVERT_INT=1] [--agents keepalived-ts,keepalived]
//   [--spacing 3] [--no-sweep] [--baseline 10] [--settle 7] [--json FILE] [--kts-node-args "ARGS"] [--kts-vrrp-only]
//   HUPs are SPACING + ADVERT_INT / RELOADS apart (3.1 s for 10 reloads at 1 s), so that they fall on
//   RELOADS different phases of the advert cycle: instances that all took over together share one
//   phase, and with a spacing that is a multiple of advert_int every HUP would meet them at the same
//   point of their cycle (a pause of the agent either always or never hits them); --no-sweep: SPACING
//   --kts-node-args: extra node flags for keepalived-ts (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
//   --kts-vrrp-only: run keepalived-ts with -P as well
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit } from './lib.mjs';

// ---------------------------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const opt = { reloads: 10, advertInt: 1, agents: ['keepalived-ts', 'keepalived'], spacing: 3, sweep: true, baseline: 10, settle: 7, json: null, ktsNodeArgs: [], ktsVrrpOnly: false };
const positional = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => {
    if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
    return argv[++i];
  };
  if (a === '--agents') opt.agents = val().split(',');
  else if (a === '--spacing') opt.spacing = Number(val());
  else if (a === '--baseline') opt.baseline = Number(val());
  else if (a === '--settle') opt.settle = Number(val());
  else if (a === '--json') opt.json = val();
  else if (a === '--kts-node-args') opt.ktsNodeArgs = val().split(/\s+/).filter(Boolean);
  else if (a === '--kts-vrrp-only') opt.ktsVrrpOnly = true;
  else if (a === '--no-sweep') opt.sweep = false;
  else if (/^[0-9.]+$/.test(a)) positional.push(Number(a));
  else {
    console.error(`unknown argument '${a}'\nusage: node bench/reload.mjs [RELOADS=10] [ADVERT_INT=1] [--agents keepalived-ts,keepalived] [--spacing 3] [--no-sweep] [--baseline 10] [--settle 7] [--json FILE] [--kts-node-args ARGS] [--kts-vrrp-only]`);
    process.exit(2);
  }
}
if (positional[0] !== undefined) opt.reloads = positional[0];
if (positional[1] !== undefined) opt.advertInt = positional[1];
const Instances = 100;
const VirtualServers = 100;
const RealServersPerVs = 100;
const Window = { before: 0.1, after: 5 };
const ChangedPriority = 160;
if (!(Number.isInteger(opt.reloads) && opt.reloads >= 1 && opt.reloads <= Instances)) throw new Error(`RELOADS must be 1..${Instances}`);
if (!(opt.advertInt >= 0.01 && opt.advertInt <= 10)) throw new Error('ADVERT_INT must be in [0.01, 10]');
if (!(opt.spacing >= 0.5 && opt.spacing <= 60)) throw new Error('--spacing must be in [0.5, 60]');
if (!(opt.baseline >= 0 && opt.baseline <= 300)) throw new Error('--baseline must be in [0, 300]');
for (const a of opt.agents) if (a !== 'keepalived' && a !== 'keepalived-ts') throw new Error(`unknown agent '${a}'`);
if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliJs = join(repo, 'dist/cli.js');
if (opt.agents.includes('keepalived-ts') && !existsSync(cliJs)) throw new Error(`${cliJs} missing: npm run build`);
for (const tool of ['keepalived', 'tcpdump', 'tshark']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) throw new Error(`${tool} not installed (apt-get install ${tool})`);
}
const { NetnsLab } = await import(join(repo, 'dist/lab/netns.js'));
// node flags of the command's shebang (`#!/usr/bin/env -S node --flag ...`), as `keepalived-ts` runs
const shebang = existsSync(cliJs) ? readFileSync(cliJs, 'utf8').split('\n', 1)[0] : '';
const shebangFlags = shebang.startsWith('#!') ? shebang.replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean) : [];

const workRoot = '/tmp/kts-bench-reload';
const lab = new NetnsLab('ktsrl');
const Director = 'ktsrl-h1';
const DirectorAddr = NetnsLab.address(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowS = () => (performance.timeOrigin + performance.now()) / 1000;
const log = (s) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${s}`);

// ---------------------------------------------------------------------------------- cleanup
const { children, cleanup } = cleanupOnExit(lab);
// the sweep: each HUP a further 1/RELOADS of the advert cycle on
const stepS = opt.spacing + (opt.sweep ? opt.advertInt / opt.reloads : 0);
const seriesS = opt.reloads * stepS + Window.after + 1;
const budgetS = opt.agents.length * (90 + opt.settle + opt.baseline + 2 * seriesS + 30 + 120) + 30;
const watchdog = setTimeout(() => {
  console.error(`watchdog: the run exceeded ${budgetS} s - cleaning up`);
  cleanup();
  process.exit(3);
}, budgetS * 1000);

// ---------------------------------------------------------------------------------- configuration
const vip = (i) => `198.51.100.${i}`;

/** The file; instances 1..changed have priority 160 instead of 150. */
function config(changed = 0) {
  const out = [`global_defs {\n  router_id director\n  vrrp_version 3\n}\n`];
  for (let i = 1; i <= Instances; i++) {
    out.push(`vrrp_instance VI_${i} {
  state BACKUP
  interface eth0
  virtual_router_id ${i}
  priority ${i <= changed ? ChangedPriority : 150}
  advert_int ${opt.advertInt}
  virtual_ipaddress {
    ${vip(i)}/32
  }
}
`);
  }
  for (let v = 1; v <= VirtualServers; v++) {
    out.push(`virtual_server 203.0.113.${v} 80 {\n  delay_loop 6\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n`);
    for (let r = 0; r < RealServersPerVs; r++) {
      out.push(`  real_server 203.0.113.${101 + r} ${8000 + v} {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n`);
    }
    out.push('}\n');
  }
  return out.join('');
}


// ---------------------------------------------------------------------------------- processes
/** Lines of a child's stdout/stderr, stamped on arrival (epoch s), kept and written to `file`. */
function stampLines(child, file) {
  const lines = [];
  const out = createWriteStream(file);
  for (const s of [child.stdout, child.stderr]) {
    if (!s) continue;
    createInterface({ input: s }).on('line', (text) => {
      const t = nowS();
      lines.push({ t, text });
      out.write(`${t.toFixed(4)} ${text}\n`);
    });
  }
  child.once('exit', () => setTimeout(() => out.end(), 200));
  return lines;
}

function startAgent(agent, dir, confPath) {
  const args = ['-n', '-l', '-D', '-f', confPath, '-p', join(dir, 'main.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid')];
  // keepalived 2.2.7 stops altogether when its checker child cannot initialise IPVS: VRRP only
  if (agent === 'keepalived' || opt.ktsVrrpOnly) args.unshift('-P');
  const [cmd, cmdArgs] = agent === 'keepalived' ? ['keepalived', args] : [process.execPath, [...shebangFlags, ...opt.ktsNodeArgs, cliJs, ...args]];
  // `ip netns exec` execs the command: the child's pid is the agent's main pid
  const child = lab.spawn(Director, cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines = stampLines(child, join(dir, 'log'));
  return { agent, child, pid: child.pid, dir, lines, logPath: join(dir, 'log'), mainPidFile: join(dir, 'main.pid'), startedAt: nowS(), command: [cmd, ...cmdArgs].join(' ') };
}

/**
 * The capture's timestamps are the realtime clock's, and a step of it (clock_settime by a time
 * daemon, a VM agent or a test on the same machine) would show as a gap or hide one. The bench's
 * own times are the monotonic clock's (on the realtime origin of its start). The offset between
 * the two is sampled every 10 ms; each advert's time is moved back onto the monotonic clock with
 * the offset in force when it was captured, and adverts within 10 ms of a step are counted as
 * uncertain. A run with steps is flagged.
 */
const ClockSampleMs = 10;
const clockOffsets = [{ mono: nowS(), off: Date.now() / 1000 - nowS() }];
const clockWatch = setInterval(() => {
  const mono = nowS();
  const off = Date.now() / 1000 - mono;
  // Date.now() has 1 ms steps of its own: only a move of more than 1.5 ms counts
  if (Math.abs(off - clockOffsets[clockOffsets.length - 1].off) > 0.0015) clockOffsets.push({ mono, off });
}, ClockSampleMs);

/** A realtime timestamp (s) on the bench's monotonic scale, and whether it fell near a step. */
function toMonotonic(tReal) {
  const base = clockOffsets[0].off;
  for (let i = clockOffsets.length - 1; i >= 0; i--) {
    const seg = clockOffsets[i];
    const t = tReal - (seg.off - base);
    // the step was seen at seg.mono, so it happened within the sample period before
    if (i === 0 || t >= seg.mono) return { t, uncertain: false };
    if (t >= seg.mono - ClockSampleMs / 1000) return { t, uncertain: true };
  }
  return { t: tReal, uncertain: false };
}

function stepsBetween(t0, t1) {
  const xs = [];
  for (let i = 1; i < clockOffsets.length; i++) if (clockOffsets[i].mono >= t0 && clockOffsets[i].mono <= t1) xs.push((clockOffsets[i].off - clockOffsets[i - 1].off) * 1000);
  return { count: xs.length, total_ms: Number(xs.reduce((a, x) => a + x, 0).toFixed(1)), largest_ms: Number((xs.length ? Math.max(...xs.map(Math.abs)) : 0).toFixed(1)) };
}

/** The machine's 1-minute load and CPU pressure (PSI 'some' avg10, %): other work distorts every figure. */
function machineLoad() {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  let psi = null;
  try {
    psi = Number(/some avg10=([0-9.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN);
  } catch {}
  return { load, cpu_pressure_avg10: psi };
}

const exited = (c) => c.exitCode !== null || c.signalCode !== null;

async function stopAgent(p, timeoutMs = 15_000) {
  if (exited(p.child)) return { graceful: false, ms: 0 };
  const t0 = Date.now();
  try {
    process.kill(mainPid(p), 'SIGTERM');
  } catch {}
  while (!exited(p.child) && Date.now() - t0 < timeoutMs) await sleep(20);
  if (!exited(p.child)) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {}
    return { graceful: false, ms: Date.now() - t0 };
  }
  return { graceful: p.child.exitCode === 0, ms: Date.now() - t0, code: p.child.exitCode };
}

function mainPid(p) {
  try {
    const pid = Number(readFileSync(p.mainPidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
  } catch {}
  return p.pid;
}

function vipsOn() {
  const out = lab.ip('-n', Director, '-4', '-o', 'addr', 'show', 'dev', 'eth0');
  const have = new Set([...out.matchAll(/inet ([0-9.]+)\//g)].map((m) => m[1]));
  let n = 0;
  for (let i = 1; i <= Instances; i++) if (have.has(vip(i))) n++;
  return n;
}

async function until(probe, timeoutMs, what, p) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return;
    if (p && exited(p.child)) throw new Error(`${p.agent} exited (${p.child.exitCode ?? p.child.signalCode}) while waiting for ${what}; log: ${p.logPath}\n${p.lines.slice(-15).map((l) => l.text).join('\n')}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function startCapture(file) {
  const cap = spawn('ip', ['netns', 'exec', lab.switchNs, 'tcpdump', '-i', 'br0', '-n', '-s', '96', '--immediate-mode', '-U', '-w', file, 'ip proto 112'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  children.add(cap);
  let err = '';
  cap.stderr.on('data', (d) => (err += d));
  await until(() => /listening on/.test(err), 10_000, 'tcpdump ready');
  return { cap, stderr: () => err };
}

async function stopProcess(c, signal = 'SIGINT', timeoutMs = 5000) {
  try {
    process.kill(-c.pid, signal);
  } catch {}
  const t0 = Date.now();
  while (!exited(c) && Date.now() - t0 < timeoutMs) await sleep(20);
  if (!exited(c)) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {}
  }
}

/** Adverts of a pcap through tshark: { t (epoch s), src, vrid, prio }. */
function readAdverts(pcap) {
  const r = spawnSync('tshark', ['-r', pcap, '-n', '-Y', 'vrrp', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'vrrp.virt_rtr_id', '-e', 'vrrp.prio', '-E', 'separator=,'], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status ?? r.signal}): ${r.stderr}`);
  const out = [];
  for (const line of r.stdout.split('\n')) {
    const [t, src, vrid, prio] = line.split(',');
    if (!prio) continue;
    const m = toMonotonic(Number(t));
    out.push({ t: m.t, uncertain: m.uncertain, src, vrid: Number(vrid), prio: Number(prio) });
  }
  return out.sort((a, b) => a.t - b.t);
}

// ---------------------------------------------------------------------------------- analysis
const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : null);

/** Every gap between consecutive adverts of the director, per VRID: { vrid, start, end, ms }. */
function allGaps(adverts, until) {
  const last = new Map();
  const out = [];
  for (const a of adverts) {
    if (a.src !== DirectorAddr || a.t >= until) continue;
    const prev = last.get(a.vrid);
    if (prev !== undefined) out.push({ vrid: a.vrid, start: prev, end: a.t, ms: (a.t - prev) * 1000 });
    last.set(a.vrid, a.t);
  }
  return out;
}

/** The gaps that touch a window [hup - before, hup + after], each given to the last such HUP. */
function windowGaps(gaps, hups) {
  const out = [];
  for (const g of gaps) {
    let k = -1;
    for (let i = 0; i < hups.length; i++) if (g.end >= hups[i] - Window.before && g.start <= hups[i] + Window.after) k = i;
    if (k >= 0) out.push({ ...g, reload: k + 1, offsetMs: (g.start - hups[k]) * 1000 });
  }
  return out;
}

function gapStats(gs) {
  const ms = gs.map((g) => g.ms).sort((a, b) => a - b);
  const late = opt.advertInt * 1000 + 10;
  const worst = [...gs].sort((a, b) => b.ms - a.ms).slice(0, 5);
  return {
    count: ms.length,
    min_ms: ms.length ? ms[0] : null,
    p50_ms: quantile(ms, 0.5),
    p99_ms: quantile(ms, 0.99),
    max_ms: ms.length ? ms[ms.length - 1] : null,
    over_target: ms.filter((x) => x > late).length,
    // how many reloads had a gap over the target, and each reload's longest gap
    reloads_over_target: new Set(gs.filter((g) => g.ms > late && g.reload !== undefined).map((g) => g.reload)).size,
    max_per_reload_ms: [...gs.reduce((m, g) => (g.reload === undefined ? m : m.set(g.reload, Math.max(m.get(g.reload) ?? 0, g.ms))), new Map())].sort((x, y) => x[0] - y[0]).map(([, v]) => Number(v.toFixed(1))),
    // the worst gaps: VRID, which reload, and where the gap began relative to its HUP
    worst: worst.map((g) => ({ vrid: g.vrid, reload: g.reload ?? null, ms: Number(g.ms.toFixed(1)), start_after_hup_ms: g.offsetMs !== undefined ? Number(g.offsetMs.toFixed(1)) : null })),
  };
}

const StateLine = /Entering (MASTER|BACKUP|FAULT|INIT|STOP)[ _]?STATE/i;

function analyse(p, r, adverts, addrEvents) {
  const gaps = allGaps(adverts, r.stopAt);
  const series = {};
  for (const [name, hups] of Object.entries(r.hups)) series[name] = gapStats(windowGaps(gaps, hups));
  // the baseline: gaps that ended inside it (no HUP can have touched them)
  series.baseline = gapStats(gaps.filter((g) => g.end >= r.baseline[0] && g.end <= r.baseline[1]));
  const measured = adverts.filter((a) => a.src === DirectorAddr && a.t >= r.measureFrom && a.t < r.stopAt);
  const prio0 = measured.filter((a) => a.prio === 0).length;
  const foreign = adverts.filter((a) => a.src !== DirectorAddr).length;
  // the change series' last priorities: VRID k should advertise 160 after reload k
  const lastPrio = new Map();
  for (const a of measured) lastPrio.set(a.vrid, a.prio);
  let changedSeen = 0;
  for (let k = 1; k <= opt.reloads; k++) if (lastPrio.get(k) === ChangedPriority) changedSeen++;
  const vridsSeen = new Set(measured.map((a) => a.vrid)).size;
  const inRun = (l) => l.t >= r.measureFrom && l.t < r.stopAt;
  const stateChanges = p.lines.filter((l) => inRun(l) && StateLine.test(l.text)).map((l) => l.text);
  const vipsDeleted = addrEvents.filter((l) => inRun(l) && /^Deleted/.test(l.text) && /inet 198\.51\.100\./.test(l.text)).length;
  const vipsAdded = addrEvents.filter((l) => inRun(l) && !/^Deleted/.test(l.text) && /inet 198\.51\.100\./.test(l.text)).length;
  // HUP -> reload finished
  const finished = {};
  // keepalived-ts: adverts its addon sent on time while a reload held the event loop up
  let keptUp = 0;
  for (const [name, hups] of Object.entries(r.hups)) {
    const xs = [];
    const own = [];
    for (let i = 0; i < hups.length; i++) {
      const next = i + 1 < hups.length ? hups[i + 1] : hups[i] + Window.after + 1;
      const line = p.lines.find((l) => l.t >= hups[i] && l.t < next && (p.agent === 'keepalived' ? /Reload complete/.test(l.text) : /"msg":"Reload finished"/.test(l.text)));
      if (!line) continue;
      xs.push((line.t - hups[i]) * 1000);
      if (p.agent === 'keepalived-ts') {
        try {
          const o = JSON.parse(line.text);
          own.push(o.ms);
          keptUp += o.advertsKeptUp ?? 0;
        } catch {}
      }
    }
    const s = [...xs].sort((a, b) => a - b);
    const o = [...own].sort((a, b) => a - b);
    finished[name] = { seen: xs.length, p50_ms: quantile(s, 0.5), max_ms: s.length ? s[s.length - 1] : null, logged_ms_p50: quantile(o, 0.5), logged_ms_max: o.length ? o[o.length - 1] : null };
  }
  const refused = p.lines.filter((l) => inRun(l) && /Reload (refused|failed)/.test(l.text)).length;
  return { series, finished, adverts_kept_up_during_reloads: p.agent === 'keepalived-ts' ? keptUp : undefined, prio0_before_stop: prio0, foreign_adverts: foreign, vrids_seen: vridsSeen, changed_priority_seen: changedSeen, state_changes: stateChanges.length, state_change_lines: stateChanges.slice(0, 10), vips_deleted: vipsDeleted, vips_added: vipsAdded, reloads_refused_or_failed: refused };
}

// ---------------------------------------------------------------------------------- one agent
async function runAgent(agent) {
  const dir = join(workRoot, agent);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, 'keepalived.conf');
  writeFileSync(confPath, config(0));
  lab.up(1);
  log(`${agent}: lab up; ${Instances} instances, ${VirtualServers * RealServersPerVs} real servers, ${readFileSync(confPath, 'utf8').split('\n').length - 1} lines`);
  const mon = spawn('ip', ['-n', Director, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  children.add(mon);
  const addrEvents = stampLines(mon, join(dir, 'addresses'));
  const p = startAgent(agent, dir, confPath);
  await until(() => vipsOn() === Instances, 90_000, `all ${Instances} VIPs on ${Director}`, p);
  const convergedS = nowS() - p.startedAt;
  log(`${agent}: all ${Instances} instances MASTER (VIPs up) ${convergedS.toFixed(1)} s after start; settling ${opt.settle} s`);
  // the change series' files, written now (not while measuring): reload k renames the k-th over the file
  const t0 = Date.now();
  const changed = [];
  for (let k = 1; k <= opt.reloads; k++) {
    changed.push(join(dir, `change-${k}.conf`));
    writeFileSync(changed[k - 1], config(k));
  }
  await sleep(Math.max(0, opt.settle * 1000 - (Date.now() - t0)));
  const pcap = join(dir, 'adverts.pcap');
  const cap = await startCapture(pcap);
  await sleep(300);
  const r = { hups: { noop: [], change: [] }, measureFrom: nowS(), baseline: [0, 0], stopAt: 0 };
  r.baseline[0] = nowS();
  const loadBefore = machineLoad();
  await sleep(opt.baseline * 1000);
  r.baseline[1] = nowS();
  const hup = (series) => {
    if (exited(p.child)) throw new Error(`${agent} exited (${p.child.exitCode ?? p.child.signalCode}) during the ${series} series; log: ${p.logPath}`);
    const pid = mainPid(p);
    r.hups[series].push(nowS());
    process.kill(pid, 'SIGHUP');
  };
  log(`${agent}: ${opt.reloads} no-op reloads, ${stepS.toFixed(3)} s apart`);
  for (let k = 1; k <= opt.reloads; k++) {
    hup('noop');
    await sleep(stepS * 1000);
  }
  await sleep(Math.max(0, Window.after + 1 - stepS) * 1000);
  log(`${agent}: ${opt.reloads} reloads changing one instance's priority each, ${stepS.toFixed(3)} s apart`);
  for (let k = 1; k <= opt.reloads; k++) {
    renameSync(changed[k - 1], confPath);
    hup('change');
    await sleep(stepS * 1000);
  }
  await sleep(Math.max(0, Window.after + 1 - stepS) * 1000);
  const vipsAtEnd = vipsOn();
  const loadAfter = machineLoad();
  r.stopAt = nowS();
  const stop = await stopAgent(p);
  log(`${agent}: stopped (${stop.graceful ? 'gracefully' : 'NOT gracefully'}, ${stop.ms} ms)`);
  await sleep(300);
  await stopProcess(cap.cap);
  await stopProcess(mon, 'SIGTERM');
  const dropped = /(\d+) packets? dropped by kernel/.exec(cap.stderr());
  const adverts = readAdverts(pcap);
  const a = analyse(p, r, adverts, addrEvents);
  lab.down();
  for (const c of [...children]) if (exited(c)) children.delete(c);
  const result = {
    agent,
    command: p.command,
    advert_int_s: opt.advertInt,
    reloads: opt.reloads,
    spacing_s: stepS,
    converged_s: Number(convergedS.toFixed(2)),
    vips_at_end: vipsAtEnd,
    graceful_stop: stop.graceful,
    stop_ms: stop.ms,
    adverts_captured: adverts.length,
    capture_dropped_by_kernel: dropped ? Number(dropped[1]) : null,
    machine_load: [loadBefore, loadAfter],
    realtime_clock_steps: { ...stepsBetween(r.measureFrom, r.stopAt), adverts_near_a_step: adverts.filter((x) => x.uncertain && x.t >= r.measureFrom && x.t < r.stopAt).length },
    hups: r.hups,
    baseline_window: r.baseline,
    ...a,
    log: p.logPath,
    pcap,
  };
  for (const s of ['baseline', 'noop', 'change']) {
    const g = a.series[s];
    log(`${agent} ${s}: ${g.count} gaps, p50 ${g.p50_ms?.toFixed(1)} p99 ${g.p99_ms?.toFixed(1)} max ${g.max_ms?.toFixed(1)} ms, ${g.over_target} over ${opt.advertInt * 1000 + 10} ms; worst ${JSON.stringify(g.worst.slice(0, 3))}`);
  }
  log(`${agent}: reload finished noop ${JSON.stringify(a.finished.noop)} change ${JSON.stringify(a.finished.change)}; prio 0 ${a.prio0_before_stop}, state changes ${a.state_changes}, VIPs deleted ${a.vips_deleted}, changed priorities seen ${a.changed_priority_seen}/${opt.reloads}`);
  return result;
}

// ---------------------------------------------------------------------------------- main
const results = [];
let failed = null;
try {
  mkdirSync(workRoot, { recursive: true });
  log(`reload bench: ${opt.reloads} reloads per series, ${stepS.toFixed(3)} s apart, VRRPv3 advert_int ${opt.advertInt} s, window [HUP - ${Window.before} s, HUP + ${Window.after} s]; keepalived-ts: node ${[...shebangFlags, ...opt.ktsNodeArgs].join(' ')} ${cliJs}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  for (const agent of opt.agents) results.push(await runAgent(agent));
} catch (e) {
  failed = e;
} finally {
  cleanup();
  clearTimeout(watchdog);
  clearInterval(clockWatch);
}

const f = (x, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d));
if (results.length) {
  const target = opt.advertInt * 1000 + 10;
  console.log(`\n${Instances} VRRPv3 instances (all MASTER) and ${VirtualServers * RealServersPerVs} real servers in the file, advert_int ${opt.advertInt} s; ${opt.reloads} SIGHUPs per series, ${stepS.toFixed(3)} s apart; gaps between two adverts of one VRID touching [HUP - ${Window.before} s, HUP + ${Window.after} s] (baseline: ${opt.baseline} s without reload); target: no gap over ${target} ms\n`);
  console.log(`| agent | series | gaps | min ms | p50 ms | p99 ms | max ms | gaps > ${target} ms | HUP -> reload finished p50 / max ms | prio-0 adverts | state changes | VIPs deleted |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const s of ['baseline', 'noop', 'change']) {
      const g = r.series[s];
      const fin = r.finished[s];
      const finS = fin ? `${f(fin.p50_ms)} / ${f(fin.max_ms)}${r.agent === 'keepalived-ts' && fin.logged_ms_p50 !== null ? ` (logged ${fin.logged_ms_p50} / ${fin.logged_ms_max})` : ''}${fin.seen < opt.reloads ? ` [${fin.seen} of ${opt.reloads} seen]` : ''}` : '-';
      const whole = s === 'baseline' ? '' : ' (run)';
      console.log(`| ${r.agent} | ${s} | ${g.count} | ${f(g.min_ms)} | ${f(g.p50_ms)} | ${f(g.p99_ms)} | ${f(g.max_ms)} | ${g.over_target}${s === 'baseline' ? '' : ` (${g.reloads_over_target} of ${opt.reloads} reloads)`} | ${finS} | ${s === 'baseline' ? '' : `${r.prio0_before_stop}${whole}`} | ${s === 'baseline' ? '' : `${r.state_changes}${whole}`} | ${s === 'baseline' ? '' : `${r.vips_deleted}${whole}`} |`);
    }
  }
  for (const r of results) {
    const c = r.realtime_clock_steps;
    if (c.count > 0) console.log(`WARNING: ${r.agent}: the realtime clock was stepped ${c.count} times (${c.total_ms} ms in all, largest ${c.largest_ms} ms) while measuring; the adverts' times were moved back onto the monotonic clock, ${c.adverts_near_a_step} of them within ${ClockSampleMs} ms of a step (their gaps may be off by up to the step)`);
  }
  for (const r of results) console.log(`${r.agent}: converged ${r.converged_s} s; VRIDs advertising ${r.vrids_seen}; changed priorities seen in adverts ${r.changed_priority_seen}/${opt.reloads}; VIPs at end ${r.vips_at_end}; reloads refused/failed ${r.reloads_refused_or_failed}; adverts kept up by the addon during reloads ${r.adverts_kept_up_during_reloads ?? '-'}; graceful stop ${r.graceful_stop} (${r.stop_ms} ms); capture dropped ${r.capture_dropped_by_kernel}; machine load ${r.machine_load.map((m) => `${m.load} (CPU pressure ${m.cpu_pressure_avg10} %)`).join(' -> ')}`);
}
if (opt.json) writeFileSync(opt.json, `${JSON.stringify({ date: new Date().toISOString(), options: { ...opt, ktsNodeArgs: opt.ktsNodeArgs.join(' ') }, results }, null, 2)}\n`);
if (failed) {
  console.error(`failed: ${failed.stack ?? failed}`);
  process.exit(1);
}
