import Redis from 'ioredis';
import { ManagedRedis, freePort } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { waitFor } from '../support/wait-for';
import { WebPushClient, WebPushNotification } from '../support/webpush-client';
import { newVapidKeys, sendWebPush, Target, VapidKeys } from './support/app-server';
import { startTlsFront, TlsFront } from './support/tls-front';

/** WEBPUSH_MAX_MESSAGES_PER_UAID's default: the figures of the issue (100 stored, 5 over). */
const LIMIT = 100;
const OVER = 5;

/**
 * A 201 is a promise: past WEBPUSH_MAX_MESSAGES_PER_UAID a push is refused (429 + Retry-After)
 * while the stored messages wait for their client, and every accepted one is delivered.
 */
describe('Web Push stored-message limit', () => {
  let redis: ManagedRedis;
  let db: Redis;
  let herald: HeraldProcess;
  let front: TlsFront;
  let url: string;
  let vapid: VapidKeys;
  const clients: WebPushClient[] = [];

  const connect = async () => {
    const c = await WebPushClient.connect(url);
    clients.push(c);
    return c;
  };
  const reconnect = async (old: WebPushClient) => {
    old.close();
    await old.closed;
    const c = await connect();
    for (const [k, s] of old.subscriptions) c.subscriptions.set(k, s);
    return c;
  };
  const push = (sub: Target, text: string) => sendWebPush(sub, text, { vapid, TTL: 600 });

  /** Reads every stored message as Firefox does: acks each batch, which brings the next one. */
  const drain = async (c: WebPushClient, expected: number): Promise<WebPushNotification[]> => {
    const seen = new Map<string, WebPushNotification>();
    let from = 0;
    while (seen.size < expected) {
      await c.next((f) => f.messageType === 'notification', 10_000, from);
      await c.barrier();
      const batch = c.notifications().slice(from);
      from += batch.length;
      for (const n of batch) seen.set(n.version, n);
      c.ackWebPush(batch);
    }
    await c.barrier();
    return [...seen.values()];
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
    const frontPort = await freePort();
    herald = await startHerald('all', {
      redisUrl: redis.url,
      env: { PUBLIC_URL: `https://localhost:${frontPort}`, CLIENT_PING_MIN_INTERVAL_MS: '0' },
    });
    front = await startTlsFront(frontPort, herald.ports.ingress);
    url = `ws://127.0.0.1:${herald.ports.gateway}/`;
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

  it('refuses pushes past the limit with 429 while an offline client is away, and delivers every 201', async () => {
    const c = await connect();
    await c.helloWebPush();
    const sub = await c.subscribe();
    c.close();
    await c.closed;

    const results = [];
    for (let i = 1; i <= LIMIT + OVER; i++) results.push(await push(sub, `m${i}`));
    expect(results.map((r) => r.status)).toEqual([
      ...Array<number>(LIMIT).fill(201),
      ...Array<number>(OVER).fill(429),
    ]);
    for (const r of results.slice(LIMIT)) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(JSON.parse(r.body)).toMatchObject({
        code: 429,
        errno: 116,
        error: 'Too Many Requests',
      });
    }

    // The same UAID comes back, with every accepted message, in order.
    const b = await reconnect(c);
    expect((await b.helloWebPush(c.uaid)).uaid).toBe(c.uaid);
    const got = await drain(b, LIMIT);
    expect(got.map((n) => b.decrypt(n))).toEqual(
      Array.from({ length: LIMIT }, (_, i) => `m${i + 1}`),
    );
    // All acked: nothing left stored, and the subscription accepts pushes again.
    expect(await db.zcard(`u:{${c.uaid}}:msg`)).toBe(0);
    const live = b.nextNotification();
    expect((await push(sub, 'after the backlog')).status).toBe(201);
    expect(b.decrypt(await live)).toBe('after the backlog');
  });

  it('accepts again once a connected client acks what it was holding', async () => {
    const c = await connect();
    await c.helloWebPush();
    const sub = await c.subscribe();
    for (let i = 1; i <= LIMIT; i++) expect((await push(sub, `unacked ${i}`)).status).toBe(201);
    expect((await push(sub, 'one too many')).status).toBe(429);
    // The client is not closed for it; once it acks what it holds, there is room again.
    const held = await waitFor('every accepted push delivered live', async () => {
      const notes = c.notifications();
      return new Set(notes.map((n) => n.version)).size === LIMIT && notes;
    });
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.ackWebPush(held);
    await c.barrier();
    const next = c.nextNotification();
    expect((await push(sub, 'room again')).status).toBe(201);
    expect(c.decrypt(await next)).toBe('room again');
  });

  it('still takes a Topic replacement at the limit, and asks to retry when the first stored one expires', async () => {
    const c = await connect();
    await c.helloWebPush();
    const sub = await c.subscribe();
    c.close();
    await c.closed;
    // The first stored message expires in 30 s: Retry-After no longer than that.
    expect((await sendWebPush(sub, 'm1', { vapid, TTL: 30 })).status).toBe(201);
    for (let i = 2; i < LIMIT; i++) expect((await push(sub, `m${i}`)).status).toBe(201);
    const last = await sendWebPush(sub, 'old score', { vapid, TTL: 600, topic: 'score' });
    expect(last.status).toBe(201);
    const refused = await push(sub, 'no room');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
    // Replacing a stored message does not add one: accepted.
    const replacement = await sendWebPush(sub, 'new score', { vapid, TTL: 600, topic: 'score' });
    expect(replacement.status).toBe(201);
    expect(await db.zcard(`u:{${c.uaid}}:msg`)).toBe(LIMIT);

    const b = await reconnect(c);
    await b.helloWebPush(c.uaid);
    const got = (await drain(b, LIMIT)).map((n) => b.decrypt(n));
    expect(got).toContain('new score');
    expect(got).not.toContain('old score');
    expect(got).not.toContain('no room');
  });
});
