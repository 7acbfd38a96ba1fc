// A bounded flood of slow HTTP clients (run under `ip netns exec` next to the daemon):
//   node http-flood.mjs HOST PORT CLIENTS SECONDS
// CLIENTS connections open at once and send a request's headers one byte every 100 ms
// (slowloris); meanwhile 4 clients fetch /metrics back to back. Everything ends after SECONDS.
// Prints a JSON summary: connections opened, ended by the server, refused, and full
// /metrics responses served during the flood.
import net from 'node:net';

const [host, portText, clientsText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const clients = Math.min(Number(clientsText), 5000);
const endAt = Date.now() + Math.min(Number(secondsText), 60) * 1000;
const summary = { clients, opened: 0, endedByServer: 0, refused: 0, served: 0, failed: 0 };
const sockets = new Set();

for (let i = 0; i < clients; i++) {
  const s = net.connect({ host, port });
  sockets.add(s);
  const request = `GET /metrics HTTP/1.1\r\nHost: ${host}\r\nX-Slow: ${'x'.repeat(200)}\r\n\r\n`;
  let sent = 0;
  let timer = null;
  s.on('connect', () => {
    summary.opened++;
    timer = setInterval(() => {
      if (sent < request.length && !s.destroyed) s.write(request[sent++]);
    }, 100);
  });
  s.on('error', (e) => {
    if (e.code === 'ECONNREFUSED') summary.refused++;
  });
  s.on('close', () => {
    clearInterval(timer);
    if (Date.now() < endAt) summary.endedByServer++;
    sockets.delete(s);
  });
}

async function fetcher() {
  while (Date.now() < endAt) {
    try {
      const r = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
      const body = await r.text();
      if (r.status === 200 && body.includes('keepalived_vrrp_state')) summary.served++;
      else summary.failed++;
    } catch {
      summary.failed++;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

await Promise.all([fetcher(), fetcher(), fetcher(), fetcher(), new Promise((r) => setTimeout(r, Math.max(0, endAt - Date.now())))]);
for (const s of sockets) s.destroy();
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(0);
