import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Redis from 'ioredis';
import WebSocket, { WebSocketServer } from 'ws';
import { EndpointTokenCodec } from '@herald/tokens';
// The floor takes only the key layout and the script text, not @herald/storage's index: that would
// load Herald's metrics (prom-client collectors and their event-loop monitor) into the floor.
// eslint-disable-next-line no-restricted-imports
import { ACK, keys } from '../../libs/storage/src/testing';

/**
 * Herald's own floor, gateway side (issue 14): the per-notification work a Herald gateway cannot
 * avoid and nothing else. A node subscribes to its own channel; a notification published there by
 * the floor ingress (Herald's NOTIFY script) is written to the UAID's socket as Herald's frame; an
 * ack frame runs Herald's ACK script (the text imported from libs/storage, so it stays the same).
 * hello and register write just what NOTIFY reads (the user's route, the channel's entry) and
 * answer with a genuine endpoint token; no validation, metrics, queues or expiry.
 */
const port = Number(process.env.PORT ?? 0);
const nodeId = process.env.NODE_ID ?? `floor-${port}`;
const base = process.env.PUBLIC_URL ?? 'http://127.0.0.1:8080';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const tokens = new EndpointTokenCodec(Buffer.from(process.env.ENDPOINT_SECRET ?? '', 'hex'));

const redis = new Redis(redisUrl, { enableAutoPipelining: true });
redis.defineCommand('heraldAck', { numberOfKeys: 1, lua: ACK });
const runAck = (redis as unknown as { heraldAck(...a: string[]): Promise<unknown> }).heraldAck.bind(
  redis,
);
const sub = new Redis(redisUrl);

interface Conn {
  ws: WebSocket;
  epoch: string;
}
const byUaid = new Map<string, Conn>();

interface NodeMessage {
  t: string;
  uaid: string;
  epoch: string;
  update: { channelID: string; version: string };
}

sub.on('message', (_channel: string, text: string) => {
  const m = JSON.parse(text) as NodeMessage;
  const c = byUaid.get(m.uaid);
  if (m.t !== 'notify' || !c || c.epoch !== m.epoch || c.ws.readyState !== WebSocket.OPEN) return;
  c.ws.send(
    `{"messageType":"notification","updates":[{"channelID":"${m.update.channelID}","version":${m.update.version}}]}`,
  );
});

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  let uaid = '';
  ws.on('error', () => undefined);
  ws.on('close', () => {
    if (uaid && byUaid.get(uaid)?.ws === ws) byUaid.delete(uaid);
  });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as {
      messageType?: string;
      channelID?: string;
      updates?: Array<{ channelID: string; version: number | string }>;
    };
    switch (frame.messageType) {
      case 'ack': {
        if (!uaid || !frame.updates?.length) return;
        const args = frame.updates.flatMap((u) => [u.channelID, String(u.version)]);
        void runAck(keys.channels(uaid), ...args).catch(() => undefined);
        return;
      }
      case 'hello': {
        // A new UAID with epoch 1 routed here: what Herald's hello leaves for NOTIFY to read.
        const id = randomBytes(16).toString('hex');
        void redis.hset(keys.user(id), 'node', nodeId, 'epoch', '1').then(() => {
          uaid = id;
          byUaid.set(id, { ws, epoch: '1' });
          ws.send(JSON.stringify({ messageType: 'hello', uaid: id, status: 200 }));
        });
        return;
      }
      case 'register': {
        const chid = frame.channelID;
        if (!uaid || !chid) return;
        void redis.hset(keys.channels(uaid), chid, '').then(() => {
          const token = tokens.encode({ kind: 'simplepush', uaid, channelID: chid });
          ws.send(
            JSON.stringify({
              messageType: 'register',
              channelID: chid,
              status: 200,
              pushEndpoint: `${base}/update/${token}`,
            }),
          );
        });
        return;
      }
    }
  });
});

void sub.subscribe(keys.nodeChannel(nodeId)).then(() => server.listen(port, '127.0.0.1'));
process.on('SIGTERM', () => process.exit(0));
