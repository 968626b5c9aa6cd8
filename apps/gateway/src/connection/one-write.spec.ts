import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { countWrites } from '../../../../test/support/socket-writes';
import { inOneWrite } from './one-write';

describe('inOneWrite', () => {
  let wss: WebSocketServer;
  let client: WebSocket;
  let server: WebSocket;
  const received: string[] = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
    client.on('message', (d) => received.push(d.toString()));
    server = await accepted;
    await new Promise((r) =>
      client.readyState === WebSocket.OPEN ? r(0) : client.once('open', r),
    );
  });
  afterAll(async () => {
    client.terminate();
    await new Promise((r) => wss.close(r));
  });

  const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;
  const receive = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (received.length >= n ? resolve() : setImmediate(check));
      check();
    });

  it('three frames sent inside it leave in one write, in order', async () => {
    received.length = 0;
    const writes = countWrites(socketOf(server));
    const out = inOneWrite(server, () => {
      server.send('hello');
      server.send('n1');
      server.send('n2');
      return 7;
    });
    expect(out).toBe(7);
    expect(writes.n).toBe(1);
    await receive(3);
    expect(received).toEqual(['hello', 'n1', 'n2']);
  });

  it('without it, the same frames are three writes (what the test tells apart)', async () => {
    received.length = 0;
    const socket = socketOf(server);
    const writes = countWrites(socket);
    server.send('a');
    server.send('b');
    server.send('c');
    expect(writes.n).toBe(3);
    await receive(3);
  });

  it('uncorks when the function throws', () => {
    const socket = socketOf(server);
    expect(() =>
      inOneWrite(server, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(socket.writableCorked).toBe(0);
  });
});
