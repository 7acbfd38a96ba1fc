// The real servers of bench/checkers.mjs: one HTTP server on 0.0.0.0:PORT (every 127.x.y.z
// reaches it over loopback), answering `ok` and closing; TCP_CHECK connections just come and go.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 18000);
const server = createServer((_q, s) => {
  s.setHeader('connection', 'close');
  s.end('ok');
});
server.on('clientError', (_e, socket) => socket.destroy());
server.on('connection', (s) => s.on('error', () => {}));
server.maxConnections = 60000;
server.listen({ port, host: '0.0.0.0', backlog: 65535, exclusive: false }, () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
