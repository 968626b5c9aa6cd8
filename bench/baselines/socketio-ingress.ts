import { createServer } from 'node:http';
import { Emitter } from '@socket.io/redis-emitter';
import Redis from 'ioredis';

/**
 * The Socket.IO peer's ingress: a plain `node:http` server turning `PUT /update/<channelID>` with
 * `version=N` into `notification {channelID, version}` emitted to that channel's room through
 * `@socket.io/redis-emitter` (one PUBLISH, which every Socket.IO node's Redis adapter receives).
 * It answers 200 once the emit is handed to Redis: it stores nothing and cannot know a delivery.
 */
const port = Number(process.env.PORT ?? 0);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const emitter = new Emitter(redis);

const server = createServer((req, res) => {
  const url = req.url ?? '';
  if (req.method === 'GET' && url === '/healthz') return void res.writeHead(200).end();
  if (req.method !== 'PUT' || !url.startsWith('/update/')) return void res.writeHead(404).end();
  const chid = url.slice('/update/'.length);
  let body = '';
  req.setEncoding('latin1');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    const version = /version=(\d+)/.exec(body)?.[1];
    if (!version) return void res.writeHead(400).end();
    emitter.to(chid).emit('notification', { channelID: chid, version: Number(version) });
    res.writeHead(200).end();
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
