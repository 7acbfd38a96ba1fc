/**
 * Real Prometheus tooling for the metrics tests (Debian's `prometheus` package: /usr/bin/promtool,
 * /usr/bin/prometheus 2.42). `promtoolCheckMetrics` lints an exposition; `startPrometheus` runs a
 * throwaway server that scrapes one target so tests can query what Prometheus actually ingested.
 *
 * Port choice: Prometheus listens on 127.0.0.1:0 and we read the kernel-chosen port from its
 * "Listening on" log line (hence --log.level=info), so there is no pick-a-free-port race.
 * Network namespaces: with `netns`, Prometheus runs under `ip netns exec NETNS` on 127.0.0.1 inside
 * the namespace, and every API request is made by a short `ip netns exec NETNS node` child (node is
 * always present; curl is not). The caller therefore needs no veth or host-reachable address.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROMTOOL = 'promtool';
const PROMETHEUS = 'prometheus';
/** Enough log to explain a failed start without holding a long run's output. */
const LOG_TAIL_CHARS = 16_384;
const POLL_MS = 200;
const REQUEST_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 5_000;

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusServer {
  /** Base URL of the HTTP API (inside `netns` when one was given). */
  readonly url: string;
  /** Pid of the Prometheus process (also its process group id). */
  readonly pid: number;
  /** Instant query; rejects unless the result is an instant vector. */
  query(promql: string): Promise<PromSample[]>;
  /** Polls `query` until `predicate` holds; rejects with the last rows or error after the deadline. */
  waitFor(promql: string, predicate: (rows: PromSample[]) => boolean, deadlineMs: number): Promise<PromSample[]>;
  /** True when at least one active target exists and every one reports health "up". */
  targetsUp(): Promise<boolean>;
  /** Kills the process group (TERM, then KILL after a grace period) and removes the storage dir. */
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** host:port serving /metrics. */
  target: string;
  netns?: string;
  scrapeIntervalSeconds?: number;
  /** How long to wait for the API to answer ready; default 15 s. */
  deadlineMs?: number;
}

/** Runs `promtool check metrics` on the text (stdin); ok only on exit 0, so lint findings fail too. */
export async function promtoolCheckMetrics(text: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), REQUEST_TIMEOUT_MS * 2);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${PROMTOOL} (install Debian's 'prometheus' package): ${e.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output });
    });
    child.stdin.on('error', () => {}); // promtool may exit before reading all of stdin
    child.stdin.end(text);
  });
}

/** Process groups still running, killed if the test process exits without calling stop(). */
const running = new Set<number>();
process.once('exit', () => {
  for (const pgid of running) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function configYaml(target: string, intervalSeconds: number): string {
  // JSON strings are valid YAML flow scalars, so the target needs no escaping of its own.
  return [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    'scrape_configs:',
    '  - job_name: harness',
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
    '',
  ].join('\n');
}

interface HttpAnswer {
  status: number;
  body: string;
}

/** Body of the child that makes one request inside a namespace and prints {status, body} as JSON. */
const NETNS_FETCH = `
fetch(process.argv[1], { signal: AbortSignal.timeout(${REQUEST_TIMEOUT_MS}) })
  .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))
  .catch((e) => { process.stderr.write(String(e)); process.exit(1); });`;

function httpGetter(netns: string | undefined): (url: string) => Promise<HttpAnswer> {
  if (netns === undefined) {
    return async (url) => {
      const r = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      return { status: r.status, body: await r.text() };
    };
  }
  return (url) =>
    new Promise((resolve, reject) => {
      const args = ['netns', 'exec', netns, process.execPath, '-e', NETNS_FETCH, url];
      execFile('ip', args, { timeout: REQUEST_TIMEOUT_MS * 2, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`GET ${url} in ${netns}: ${stderr || err.message}`));
        else resolve(JSON.parse(stdout) as HttpAnswer);
      });
    });
}

/** Resolves with the port from the "Listening on" line, rejects if the process ends first. */
function listeningPort(child: ChildProcess, logTail: () => string, deadlineMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`no "Listening on" within ${deadlineMs} ms`)), deadlineMs);
    const onData = (d: Buffer): void => {
      seen = (seen + d.toString()).slice(-LOG_TAIL_CHARS);
      const m = /msg="Listening on" address=\S*:(\d+)/.exec(seen);
      if (m) done(undefined, Number(m[1]));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      done(new Error(`prometheus exited (${code ?? signal}) before listening:\n${logTail()}`));
    const onError = (e: Error): void => done(new Error(`cannot run ${PROMETHEUS}: ${e.message}`));
    function done(err?: Error, port?: number): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (err) reject(err);
      else resolve(port!);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function pollUntil<T>(deadlineMs: number, attempt: () => Promise<T | undefined>, what: () => string): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const got = await attempt();
    if (got !== undefined) return got;
    if (Date.now() >= end) throw new Error(`${what()} (deadline ${deadlineMs} ms)`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Starts a real Prometheus scraping `target` every `scrapeIntervalSeconds` (default 1), with its
 * storage in a fresh temp directory, and waits (deadline) until /-/ready answers 200.
 */
export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusServer> {
  const interval = opts.scrapeIntervalSeconds ?? 1;
  const deadlineMs = opts.deadlineMs ?? 15_000;
  const dir = await mkdtemp(join(tmpdir(), 'kts-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, configYaml(opts.target, interval));

  const promArgs = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    '--storage.tsdb.retention.time=1h',
    '--web.listen-address=127.0.0.1:0',
    '--log.level=info', // the "Listening on" line (our port) is logged at info
  ];
  const [command, args] =
    opts.netns === undefined ? [PROMETHEUS, promArgs] : ['ip', ['netns', 'exec', opts.netns, PROMETHEUS, ...promArgs]];
  // Own process group, so stop() reaches anything it forks; `ip netns exec` execs in place.
  const child = spawn(command, args, { cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-LOG_TAIL_CHARS)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let alive = true;
  void exited.then(() => {
    alive = false;
    running.delete(child.pid!);
  });
  if (child.pid !== undefined) running.add(child.pid);

  const stop = async (): Promise<void> => {
    const pid = child.pid;
    // Only while the leader lives: once reaped, its pid (= pgid) may belong to someone else.
    if (pid !== undefined && alive) {
      killGroup(pid, 'SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!graceful) {
        killGroup(pid, 'SIGKILL');
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const port = await listeningPort(child, () => log, deadlineMs);
    const url = `http://127.0.0.1:${port}`;
    const get = httpGetter(opts.netns);
    let lastReady = '';
    await pollUntil(
      deadlineMs,
      async () => {
        if (!alive) throw new Error(`prometheus exited while starting:\n${log}`);
        try {
          const r = await get(`${url}/-/ready`);
          lastReady = `${r.status} ${r.body.trim()}`;
          return r.status === 200 ? true : undefined;
        } catch (e) {
          lastReady = String(e);
          return undefined;
        }
      },
      () => `prometheus at ${url} not ready: ${lastReady}\n${log}`,
    );
    return makeServer(url, child.pid!, get, stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function apiData(get: (url: string) => Promise<HttpAnswer>, url: string): Promise<unknown> {
  const r = await get(url);
  let parsed: { status?: string; data?: unknown; error?: string };
  try {
    parsed = JSON.parse(r.body) as typeof parsed;
  } catch {
    throw new Error(`GET ${url}: HTTP ${r.status}, not JSON: ${r.body.slice(0, 200)}`);
  }
  if (parsed.status !== 'success') throw new Error(`GET ${url}: HTTP ${r.status}: ${parsed.error ?? r.body}`);
  return parsed.data;
}

function makeServer(
  url: string,
  pid: number,
  get: (url: string) => Promise<HttpAnswer>,
  stop: () => Promise<void>,
): PrometheusServer {
  const query = async (promql: string): Promise<PromSample[]> => {
    const data = (await apiData(get, `${url}/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
      resultType: string;
      result: unknown;
    };
    if (data.resultType !== 'vector') throw new Error(`query ${promql}: ${data.resultType} result, want vector`);
    return data.result as PromSample[];
  };

  const waitFor = async (
    promql: string,
    predicate: (rows: PromSample[]) => boolean,
    deadlineMs: number,
  ): Promise<PromSample[]> => {
    let last = 'no answer yet';
    return pollUntil(
      deadlineMs,
      async () => {
        try {
          const rows = await query(promql);
          last = JSON.stringify(rows);
          return predicate(rows) ? rows : undefined;
        } catch (e) {
          last = String(e);
          return undefined;
        }
      },
      () => `waitFor(${promql}) never satisfied; last: ${last}`,
    );
  };

  const targetsUp = async (): Promise<boolean> => {
    const data = (await apiData(get, `${url}/api/v1/targets?state=active`)) as {
      activeTargets: { health: string }[];
    };
    return data.activeTargets.length > 0 && data.activeTargets.every((t) => t.health === 'up');
  };

  return { url, pid, query, waitFor, targetsUp, stop };
}
