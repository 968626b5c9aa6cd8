import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

/**
 * The floor for idle connections: a plain `ws` server (no permessage-deflate) that holds sockets
 * and does nothing with them. GET /healthz answers 200 for the bench's readiness check.
 */
const port = Number(process.env.PORT ?? 0);
const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('error', () => undefined));
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
