// The director lab both UML scenarios build (runs INSIDE User-Mode Linux): real servers rs1..rsN
// in namespaces on a bridge (203.0.113.21 + i, gateway 203.0.113.1), a client namespace `cl`
// (198.51.100.2 behind 198.51.100.1), the VIPs 192.0.2.100 and .101 on a dummy, forwarding on;
// and HTTP backends on port 8080 in the real servers' namespaces, answering their names.
import { execFileSync, spawn } from 'node:child_process';

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts });

/** Build the lab with `realServers` real-server namespaces. */
export function buildDirectorLab(realServers) {
  const rs = Array.from({ length: realServers }, (_, i) => `rs${i + 1}`);
  const links = [...rs, 'cl'].map((ns) => `link add v${ns} type veth peer name eth0 netns ${ns}\n`);
  sh('ip', ['-batch', '-'], {
    input:
      [...rs, 'cl'].map((ns) => `netns add ${ns}\n`).join('') +
      'link add br0 type bridge\naddr add 203.0.113.1/24 dev br0\nlink set br0 up\n' +
      rs.map((ns, i) => `${links[i]}link set v${ns} master br0 up\n`).join('') +
      `${links[rs.length]}addr add 198.51.100.1/24 dev vcl\nlink set vcl up\n` +
      'link add lab0 type dummy\naddr add 192.0.2.100/32 dev lab0\naddr add 192.0.2.101/32 dev lab0\nlink set lab0 up\n',
  });
  const hosts = Object.fromEntries([...rs.map((ns, i) => [ns, `203.0.113.${21 + i}`]), ['cl', '198.51.100.2']]);
  for (const [ns, addr] of Object.entries(hosts)) {
    const gw = ns === 'cl' ? '198.51.100.1' : '203.0.113.1';
    sh('ip', ['-n', ns, '-batch', '-'], { input: `link set lo up\naddr add ${addr}/24 dev eth0\nlink set eth0 up\nroute add default via ${gw}\n` });
  }
  sh('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  return hosts;
}

/** An HTTP backend in namespace `ns` on port 8080 answering its name; resolves once listening. */
export async function startBackend(ns) {
  const p = spawn('ip', ['netns', 'exec', ns, 'node', '-e', `require('http').createServer((q, s) => s.end('${ns}')).listen(8080, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => p.stdout.once('data', r));
  return p;
}
