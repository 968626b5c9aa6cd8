import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { WebPushClient } from '../support/webpush-client';
import { newVapidKeys, vapidHeaders } from './support/app-server';

const PER_SENDER = 5;
const PER_ENDPOINT = 10;

/**
 * Web Push's per-subscription limit (issue 13 §5): the per-sender limit keys on the VAPID key, so
 * a sender that signs each push with a fresh key walks around it; the per-endpoint limit does not
 * care who signs.
 */
describe('Web Push: per-endpoint limit', () => {
  let redis: ManagedRedis;
  let herald: HeraldProcess;
  let client: WebPushClient;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    herald = await startHerald('all', {
      redisUrl: redis.url,
      env: {
        PUSH_RATE_LIMIT: String(PER_SENDER),
        WEBPUSH_RATE_LIMIT_PER_MINUTE: String(PER_ENDPOINT),
      },
    });
    client = await WebPushClient.connect(`ws://127.0.0.1:${herald.ports.gateway}/`);
    expect((await client.helloWebPush()).status).toBe(200);
  });

  afterAll(async () => {
    client?.close();
    await stopAll([herald]);
    await redis?.stop();
  });

  /** A push without payload to `endpoint`, signed with `keys`; its status and Retry-After. */
  const push = async (endpoint: string, keys = newVapidKeys()) => {
    const url = new URL(endpoint);
    const auth = vapidHeaders(url.origin, keys);
    const res = await fetch(`http://127.0.0.1:${url.port}${url.pathname}`, {
      method: 'POST',
      headers: { TTL: '60', Authorization: auth.Authorization },
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  };

  it('a fresh VAPID key per push is limited per subscription: 429 with Retry-After beyond the limit', async () => {
    const { endpoint } = await client.subscribe();
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await push(endpoint));
    expect(results.map((r) => r.status)).toEqual([
      ...Array(PER_ENDPOINT).fill(201),
      ...Array(20 - PER_ENDPOINT).fill(429),
    ]);
    expect(Number(results[PER_ENDPOINT].retryAfter)).toBeGreaterThan(0);
  });

  it('counts each subscription on its own, and the per-sender limit still applies', async () => {
    const [a, b] = [await client.subscribe(), await client.subscribe()];
    const keys = newVapidKeys();
    const statuses: number[] = [];
    for (let i = 0; i < PER_SENDER + 1; i++) {
      statuses.push((await push(i % 2 ? a.endpoint : b.endpoint, keys)).status);
    }
    expect(statuses).toEqual([...Array(PER_SENDER).fill(201), 429]);
    expect((await push(a.endpoint)).status).toBe(201);
  });
});
