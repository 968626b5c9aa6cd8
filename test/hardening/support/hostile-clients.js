// Hostile clients against one gateway, as issue 13 found them (plain JavaScript: it runs as its own
// process, so its CPU does not stall the test's well-behaved client). Modes, each from its own
// loopback address, each socket reopened when the gateway closes it:
//   ping    upgrade, then 125-byte ping frames without ever reading (item 1)
//   flood   hello, then ~60 KB register frames without reading the replies (item 2)
//   ack     hello, then 64 KB ack frames holding a 20-digit number, reading (item 2, parse cost)
//   silent  TCP connections that never send a byte (item 3), opened over the first seconds
// Argument: JSON {port, ping, flood, ack, silent, durationMs}. Reports counts over IPC and exits.
'use strict';
const net = require('node:net');
const { randomUUID } = require('node:crypto');
const WebSocket = require('ws');

const opts = JSON.parse(process.argv[2]);
const url = `ws://127.0.0.1:${opts.port}/`;
const until = Date.now() + opts.durationMs;
/** What one hostile socket may have waiting in this process: the attack is bounded here. */
const CLIENT_BUFFER = 4 << 20;
const stats = { opened: {}, closedByServer: {}, sentBytes: {} };
const sockets = new Set();
const bump = (m, mode, n = 1) => (m[mode] = (m[mode] || 0) + n);

const PING = Buffer.alloc(125, 1);
const registerFrame = () =>
  JSON.stringify({ messageType: 'register', channelID: randomUUID(), pad: 'x'.repeat(60_000) });
// A 20-digit version sends the whole frame to the lossless parser; the padding makes it costly.
const ACK =
  `{"messageType":"ack","updates":[{"channelID":"${randomUUID()}","version":${'1'.repeat(20)}}],` +
  `"pad":[${Array.from({ length: 7000 }, () => '12345678').join(',')}]}`;

function wsClient(mode, local) {
  if (Date.now() >= until) return;
  const ws = new WebSocket(url, { localAddress: local, perMessageDeflate: false });
  sockets.add(ws);
  let writing = null;
  ws.on('error', () => undefined);
  ws.on('close', () => {
    sockets.delete(ws);
    clearInterval(writing);
    if (Date.now() < until) {
      bump(stats.closedByServer, mode);
      setTimeout(() => wsClient(mode, local), 20);
    }
  });
  ws.on('open', () => {
    bump(stats.opened, mode);
    if (mode === 'ping') ws.pause();
    else ws.send(JSON.stringify({ messageType: 'hello', uaid: '', channelIDs: [] }));
    if (mode === 'flood') ws.pause();
    const write = () => {
      while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < CLIENT_BUFFER) {
        if (mode === 'ping') {
          ws.ping(PING);
          bump(stats.sentBytes, mode, 131);
        } else {
          const f = mode === 'flood' ? registerFrame() : ACK;
          ws.send(f);
          bump(stats.sentBytes, mode, f.length);
        }
      }
    };
    write();
    writing = setInterval(write, 5);
  });
}

function silent(local) {
  if (Date.now() >= until) return;
  const s = net.connect({ port: opts.port, host: '127.0.0.1', localAddress: local });
  sockets.add(s);
  s.on('connect', () => bump(stats.opened, 'silent'));
  s.on('error', () => undefined);
  s.on('close', () => {
    sockets.delete(s);
    if (Date.now() < until) {
      bump(stats.closedByServer, 'silent');
      setTimeout(() => silent(local), 20);
    }
  });
}

// The test that started this process is gone (it timed out, its worker exited): stop attacking.
process.on('disconnect', () => process.exit(0));
process.send?.({ started: true });
for (let i = 0; i < opts.ping; i++) wsClient('ping', `127.0.1.${i + 1}`);
for (let i = 0; i < opts.flood; i++) wsClient('flood', `127.0.2.${i + 1}`);
for (let i = 0; i < opts.ack; i++) wsClient('ack', `127.0.3.${i + 1}`);
// Silent sockets ramp up 25 per 100 ms: a burst of hundreds of connects at once stalls any Node
// server for as long as its accepts take (~0.3 ms each), which is a network flood, not item 3.
for (let i = 0; i < opts.silent; i++)
  setTimeout(() => silent(`127.0.4.${(i % 250) + 1}`), Math.floor(i / 25) * 100);

setTimeout(() => {
  for (const s of sockets) s.terminate ? s.terminate() : s.destroy();
  process.send?.(stats, () => process.exit(0));
  if (!process.send) {
    process.stdout.write(JSON.stringify(stats) + '\n');
    process.exit(0);
  }
}, opts.durationMs);
