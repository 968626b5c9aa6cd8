// One load process of the soak: COUNT SimplePush clients (hello + CHANNELS registrations each),
// acking every notification, reconnecting when closed. Reports endpoints and counts over IPC.
// Plain JavaScript so it runs as its own process without a build step.
'use strict';
const WebSocket = require('ws');
const { randomUUID } = require('node:crypto');

const [url, count, channels, index] = process.argv.slice(2);
const stats = { connected: 0, notifications: 0, reconnects: 0 };
let endpoints = [];

function client(i) {
  const local = `127.${1 + Number(index)}.${(i >> 8) & 255}.${i & 255 || 1}`;
  let uaid = '';
  const chids = [];
  const open = () => {
    const ws = new WebSocket(url, { localAddress: local, perMessageDeflate: false });
    ws.on('open', () => ws.send(JSON.stringify({ messageType: 'hello', uaid, channelIDs: chids })));
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString().replace(/("version":)(\d+)/g, '$1"$2"'));
      if (m.messageType === 'hello') {
        stats.connected++;
        if (m.uaid !== uaid) {
          uaid = m.uaid;
          chids.length = 0;
          for (let c = 0; c < Number(channels); c++) {
            const chid = randomUUID();
            chids.push(chid);
            ws.send(JSON.stringify({ messageType: 'register', channelID: chid }));
          }
        }
      } else if (m.messageType === 'register' && m.status === 200) {
        endpoints.push(m.pushEndpoint);
      } else if (m.messageType === 'notification') {
        stats.notifications += m.updates.length;
        ws.send(
          JSON.stringify({ messageType: 'ack', updates: m.updates }).replace(
            /"version":"(\d+)"/g,
            '"version":$1',
          ),
        );
      }
    });
    ws.on('close', () => {
      stats.connected--;
      stats.reconnects++;
      setTimeout(open, 200 + Math.random() * 800);
    });
    ws.on('error', () => undefined);
  };
  open();
}

for (let i = 0; i < Number(count); i++) setTimeout(() => client(i), i / 20);
setInterval(() => {
  process.send({ stats, endpoints });
  endpoints = [];
}, 1000);
process.on('disconnect', () => process.exit(0));
