// Runs INSIDE User-Mode Linux (see src/lab/uml.ts and test/interop/checkers-uml.test.ts): the
// health checkers driving the real IPVS of the UML kernel, first with keepalived-ts -C, then
// with Debian's keepalived -C on the same configuration and the same steps, so that the tables
// and the detection times can be compared. Prints one JSON object; the assertions are on the host.
// usage: node test/uml/checker-scenario.mjs [TRIALS=3]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildDirectorLab, startBackend as startLabBackend } from './director-lab.mjs';

const trials = Number(process.argv[2] ?? 3);
const dir = '/run/kts-check';
mkdirSync(dir, { recursive: true });
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });
const ipvsadm = () => sh('ipvsadm', ['-Ln']);
const now = () => Number(process.hrtime.bigint()) / 1e6;

// three real servers in namespaces on a bridge, a client behind the director, VIPs on a dummy
buildDirectorLab(3);

/** The running HTTP backends, by namespace. */
const backends = {};
async function startBackend(ns) {
  backends[ns] = await startLabBackend(ns);
}
async function stopBackend(ns) {
  const p = backends[ns];
  delete backends[ns];
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
}

const fifo = `${dir}/lvs.fifo`;
const conf = `global_defs {
  router_id uml-check
  lvs_notify_fifo ${fifo}
}
virtual_server 192.0.2.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  sorry_server 203.0.113.23 8080
  real_server 203.0.113.21 8080 {
    weight 1
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 3
      retry 1
      delay_before_retry 1
    }
  }
  real_server 203.0.113.22 8080 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }
}
virtual_server 192.0.2.102 8080 {
  delay_loop 1
  ha_suspend
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 203.0.113.21 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }
}
virtual_server 192.0.2.101 8080 {
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 203.0.113.21 8080 {
    weight 3
    inhibit_on_failure
    TCP_CHECK {
      connect_timeout 1
      retry 1
      delay_before_retry 1
    }
  }
}
`;
writeFileSync(`${dir}/keepalived.conf`, conf);

/** Poll the table until `pred(text)` holds; ms taken, or null after `limitMs`. */
async function until(pred, limitMs = 15000) {
  const t0 = now();
  while (now() - t0 < limitMs) {
    if (pred(ipvsadm())) return now() - t0;
    await sleep(20);
  }
  return null;
}
const has = (t, vip, rs) => {
  const block = t.split(/\n(?=TCP|UDP|FWM)/).find((b) => b.startsWith(`TCP  ${vip} `)) ?? '';
  const line = block.split('\n').find((l) => l.includes(`-> ${rs}`));
  return line ? Number(line.trim().split(/\s+/)[3]) : null; // the weight, or null when absent
};
const get = () =>
  sh('ip', ['netns', 'exec', 'cl', 'node', '-e', `require('http').get('http://192.0.2.100/', (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => console.log(b)); }).on('error', (e) => console.log('ERR ' + e.code))`]).trim();
/** ipvsadm -Ln without the connection counters, which traffic changes. */
const plain = (t) => t.split('\n').map((l) => (l.startsWith('  -> ') ? l.replace(/\s+\d+\s+\d+\s*$/, '') : l)).join('\n');

async function run(agent) {
  const r = { agent, steps: {}, tables: {}, down: [], up: [], metrics: {}, status: {} };
  // keepalived-ts's /metrics and /status at the moments the tables are taken
  const observe = async (name) => {
    if (agent !== 'keepalived-ts') return;
    // generous: in UML the first fetch() loads undici and the daemon its dump collectors, each slow there
    const get = async (path) => (await fetch(`http://127.0.0.1:9165${path}`, { signal: AbortSignal.timeout(60_000) })).text();
    const t0 = now();
    r.metrics[name] = await get('/metrics');
    r.status[name] = JSON.parse(await get('/status'));
    r.observeMs = { ...r.observeMs, [name]: Math.round(now() - t0) };
  };
  await startBackend('rs1');
  await startBackend('rs2');
  await startBackend('rs3');
  const argv =
    agent === 'keepalived-ts'
      ? ['node', ['dist/cli.js', '-C', '-n', '-l', '-f', `${dir}/keepalived.conf`, '-p', `${dir}/k.pid`, '-c', `${dir}/c.pid`, '--http-listen', '127.0.0.1:9165']]
      : ['keepalived', ['-C', '-n', '-l', '-D', '-f', `${dir}/keepalived.conf`, '-p', `${dir}/k.pid`, '-c', `${dir}/c.pid`]];
  // the FIFO's reader: every RS/VS line the agent writes, until it closes the FIFO at exit
  sh('mkfifo', [fifo]);
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
  let fifoText = '';
  reader.stdout.on('data', (b) => (fifoText += b));
  const p = spawn(argv[0], argv[1], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  p.stdout.on('data', (b) => (log += b));
  p.stderr.on('data', (b) => (log += b));
  try {
    r.steps.started = await until((t) => has(t, '192.0.2.100:80', '203.0.113.21:8080') === 1 && has(t, '192.0.2.100:80', '203.0.113.22:8080') === 2 && has(t, '192.0.2.101:8080', '203.0.113.21:8080') === 3, 60000); // node's start in UML is slow
    r.tables.started = plain(ipvsadm());
    await observe('started');
    r.traffic = [get(), get(), get(), get()];
    // let every checker settle past its first checks before measuring
    await sleep(2500);
    for (let i = 0; i < trials; i++) {
      await stopBackend('rs1');
      const removed = await until((t) => has(t, '192.0.2.100:80', '203.0.113.21:8080') === null && has(t, '192.0.2.101:8080', '203.0.113.21:8080') === 0);
      r.down.push(removed);
      if (i === 0) r.tables.rs1Down = plain(ipvsadm());
      if (i === 0) await observe('rs1Down');
      if (i === 0) r.trafficRs1Down = [get(), get(), get()];
      if (i === 0) {
        // ha_suspend: 192.0.2.102 is not on this host, so its checker has not run and rs1 stays;
        // once the address appears (as on a VRRP takeover) the checker runs and takes rs1 out
        r.suspended = { kept: has(ipvsadm(), '192.0.2.102:8080', '203.0.113.21:8080') };
        sh('ip', ['addr', 'add', '192.0.2.102/32', 'dev', 'lab0']);
        r.suspended.removedAfterMs = await until((t) => has(t, '192.0.2.102:8080', '203.0.113.21:8080') === null);
        sh('ip', ['addr', 'del', '192.0.2.102/32', 'dev', 'lab0']);
      }
      await startBackend('rs1');
      r.up.push(await until((t) => has(t, '192.0.2.100:80', '203.0.113.21:8080') === 1 && has(t, '192.0.2.101:8080', '203.0.113.21:8080') === 3));
      await sleep(1500);
    }
    // every real server down: the sorry server alone; one back: the sorry server out
    await stopBackend('rs1');
    await stopBackend('rs2');
    // every table compared between the agents is taken once all of its checkers have settled:
    // here rs1's inhibited entry in 192.0.2.101 must have gone to weight 0 too
    r.steps.sorry = await until(
      (t) => has(t, '192.0.2.100:80', '203.0.113.23:8080') === 1 && has(t, '192.0.2.100:80', '203.0.113.22:8080') === null && has(t, '192.0.2.101:8080', '203.0.113.21:8080') === 0,
    );
    r.tables.sorry = plain(ipvsadm());
    r.trafficSorry = get();
    await startBackend('rs2');
    r.steps.sorryOut = await until((t) => has(t, '192.0.2.100:80', '203.0.113.23:8080') === null && has(t, '192.0.2.100:80', '203.0.113.22:8080') === 2);
    r.tables.recovered = plain(ipvsadm());
    await observe('recovered');
  } finally {
    process.kill(-p.pid, 'SIGTERM');
    r.exit = await new Promise((res) => p.once('exit', (code, signal) => res(code ?? signal)));
    for (const ns of Object.keys(backends)) await stopBackend(ns);
    r.afterStop = ipvsadm();
    sh('ipvsadm', ['-C']);
    // the agent's exit closes the FIFO's last writer; a reader still blocked (agent never opened it) is stopped
    await Promise.race([new Promise((res) => (reader.exitCode !== null ? res() : reader.once('exit', res))), sleep(3000)]);
    reader.kill();
    r.fifo = fifoText.split('\n').filter(Boolean);
    sh('rm', ['-f', fifo]);
    r.log = log.split('\n').slice(-60).join('\n');
  }
  return r;
}

const out = { trials, runs: [] };
for (const agent of ['keepalived-ts', 'keepalived']) out.runs.push(await run(agent));
console.log(JSON.stringify(out));
