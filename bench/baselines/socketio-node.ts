import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';

/**
 * The peer Herald is set beside (issue 14): one Socket.IO 4 node with the Redis adapter, as a
 * team would build a fan-out stack without Herald. A client connects with its channel id in the
 * handshake's `auth`, joins the room of that id and is told its endpoint on the peer's ingress
 * (socketio-ingress.ts), which emits to the room through the Redis emitter. No storage, no acks:
 * the work Socket.IO does for a delivery, nothing more. WebSocket transport only, as the clients.
 */
const port = Number(process.env.PORT ?? 0);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ingressUrl = process.env.PUBLIC_URL ?? 'http://127.0.0.1:8080';

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  adapter: createAdapter(pub, sub),
});
io.on('connection', (socket) => {
  const chid = (socket.handshake.auth as { channelID?: unknown }).channelID;
  if (typeof chid !== 'string' || !/^[0-9a-f-]{1,64}$/.test(chid)) return void socket.disconnect();
  void socket.join(chid);
  socket.emit('registered', `${ingressUrl}/update/${chid}`);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
