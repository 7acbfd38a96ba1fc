/**
 * Failover scenarios in the namespace lab, measured from a capture on the bridge: the demo
 * (`keepalived-ts lab`) and the failover bench use it. Two directors: h1 MASTER priority 150,
 * h2 BACKUP priority 100, VIP 192.0.2.100; h1 fails (crash, SIGTERM or link down), h2 takes
 * over; h1 comes back and preempts before the next trial.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetnsLab } from './netns.js';
import type { CapturedEvent } from './capture.js';
import { masterDownIntervalUs, skewTimeUs } from '../vrrp/state-machine.js';

export type FailoverMode = 'kill9' | 'term' | 'linkdown';
export type LabAgent = 'keepalived' | 'keepalived-ts';

export interface ScenarioSpec {
  agent: LabAgent;
  version: 2 | 3;
  /** Seconds. */
  advertInt: number;
  mode: FailoverMode;
  trials: number;
}

export interface TrialResult {
  /** Last advert of the old master (its priority-0 advert for 'term'), epoch seconds. */
  from: number;
  firstNewAdvert: number;
  firstNewGarp: number | null;
  /** firstNewAdvert - from, ms. */
  advertMs: number;
  /** firstNewGarp - from, ms. */
  garpMs: number | null;
  /** What the RFC timers allow, ms. */
  boundMs: number;
}

export const LabVip = '192.0.2.100';
const MasterAddress = NetnsLab.address(1);
const BackupAddress = NetnsLab.address(2);

const here = dirname(fileURLToPath(import.meta.url));
// the command run as users run it: its first line gives node's flags
const command = resolve(here, '../cli.js');
const captureJs = resolve(here, 'capture.js');

export function boundMs(spec: Pick<ScenarioSpec, 'version' | 'advertInt' | 'mode'>): number {
  const mai = Math.round(spec.advertInt * 1e6);
  const us = spec.mode === 'term' ? skewTimeUs(spec.version, 100, mai) : masterDownIntervalUs(spec.version, 3, 100, mai);
  return us / 1000;
}

export function labConfig(host: 'director1' | 'director2', version: 2 | 3, advertInt: number, fifo?: string): string {
  const master = host === 'director1';
  return `global_defs {
  router_id ${host}
  vrrp_version ${version}
${fifo ? `  vrrp_notify_fifo ${fifo}\n` : ''}}
vrrp_instance VI_1 {
  state ${master ? 'MASTER' : 'BACKUP'}
  interface eth0
  virtual_router_id 51
  priority ${master ? 150 : 100}
  advert_int ${advertInt}
  virtual_ipaddress {
    ${LabVip}/24
  }
}
`;
}

interface Director {
  child: ChildProcess;
  pidFile: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

export class FailoverLab {
  readonly lab: NetnsLab;
  readonly events: CapturedEvent[] = [];
  #capture: ChildProcess | null = null;

  constructor(
    prefix: string,
    readonly workDir: string,
  ) {
    this.lab = new NetnsLab(prefix);
  }

  async up(): Promise<void> {
    rmSync(this.workDir, { recursive: true, force: true });
    mkdirSync(this.workDir, { recursive: true });
    this.lab.up(2);
    const cap = spawn('ip', ['netns', 'exec', this.lab.switchNs, process.execPath, captureJs, 'br0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#capture = cap;
    let ready = false;
    createInterface({ input: cap.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as CapturedEvent | { ready: string };
      if ('ready' in e) ready = true;
      else this.events.push(e);
    });
    await until(() => ready, 5000, 'capture ready');
  }

  down(): void {
    this.#capture?.kill('SIGTERM');
    this.lab.down();
  }

  holders(): string[] {
    return [1, 2].filter((h) => this.holds(h)).map((h) => `director${h}`);
  }

  holds(host: number): boolean {
    return this.lab.addresses(this.lab.host(host)).includes(LabVip);
  }

  start(agent: LabAgent, host: 1 | 2, config: string): Director {
    const dir = join(this.workDir, `h${host}`);
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, config);
    const pidFile = join(dir, 'main.pid');
    // a crashed keepalived's VRRP child can linger as a zombie when nothing reaps orphans here,
    // and its pid file would then block the restart: start clean, as after a reboot
    for (const f of ['main.pid', 'vrrp.pid', 'checkers.pid', 'bfd.pid']) rmSync(join(dir, f), { force: true });
    const args = ['-n', '-l', '-f', conf, '-p', pidFile, '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid'), '-b', join(dir, 'bfd.pid')];
    const log = openSync(join(dir, 'log'), 'a');
    const child =
      agent === 'keepalived'
        ? this.lab.spawn(this.lab.host(host), 'keepalived', args, { stdio: ['ignore', log, log] })
        : this.lab.spawn(this.lab.host(host), command, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    return { child, pidFile };
  }

  async fail(d: Director, mode: FailoverMode): Promise<void> {
    if (mode === 'kill9') {
      process.kill(-d.child.pid!, 'SIGKILL');
    } else if (mode === 'term') {
      await until(() => existsSync(d.pidFile), 5000, 'pid file');
      process.kill(Number(readFileSync(d.pidFile, 'utf8')), 'SIGTERM');
    } else {
      this.lab.ip('-n', this.lab.switchNs, 'link', 'set', 'p1', 'down');
    }
  }

  async stop(d: Director): Promise<void> {
    if (d.child.exitCode !== null || d.child.signalCode !== null) return;
    try {
      process.kill(-d.child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    await until(() => d.child.exitCode !== null || d.child.signalCode !== null, 5000, 'director exit').catch(() => process.kill(-d.child.pid!, 'SIGKILL'));
  }

  /** The measurement of the failover that happened after event index `mark`. */
  measure(mark: number, spec: ScenarioSpec): TrialResult | null {
    const after = this.events.slice(mark);
    const firstNew = after.find((e) => e.kind === 'advert' && e.src === BackupAddress && (e.priority ?? 0) > 0);
    if (!firstNew) return null;
    const before = this.events.filter((e) => e.kind === 'advert' && e.src === MasterAddress && e.t <= firstNew.t);
    const old = spec.mode === 'term' ? before.filter((e) => e.priority === 0).at(-1) : before.filter((e) => (e.priority ?? 0) > 0).at(-1);
    if (!old) return null;
    const garp = after.find((e) => e.kind === 'garp' && e.mac === firstNew.mac && e.t >= old.t);
    return {
      from: old.t,
      firstNewAdvert: firstNew.t,
      firstNewGarp: garp?.t ?? null,
      advertMs: (firstNew.t - old.t) * 1000,
      garpMs: garp ? (garp.t - old.t) * 1000 : null,
      boundMs: boundMs(spec),
    };
  }

  /** Run the trials of one scenario; `say` gets progress lines. */
  async run(spec: ScenarioSpec, say: (line: string) => void = () => undefined): Promise<TrialResult[]> {
    const results: TrialResult[] = [];
    const settleMs = 2 * spec.advertInt * 1000 + 500;
    const started = Date.now();
    let h1 = this.start(spec.agent, 1, labConfig('director1', spec.version, spec.advertInt));
    await until(() => this.holds(1), 10_000, 'director1 to become MASTER');
    say(`director1 (${MasterAddress}, priority 150) is MASTER and holds ${LabVip}, ${((Date.now() - started) / 1000).toFixed(1)} s after it started`);
    const h2 = this.start(spec.agent, 2, labConfig('director2', spec.version, spec.advertInt));
    await sleep(settleMs);
    say(`director2 (${BackupAddress}, priority 100) runs as BACKUP; VIP holders: ${this.holders().join(', ')}`);
    try {
      for (let i = 0; i < spec.trials; i++) {
        const mark = this.events.length;
        await this.fail(h1, spec.mode);
        await until(() => this.holds(2) && this.measure(mark, spec) !== null, 10_000, 'director2 to take over');
        await sleep(Math.max(300, spec.advertInt * 1000));
        const r = this.measure(mark, spec)!;
        results.push(r);
        say(
          `${spec.agent} v${spec.version} advert_int ${spec.advertInt} ${spec.mode} #${i + 1}: first advert after ${r.advertMs.toFixed(1)} ms, ` +
            `first gratuitous ARP after ${r.garpMs === null ? '-' : r.garpMs.toFixed(1)} ms (RFC bound ${r.boundMs.toFixed(1)} ms)`,
        );
        if (spec.mode === 'linkdown') this.lab.ip('-n', this.lab.switchNs, 'link', 'set', 'p1', 'up');
        else {
          await this.stop(h1); // a stopping daemon must be gone before its successor starts
          h1 = this.start(spec.agent, 1, labConfig('director1', spec.version, spec.advertInt));
        }
        const back = Date.now();
        await until(() => this.holds(1) && !this.holds(2), 15_000, 'director1 to preempt back');
        say(`director1 is back and preempted director2 after ${((Date.now() - back) / 1000).toFixed(1)} s; VIP holders: ${this.holders().join(', ')}`);
        await sleep(settleMs);
      }
    } finally {
      await this.stop(h1);
      await this.stop(h2);
    }
    return results;
  }
}
