// Runs INSIDE User-Mode Linux (see src/lab/uml.ts and test/interop/ipvs-uml.test.ts): programs
// the real IPVS of the UML kernel with keepalived-ts and records what the kernel, ipvsadm and
// traffic show. Prints one JSON object; the assertions are in the vitest file on the host.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildDirectorLab, startBackend } from './director-lab.mjs';
import { IpvsClient } from '../../dist/ipvs/client.js';
import { formatTable } from '../../dist/ipvs/format.js';
import { AF_INET, AF_INET6, Forward, SvcFlag, TunnelType } from '../../dist/ipvs/codec.js';

const out = {};
const dir = '/run/kts';
mkdirSync(dir, { recursive: true });
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });
const ipvsadm = () => sh('ipvsadm', ['-Ln']);
const ip = (script) => sh('ip', ['-batch', '-'], { input: script });

// ---- 1. every kind of service and destination, read back two ways -----------------------
const client = await IpvsClient.open();
const base = { af: AF_INET, protocol: 6, port: 80, fwmark: 0, flags: 0, timeout: 0, netmask: 32, peName: '' };
const dest = (address, more = {}) => ({ address, port: 8080, af: address.includes(':') ? AF_INET6 : AF_INET, forward: Forward.MASQ, weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 0, tunnelPort: 0, tunnelFlags: 0, ...more });
const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];
const sent = [];
schedulers.forEach((scheduler, i) => sent.push({ service: { ...base, address: `192.0.2.${10 + i}`, scheduler }, dests: [dest('203.0.113.21', { weight: i })] }));
sent.push(
  { service: { ...base, address: '192.0.2.40', scheduler: 'sh', flags: SvcFlag.SCHED1 | SvcFlag.SCHED2 }, dests: [] },
  { service: { ...base, address: '192.0.2.41', scheduler: 'mh', flags: SvcFlag.SCHED1 | SvcFlag.SCHED2 }, dests: [] },
  { service: { ...base, address: '192.0.2.42', scheduler: 'wrr', flags: SvcFlag.PERSISTENT, timeout: 300, netmask: 24 }, dests: [] },
  { service: { ...base, address: '192.0.2.43', protocol: 17, port: 53, scheduler: 'rr', flags: SvcFlag.ONEPACKET }, dests: [dest('203.0.113.21', { port: 53, forward: Forward.DROUTE })] },
  { service: { ...base, address: '192.0.2.44', protocol: 132, port: 3868, scheduler: 'rr' }, dests: [dest('203.0.113.22', { port: 3868 })] },
  { service: { ...base, address: '192.0.2.45', protocol: 17, port: 5060, scheduler: 'rr', flags: SvcFlag.PERSISTENT, timeout: 60, peName: 'sip' }, dests: [] },
  {
    service: { ...base, address: '192.0.2.50', scheduler: 'wlc' },
    dests: [
      dest('203.0.113.21', { forward: Forward.MASQ, weight: 3, upperThreshold: 100, lowerThreshold: 10 }),
      dest('203.0.113.22', { port: 80, forward: Forward.DROUTE, weight: 0 }),
      dest('203.0.113.23', { port: 80, forward: Forward.TUNNEL, tunnelType: TunnelType.IPIP }),
      dest('203.0.113.24', { port: 80, forward: Forward.TUNNEL, tunnelType: TunnelType.GUE, tunnelPort: 6081, tunnelFlags: 1 }),
      dest('203.0.113.25', { port: 80, forward: Forward.TUNNEL, tunnelType: TunnelType.GRE, tunnelFlags: 2 }),
    ],
  },
  { service: { ...base, address: '0.0.0.0', protocol: 0, port: 0, fwmark: 7, scheduler: 'rr' }, dests: [dest('203.0.113.26', { port: 0, forward: Forward.DROUTE, weight: 2 })] },
  { service: { ...base, af: AF_INET6, address: '::', protocol: 0, port: 0, fwmark: 8, scheduler: 'rr', netmask: 128 }, dests: [dest('2001:db8:1::26', { port: 0, forward: Forward.DROUTE })] },
  { service: { ...base, af: AF_INET6, address: '2001:db8::100', port: 443, scheduler: 'wrr', flags: SvcFlag.PERSISTENT, timeout: 600, netmask: 64 }, dests: [dest('2001:db8:1::21', { port: 443, weight: 5 })] },
);
const refusals = [];
for (const { service, dests } of sent) {
  await client.addService(service);
  for (const d of dests) await client.addDest(service, d);
}
// what the kernel refuses, with its errno
for (const [what, f] of [
  ['duplicate service', () => client.addService(sent[0].service)],
  ['unknown scheduler', () => client.addService({ ...base, address: '192.0.2.99', scheduler: 'twos' })],
  ['dest of a missing service', () => client.addDest({ ...base, address: '192.0.2.98' }, dest('203.0.113.21'))],
  ['delete a missing dest', () => client.deleteDest(sent[0].service, dest('203.0.113.99'))],
]) {
  try {
    await f();
    refusals.push({ what, code: 'accepted' });
  } catch (e) {
    refusals.push({ what, code: e.code ?? e.message });
  }
}
const info = await client.info();
const dumped = await client.table();
out.kinds = { sent, dumped, ipvsadm: ipvsadm(), ours: formatTable(info, dumped), refusals, timeouts: await client.timeouts() };
await client.setTimeouts({ tcp: 7200, tcpFin: 0, udp: 60 });
out.kinds.timeoutsAfter = await client.timeouts();
await client.flush();
out.kinds.afterFlush = (await client.table()).length;

// ---- 2. the agent: -C with a configuration, NAT traffic, reconcile, reload, stop -----------
buildDirectorLab(2);
const backends = await Promise.all(['rs1', 'rs2'].map(startBackend));

const conf = (weight1) => `global_defs {
  router_id uml-ipvs
}
virtual_server 192.0.2.100 80 {
  delay_loop 5
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 203.0.113.21 8080 {
    weight ${weight1}
  }
  real_server 203.0.113.22 8080 {
    weight 1
  }
}
virtual_server 192.0.2.101 443 {
  lb_algo wlc
  lb_kind DR
  protocol TCP
  persistence_timeout 60
  real_server 203.0.113.21 443 {
    weight 2
  }
}
virtual_server fwmark 5 {
  lb_algo sh
  sh-port
  lb_kind TUN
  real_server 203.0.113.23 {
    weight 1
  }
}
virtual_server_group g6 {
  2001:db8::100-101 80
}
virtual_server group g6 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 2001:db8:1::21 80 {
    weight 1
  }
}
virtual_server 192.0.2.102 53 {
  lb_algo twos
  lb_kind NAT
  protocol UDP
  real_server 203.0.113.21 53 {
    weight 1
  }
}
`;
writeFileSync(`${dir}/keepalived.conf`, conf(1));
// a service the configuration does not own, present before the agent starts
sh('ipvsadm', ['-A', '-t', '192.0.2.200:80', '-s', 'rr']);
sh('ipvsadm', ['-a', '-t', '192.0.2.200:80', '-r', '203.0.113.50:80', '-m']);
const agentLog = `${dir}/agent.log`;
const agent = spawn('node', ['dist/cli.js', '-C', '-n', '-l', '-f', `${dir}/keepalived.conf`, '-p', `${dir}/k.pid`, '-c', `${dir}/c.pid`], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let log = '';
agent.stderr.on('data', (b) => (log += b));
const waitLog = async (re, ms = 30000) => {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (re.test(log)) return true;
  return false;
};
out.agent = { programmed: await waitLog(/table programmed/) };
out.agent.started = ipvsadm();

const get = (host, port = 80) =>
  sh('ip', ['netns', 'exec', 'cl', 'node', '-e', `require('http').get('http://${host}:${port}/', (r) => { let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => console.log(b)); }).on('error', (e) => console.log('ERR ' + e.code))`]).trim();
out.traffic = [get('192.0.2.100'), get('192.0.2.100'), get('192.0.2.100'), get('192.0.2.100')];

// arbitrary drift: a wrong weight, a missing dest, an extra dest, an edited scheduler
sh('ipvsadm', ['-e', '-t', '192.0.2.100:80', '-r', '203.0.113.21:8080', '-m', '-w', '7']);
sh('ipvsadm', ['-d', '-t', '192.0.2.100:80', '-r', '203.0.113.22:8080']);
sh('ipvsadm', ['-a', '-t', '192.0.2.101:443', '-r', '203.0.113.99:443', '-g']);
sh('ipvsadm', ['-E', '-t', '192.0.2.101:443', '-s', 'rr', '-p', '60']);
out.drifted = ipvsadm();
const reloads = () => (log.match(/IPVS table reconciled/g) ?? []).length;
agent.kill('SIGHUP');
out.reconciledAfterDrift = await waitLog(/IPVS table reconciled/);
out.afterDrift = ipvsadm();

// traffic again so every NAT dest has counters, then a reload that changes one weight
out.traffic2 = [get('192.0.2.100'), get('192.0.2.100')];
const statsBefore = await IpvsClient.open().then(async (c) => {
  const t = await c.table();
  c.close();
  return t;
});
writeFileSync(`${dir}/keepalived.conf`, conf(4));
const n = reloads();
agent.kill('SIGHUP');
for (const end = Date.now() + 30000; reloads() === n && Date.now() < end; ) await sleep(50);
const statsAfter = await IpvsClient.open().then(async (c) => {
  const t = await c.table();
  c.close();
  return t;
});
out.reload = { before: statsBefore, after: statsAfter, log: log.split('\n').filter((l) => l.includes('IPVS:')).slice(-5) };

// stop: its services removed, the foreign one kept
agent.kill('SIGTERM');
out.exitCode = await new Promise((r) => agent.on('exit', (code) => r(code)));
out.afterStop = ipvsadm();
out.log = log;
for (const b of backends) b.kill();
client.close();
console.log(JSON.stringify(out));
