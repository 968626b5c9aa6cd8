import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * The floor for the notification pipeline: one process, no Redis, no state beyond a map
 * channelID → socket. It speaks just enough SimplePush (hello, register, ack ignored) for the
 * bench's clients, and turns `PUT /update/<channelID>` with `version=N` into a notification frame.
 */
const port = Number(process.env.PORT ?? 0);
const base = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
const byChannel = new Map<string, WebSocket>();

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
    const ws = byChannel.get(chid);
    if (!version) return void res.writeHead(400).end();
    if (!ws || ws.readyState !== WebSocket.OPEN) return void res.writeHead(202).end();
    ws.send(
      `{"messageType":"notification","updates":[{"channelID":"${chid}","version":${version}}]}`,
    );
    res.writeHead(200).end();
  });
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { messageType?: string; channelID?: string };
    if (frame.messageType === 'hello') {
      ws.send(
        JSON.stringify({ messageType: 'hello', uaid: randomUUID().replace(/-/g, ''), status: 200 }),
      );
    } else if (frame.messageType === 'register' && frame.channelID) {
      byChannel.set(frame.channelID, ws);
      ws.send(
        JSON.stringify({
          messageType: 'register',
          channelID: frame.channelID,
          status: 200,
          pushEndpoint: `${base}/update/${frame.channelID}`,
        }),
      );
    }
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
