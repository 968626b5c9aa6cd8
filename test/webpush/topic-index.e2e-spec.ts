import Redis from 'ioredis';
import { ManagedRedis, freePort } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { waitFor } from '../support/wait-for';
import { WebPushClient } from '../support/webpush-client';
import { newVapidKeys, sendWebPush, VapidKeys } from './support/app-server';
import { startTlsFront, TlsFront } from './support/tls-front';

const DAY = 86_400;

/**
 * The topic index (`u:{uaid}:top`, RFC 8030 §5.4 replacement) holds an entry only while its
 * message is stored: entries of expired messages go at the next push or read, and the key lives
 * no longer than the longest-lived message it names. Storage state is read from Redis directly.
 */
describe('Web Push topic index', () => {
  let redis: ManagedRedis;
  let db: Redis;
  let herald: HeraldProcess;
  let front: TlsFront;
  let url: string;
  let ingress: string;
  let vapid: VapidKeys;
  const clients: WebPushClient[] = [];

  const connect = async () => {
    const c = await WebPushClient.connect(url);
    clients.push(c);
    return c;
  };
  /** A subscription whose client went away. */
  const offline = async () => {
    const c = await connect();
    await c.helloWebPush();
    const sub = await c.subscribe();
    c.close();
    await c.closed;
    return { c, sub };
  };
  /** TTL left on the topic index and on the message `topic` names there, read together. */
  const ttls = async (uaid: string, chid: string, topic: string) => {
    const key = await db.hget(`u:{${uaid}}:top`, `${chid} ${topic}`);
    const r = await db.multi().pttl(`u:{${uaid}}:top`).pttl(`u:{${uaid}}:m:${key}`).exec();
    return { index: Number(r?.[0]?.[1]), message: Number(r?.[1]?.[1]) };
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
    const frontPort = await freePort();
    herald = await startHerald('all', {
      redisUrl: redis.url,
      env: {
        PUBLIC_URL: `https://localhost:${frontPort}`,
        CLIENT_PING_MIN_INTERVAL_MS: '0',
        // The 600 short-lived messages of the issue, without reaching the stored-message limit.
        WEBPUSH_MAX_MESSAGES_PER_UAID: '1000',
        // 601 pushes to one subscription within a minute: past the per-subscription rate limit.
        WEBPUSH_RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    front = await startTlsFront(frontPort, herald.ports.ingress);
    url = `ws://127.0.0.1:${herald.ports.gateway}/`;
    ingress = `http://127.0.0.1:${herald.ports.ingress}`;
  });
  beforeEach(() => {
    vapid = newVapidKeys();
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await front?.close();
    await herald?.kill('SIGTERM');
    db?.disconnect();
    await redis?.stop();
  });

  it('drops the entries of expired messages at the next push: 1 entry left of 601', async () => {
    const { c, sub } = await offline();
    const top = `u:{${c.uaid}}:top`;
    const long = await sendWebPush(sub, 'a month', { vapid, TTL: 30 * DAY, topic: 'long' });
    expect(long.status).toBe(201);
    for (let i = 0; i < 600; i++) {
      const r = await sendWebPush(sub, `short ${i}`, { vapid, TTL: 1, topic: `t${i}` });
      expect(r.status).toBe(201);
    }
    // Every short-lived message gone from Redis (its own expiry): only the month-long one left.
    await waitFor(
      'the short messages to expire',
      async () => (await db.keys(`u:{${c.uaid}}:m:*`)).length === 1,
    );
    // The next push, without a topic, touches the index.
    expect((await sendWebPush(sub, 'touch', { vapid, TTL: 60 })).status).toBe(201);
    expect(await db.hlen(top)).toBe(1);
    expect(await db.hkeys(top)).toEqual([`${sub.channelID} long`]);
    const t = await ttls(c.uaid, sub.channelID, 'long');
    expect(t.message).toBeGreaterThan(29 * DAY * 1000);
    expect(t.index).toBeLessThanOrEqual(t.message + 5);
  });

  it('lives no longer than its longest live message, and goes when its last message is read', async () => {
    const { c, sub } = await offline();
    const top = `u:{${c.uaid}}:top`;
    const month = await sendWebPush(sub, 'a month', { vapid, TTL: 30 * DAY, topic: 'a' });
    expect(month.status).toBe(201);
    expect((await sendWebPush(sub, 'an hour', { vapid, TTL: 3600, topic: 'b' })).status).toBe(201);
    // The application server cancels the month-long message (RFC 8030 §6.2 / autopush's DELETE).
    const location = String(month.headers.location).replace(front.origin, ingress);
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(204);

    // The client comes back: the read touches the index.
    const b = await connect();
    for (const [k, s] of c.subscriptions) b.subscriptions.set(k, s);
    const note = b.nextNotification();
    await b.helloWebPush(c.uaid);
    const n = await note;
    expect(b.decrypt(n)).toBe('an hour');
    expect(await db.hkeys(top)).toEqual([`${sub.channelID} b`]);
    const t = await ttls(c.uaid, sub.channelID, 'b');
    expect(t.message).toBeGreaterThan(3500 * 1000);
    expect(t.index).toBeLessThanOrEqual(t.message + 5);

    // Read and acknowledged: the entry goes with its message, and the index with its last entry.
    b.ackWebPush([n]);
    await b.barrier();
    await waitFor('the ack to delete the message', async () => (await db.exists(top)) === 0);
  });
});
