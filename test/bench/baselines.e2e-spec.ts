import { join } from 'node:path';
import Redis from 'ioredis';
import { io, Socket } from 'socket.io-client';
import type * as Baselines from '../../bench/support/baseline-clusters';
import { SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';

/**
 * The throughput baselines of `npm run bench` (issue 14), run from the built output as the bench
 * runs them: Herald's own floor must do Herald's per-notification work (stored version, routed
 * delivery, stored ack) and the Socket.IO peer must deliver across its nodes through Redis,
 * or the ratios the bench prints compare Herald with something else.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startHeraldFloor, startSocketIoPeer } = require(
  join(__dirname, '..', '..', 'dist', 'bench', 'support', 'baseline-clusters.js'),
) as typeof Baselines;

async function put(endpoint: string, body: string): Promise<number> {
  const res = await fetch(endpoint, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe("bench: Herald's floor", () => {
  let stack: Baselines.BaselineCluster;
  let redis: Redis;
  beforeAll(async () => {
    stack = await startHeraldFloor(2);
    redis = new Redis(stack.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  it('stores the version, delivers it on the owning gateway and stores the ack, with Herald scripts', async () => {
    for (const url of stack.urls) {
      const c = await SimplePushClient.connect(url);
      try {
        c.send({ messageType: 'hello', uaid: '', channelIDs: [] });
        const hello = await c.next((f) => f.messageType === 'hello');
        expect(hello.status).toBe(200);
        const uaid = hello.uaid as string;
        const chid = crypto.randomUUID();
        c.send({ messageType: 'register', channelID: chid });
        const reg = await c.next((f) => f.messageType === 'register');
        expect(reg.status).toBe(200);
        const endpoint = reg.pushEndpoint as string;
        expect(endpoint.startsWith(`${stack.ingressUrl}/update/`)).toBe(true);
        // The endpoint is an opaque token, not the channel id.
        expect(endpoint).not.toContain(chid);

        expect(await put(endpoint, 'version=1700000000000001')).toBe(200);
        const n = await c.next((f) => f.messageType === 'notification');
        expect(n.updates).toEqual([{ channelID: chid, version: '1700000000000001' }]);
        expect(await redis.hget(`u:{${uaid}}:ch`, chid)).toBe('1700000000000001');

        c.send({ messageType: 'ack', updates: [{ channelID: chid, version: 1700000000000001 }] });
        await waitFor(
          'the ack stored',
          async () => (await redis.hget(`u:{${uaid}}:ch`, chid)) === '+1700000000000001',
        );
        // Not newer than what is stored: NOTIFY neither stores nor routes it.
        expect(await put(endpoint, 'version=1700000000000000')).toBe(202);
        expect(await put(endpoint.slice(0, -4) + 'AAAA', 'version=1700000000000002')).toBe(404);
      } finally {
        c.ws.terminate();
      }
    }
  });
});

describe('bench: the Socket.IO peer', () => {
  let stack: Baselines.BaselineCluster;
  beforeAll(async () => {
    stack = await startSocketIoPeer(2);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('delivers a PUT to the addressed client on either node, through the Redis emitter and adapter', async () => {
    const sockets: Socket[] = [];
    try {
      for (const url of stack.urls) {
        const chid = crypto.randomUUID();
        const s = io(url, {
          transports: ['websocket'],
          auth: { channelID: chid },
          reconnection: false,
          forceNew: true,
        });
        sockets.push(s);
        const endpoint = await new Promise<string>((resolve, reject) => {
          s.once('registered', resolve);
          s.once('connect_error', reject);
        });
        expect(endpoint).toBe(`${stack.ingressUrl}/update/${chid}`);
        const got = new Promise((resolve) => s.once('notification', resolve));
        expect(await put(endpoint, 'version=1700000000000001')).toBe(200);
        expect(await got).toEqual({ channelID: chid, version: 1700000000000001 });
      }
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });
});
