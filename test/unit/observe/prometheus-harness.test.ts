/**
 * The Prometheus harness against the real tools: promtool's linter verdicts, and a real server that
 * scrapes a tiny loopback exporter, answers queries and leaves no process behind. Nothing is
 * skipped when the tools are missing: CI installs Debian's `prometheus` package, so absence fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { listen, shut } from '../../helpers/loopback.js';
import { promtoolCheckMetrics, startPrometheus, type PrometheusServer } from '../../helpers/prometheus.js';

const VALID = `# HELP demo_requests_total Requests handled.
# TYPE demo_requests_total counter
demo_requests_total 7
# HELP demo_vrrp_state VRRP instance state.
# TYPE demo_vrrp_state gauge
demo_vrrp_state{vrid="51",iface="eth0"} 2
# HELP demo_check_duration_seconds Check duration.
# TYPE demo_check_duration_seconds histogram
demo_check_duration_seconds_bucket{le="0.1"} 1
demo_check_duration_seconds_bucket{le="1"} 3
demo_check_duration_seconds_bucket{le="+Inf"} 4
demo_check_duration_seconds_sum 2.5
demo_check_duration_seconds_count 4
`;

const EXPORTED = `# HELP demo_up Whether the demo is up.
# TYPE demo_up gauge
demo_up 1
# HELP demo_vrrp_state VRRP instance state.
# TYPE demo_vrrp_state gauge
demo_vrrp_state{vrid="51",iface="eth0"} 2
`;

function installed(tool: string): void {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${tool} is not runnable (${r.error?.message ?? r.stderr}); install Debian's 'prometheus' package`);
  }
}

describe('promtoolCheckMetrics', () => {
  it('needs promtool installed', () => {
    installed('promtool');
  });

  it('accepts a counter, a labelled gauge and a histogram', async () => {
    const r = await promtoolCheckMetrics(VALID);
    expect(r).toEqual({ ok: true, output: '' });
  });

  it('rejects a second TYPE line for the same metric, naming it', async () => {
    const r = await promtoolCheckMetrics(`${VALID}# TYPE demo_requests_total counter\n`);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/second TYPE line for metric name "demo_requests_total"/);
  });

  it('rejects an invalid metric name', async () => {
    const r = await promtoolCheckMetrics(`${VALID}9demo_bad 1\n`);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/invalid metric name/);
  });

  it('treats lint findings as failures (counter without HELP or _total)', async () => {
    const r = await promtoolCheckMetrics('# TYPE demo_hits counter\ndemo_hits 1\n');
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/demo_hits no help text/);
    expect(r.output).toMatch(/should have "_total" suffix/);
  });
});

/** A loopback exporter serving `body` (or a 500 when `body` is null) and counting /metrics hits. */
async function exporter(body: string | null): Promise<{ target: string; scrapes: () => number; close: () => Promise<void> }> {
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    scrapes++;
    if (body === null) return void res.writeHead(500).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  const port = await listen(server);
  return { target: `127.0.0.1:${port}`, scrapes: () => scrapes, close: () => shut(server) };
}

/** Same exporter as a child inside a namespace; its first stdout line is the port. */
const NETNS_EXPORTER = `
const s = require('node:http').createServer((q, r) => r.end(process.argv[1]));
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

const upIs = (v: string) => (rows: { value: [number, string] }[]) => rows.length === 1 && rows[0]!.value[1] === v;

// Concurrent: each Prometheus spends ~5 s before its first scrape (2.42's fixed target-update tick).
describe.concurrent('startPrometheus', () => {
  it('needs prometheus installed', () => {
    installed('prometheus');
  });

  it('scrapes a loopback exporter, answers queries, and stop() leaves no process', async () => {
    const exp = await exporter(EXPORTED);
    let prom: PrometheusServer | undefined;
    try {
      prom = await startPrometheus({ target: exp.target, deadlineMs: 10_000 });
      expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const up = await prom.waitFor('demo_up', upIs('1'), 12_000);
      expect(up[0]!.metric).toEqual({ __name__: 'demo_up', job: 'harness', instance: exp.target });
      expect(exp.scrapes()).toBeGreaterThan(0);

      const state = await prom.query('demo_vrrp_state');
      expect(state).toHaveLength(1);
      expect(state[0]!.metric).toEqual({
        __name__: 'demo_vrrp_state',
        job: 'harness',
        instance: exp.target,
        vrid: '51',
        iface: 'eth0',
      });
      expect(state[0]!.value[1]).toBe('2');
      expect(await prom.targetsUp()).toBe(true);

      const { pid, url } = prom;
      expect(() => process.kill(pid, 0)).not.toThrow();
      await prom.stop();
      prom = undefined;
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
      await expect(fetch(`${url}/-/ready`)).rejects.toThrow();
    } finally {
      await prom?.stop();
      await exp.close();
    }
  });

  it('reports a target that answers 500 as not up', async () => {
    const exp = await exporter(null);
    const prom = await startPrometheus({ target: exp.target, deadlineMs: 10_000 });
    try {
      // `up` is Prometheus's own per-target series: 0 after a failed scrape.
      await prom.waitFor('up', upIs('0'), 12_000);
      expect(exp.scrapes()).toBeGreaterThan(0);
      expect(await prom.targetsUp()).toBe(false);
    } finally {
      await prom.stop();
      await exp.close();
    }
  });

  it('runs inside a network namespace and scrapes a target only reachable there', async () => {
    const ns = `kts-obs-${process.pid}`;
    const ip = (...args: string[]): void => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
    };
    ip('netns', 'add', ns);
    let target: ChildProcess | undefined;
    let prom: PrometheusServer | undefined;
    try {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      target = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', NETNS_EXPORTER, EXPORTED]);
      const [line] = (await once(createInterface({ input: target.stdout! }), 'line')) as [string];
      prom = await startPrometheus({ target: `127.0.0.1:${line}`, netns: ns, deadlineMs: 10_000 });
      await prom.waitFor('demo_up', upIs('1'), 12_000);
      const state = await prom.query('demo_vrrp_state{vrid="51"}');
      expect(state.map((r) => r.value[1])).toEqual(['2']);
      expect(await prom.targetsUp()).toBe(true);

      const { pid } = prom;
      await prom.stop();
      prom = undefined;
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    } finally {
      await prom?.stop();
      if (target && target.exitCode === null) {
        const exited = once(target, 'exit');
        target.kill('SIGKILL');
        await exited;
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});
