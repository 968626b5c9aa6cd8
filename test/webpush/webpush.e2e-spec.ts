import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ManagedRedis, freePort } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { SimplePushClient } from '../support/simplepush-client';
import { WebPushClient, WebPushNotification } from '../support/webpush-client';
import {
  newVapidKeys,
  PushResult,
  sendWebPush,
  VapidKeys,
  vapidHeaders,
} from './support/app-server';
import { startTlsFront, TlsFront } from './support/tls-front';

const unique = (notes: WebPushNotification[]) =>
  notes.filter((n, i) => notes.findIndex((m) => m.version === n.version) === i);

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const RATE_LIMIT = 25;
const MAX_MESSAGES = 15;

/**
 * Web Push (RFC 8030/8291/8292 and Firefox's WebSocket flavor) against one Herald process and a
 * private Redis, with the npm `web-push` library as the application server and a test user agent
 * that decrypts what it receives.
 */
describe('Web Push over one Herald process', () => {
  let redis: ManagedRedis;
  let db: Redis;
  let herald: HeraldProcess;
  let front: TlsFront;
  let url: string;
  let ingress: string;
  const clients: SimplePushClient[] = [];
  let vapid: VapidKeys;

  const connect = async () => {
    const c = await WebPushClient.connect(url);
    clients.push(c);
    return c;
  };
  /** A web push client with one subscription (bound to `key` when given). */
  const subscribed = async (key?: string) => {
    const c = await connect();
    await c.helloWebPush();
    const sub = await c.subscribe(key);
    return { c, sub };
  };
  const reconnect = async (old: WebPushClient) => {
    old.close();
    await old.closed;
    const c = await connect();
    for (const [k, s] of old.subscriptions) c.subscriptions.set(k, s);
    return c;
  };
  /** The same request straight to the ingress, without TLS (raw requests). */
  const direct = (endpoint: string) => endpoint.replace(front.origin, ingress);
  const rawPush = async (
    endpoint: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<PushResult & { json: Record<string, unknown> | null }> => {
    const res = await fetch(direct(endpoint), { method: 'POST', headers, body });
    const text = await res.text();
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: text,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    };
  };
  /** Raw pushes without VAPID come from the client IP: give each test its own. */
  const octet = () => Math.floor(Math.random() * 250) + 1;
  const fromIp = () => ({ 'x-forwarded-for': `10.${octet()}.${octet()}.${octet()}` });

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
    const frontPort = await freePort();
    herald = await startHerald('all', {
      redisUrl: redis.url,
      env: {
        PUBLIC_URL: `https://localhost:${frontPort}`,
        ADMIN_TOKEN,
        PUSH_RATE_LIMIT: String(RATE_LIMIT),
        WEBPUSH_MAX_MESSAGES_PER_UAID: String(MAX_MESSAGES),
        REDELIVERY_DELAY_MS: '3000',
        CLIENT_PING_MIN_INTERVAL_MS: '0',
        // The test's TLS front and fromIp() speak for the client in X-Forwarded-For.
        TRUST_PROXY: 'loopback',
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

  it('answers hello with use_webpush and a UAID, and registers /wpush/v1 endpoints', async () => {
    const c = await connect();
    const hello = await c.helloWebPush();
    expect(hello).toMatchObject({ messageType: 'hello', status: 200, use_webpush: true });
    expect(hello.uaid).toMatch(/^[0-9a-f]{32}$/);
    const sub = await c.subscribe();
    expect(sub.endpoint).toMatch(new RegExp(`^${front.origin}/wpush/v1/[A-Za-z0-9_-]+$`));
  });

  it('delivers an aes128gcm push from web-push, decrypted by the client, and deletes it on ack', async () => {
    const { c, sub } = await subscribed();
    const note = c.nextNotification();
    const r = await sendWebPush(sub, 'hello, herald', { vapid, TTL: 120 });
    expect(r.status).toBe(201);
    expect(r.headers.location).toMatch(new RegExp(`^${front.origin}/m/[A-Za-z0-9_-]+$`));
    expect(r.headers.ttl).toBe('120');
    const n = await note;
    expect(n).toMatchObject({
      messageType: 'notification',
      channelID: sub.channelID,
      headers: { encoding: 'aes128gcm' },
    });
    expect(typeof n.version).toBe('string');
    expect(String(r.headers.location).endsWith(`/m/${n.version}`)).toBe(true);
    expect(c.decrypt(n)).toBe('hello, herald');
    c.ackWebPush([n]);
    await c.barrier();
    // Acked: gone from Redis, and nothing is sent again on reconnect.
    expect(await db.keys(`u:{${c.uaid}}:m:*`)).toEqual([]);
    const again = await reconnect(c);
    await again.helloWebPush(c.uaid);
    await again.barrier();
    expect(again.notifications()).toEqual([]);
  });

  it('delivers the legacy aesgcm encoding with the WebPush VAPID scheme', async () => {
    const { c, sub } = await subscribed();
    const note = c.nextNotification();
    const r = await sendWebPush(sub, 'legacy', { vapid, contentEncoding: 'aesgcm' });
    expect(r.status).toBe(201);
    const n = await note;
    expect(n.headers).toMatchObject({ encoding: 'aesgcm' });
    expect(n.headers?.encryption).toMatch(/salt=/);
    expect(n.headers?.crypto_key).toMatch(/dh=/);
    expect(c.decrypt(n)).toBe('legacy');
  });

  it('sends a push without a body as a notification without data or headers', async () => {
    const { c, sub } = await subscribed();
    const note = c.nextNotification();
    expect((await sendWebPush(sub, null, { vapid })).status).toBe(201);
    const n = await note;
    expect(n.data).toBeUndefined();
    expect(n.headers).toBeUndefined();
  });

  it('stores for an offline client and sends in order after hello, in batches advanced by acks', async () => {
    const { c, sub } = await subscribed();
    c.close();
    await c.closed;
    const total = MAX_MESSAGES;
    for (let i = 1; i <= total; i++) {
      expect((await sendWebPush(sub, `m${i}`, { vapid })).status).toBe(201);
    }
    const b = await reconnect(c);
    await b.helloWebPush(c.uaid);
    await b.barrier();
    // The hello reply comes first, then one batch of 10 and nothing more until they are acked.
    expect(b.received[0]).toMatchObject({ messageType: 'hello', uaid: c.uaid });
    const first = b.notifications();
    expect(first.map((n) => b.decrypt(n))).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i + 1}`),
    );
    const rest = b.next((f) => f.messageType === 'notification', 10_000, b.received.length);
    b.ackWebPush(first);
    await rest;
    await b.barrier();
    // (A slow run may see the retry worker resend some: count each message once.)
    const second = unique(b.notifications()).slice(10);
    expect(second.map((n) => b.decrypt(n))).toEqual(
      Array.from({ length: total - 10 }, (_, i) => `m${i + 11}`),
    );
  });

  // Past WEBPUSH_MAX_MESSAGES_PER_UAID: test/webpush/stored-limit.e2e-spec.ts.

  it('replaces an undelivered message with the same Topic', async () => {
    const { c, sub } = await subscribed();
    c.close();
    await c.closed;
    expect((await sendWebPush(sub, 'old', { vapid, topic: 'score' })).status).toBe(201);
    expect((await sendWebPush(sub, 'other', { vapid, topic: 'weather' })).status).toBe(201);
    expect((await sendWebPush(sub, 'new', { vapid, topic: 'score' })).status).toBe(201);
    const b = await reconnect(c);
    await b.helloWebPush(c.uaid);
    await b.barrier();
    expect(b.notifications().map((n) => b.decrypt(n))).toEqual(['other', 'new']);
  });

  it('never delivers a message after its TTL, and drops TTL=0 for an offline client (still 201)', async () => {
    const { c, sub } = await subscribed();
    c.close();
    await c.closed;
    const zero = await sendWebPush(sub, 'now or never', { vapid, TTL: 0 });
    expect(zero.status).toBe(201);
    expect(zero.headers.ttl).toBe('0');
    expect((await sendWebPush(sub, 'short', { vapid, TTL: 1 })).status).toBe(201);
    const keys = await db.keys(`u:{${c.uaid}}:m:*`);
    expect(keys).toHaveLength(1);
    // Wait on Redis's own expiry of the message (bounded), then reconnect.
    for (let i = 0; i < 100 && (await db.exists(keys[0])); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await db.exists(keys[0])).toBe(0);
    const b = await reconnect(c);
    await b.helloWebPush(c.uaid);
    await b.barrier();
    expect(b.notifications()).toEqual([]);
  });

  it('caps TTL at 30 days and echoes the capped value', async () => {
    const { sub } = await subscribed();
    const r = await sendWebPush(sub, 'x', { vapid, TTL: 90 * 24 * 3600 });
    expect(r.status).toBe(201);
    expect(r.headers.ttl).toBe(String(30 * 24 * 3600));
  });

  it('cancels a stored message with DELETE /m/<id> (204), then 404; forged ids 404', async () => {
    const { c, sub } = await subscribed();
    c.close();
    await c.closed;
    const r = await sendWebPush(sub, 'cancel me', { vapid });
    const location = direct(String(r.headers.location));
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(204);
    const again = await fetch(location, { method: 'DELETE' });
    expect(again.status).toBe(404);
    const id = location.split('/').pop() as string;
    const forged = id.slice(0, 30) + (id[30] === 'A' ? 'B' : 'A') + id.slice(31);
    const f = await fetch(`${ingress}/m/${forged}`, { method: 'DELETE' });
    expect(f.status).toBe(404);
    expect(await f.json()).toMatchObject({ code: 404, errno: 102 });
    const b = await reconnect(c);
    await b.helloWebPush(c.uaid);
    await b.barrier();
    expect(b.notifications()).toEqual([]);
  });

  it('binds a /wpush/v2 endpoint to the registering key: same key 201, other or no key 401, bad key 400', async () => {
    const padded = `${vapid.publicKey}=`; // Firefox pads the key
    const { c, sub } = await subscribed(padded);
    expect(sub.endpoint).toMatch(new RegExp(`^${front.origin}/wpush/v2/[A-Za-z0-9_-]+$`));
    const note = c.nextNotification();
    expect((await sendWebPush(sub, 'bound', { vapid })).status).toBe(201);
    expect(c.decrypt(await note)).toBe('bound');
    const other = await sendWebPush(sub, 'intruder', { vapid: newVapidKeys() });
    expect(other.status).toBe(401);
    expect(JSON.parse(other.body)).toMatchObject({ code: 401, errno: 109 });
    expect((await sendWebPush(sub, 'anonymous', {})).status).toBe(401);
    // v1 accepts pushes without VAPID, and verifies VAPID when present.
    const v1 = await c.subscribe();
    expect((await sendWebPush(v1, 'anonymous', {})).status).toBe(201);
    const badAud = await rawPush(v1.endpoint, {
      ...vapidHeaders('https://elsewhere.example', vapid),
      TTL: '60',
    });
    expect(badAud.status).toBe(401);
    const reply = c.nextOf('register');
    c.send({ messageType: 'register', channelID: randomUUID(), key: 'not-a-key' });
    expect(await reply).toMatchObject({ status: 400 });
    // The socket stays usable.
    expect((await c.subscribe()).endpoint).toContain('/wpush/v1/');
  });

  it('refuses bad headers with 400 and the autopush error shape', async () => {
    const { sub } = await subscribed();
    const aes = { 'content-encoding': 'aes128gcm', ...fromIp() };
    const cases: Array<[string, Record<string, string>, string | undefined, number]> = [
      ['no TTL', { ...aes }, 'x', 111],
      ['bad TTL', { ...aes, TTL: '-5' }, 'x', 111],
      ['bad Topic', { ...aes, TTL: '5', Topic: 'has spaces' }, 'x', 113],
      ['long Topic', { ...aes, TTL: '5', Topic: 'a'.repeat(33) }, 'x', 113],
      ['bad Urgency', { ...aes, TTL: '5', Urgency: 'urgent' }, 'x', 114],
      ['no encoding', { TTL: '5', ...fromIp() }, 'x', 110],
      ['aesgcm without salt', { TTL: '5', 'content-encoding': 'aesgcm', ...fromIp() }, 'x', 101],
    ];
    for (const [name, headers, body, errno] of cases) {
      const r = await rawPush(sub.endpoint, headers, body);
      expect({ name, status: r.status, errno: r.json?.errno }).toEqual({
        name,
        status: 400,
        errno,
      });
      expect(r.json).toMatchObject({ code: 400, error: 'Bad Request' });
    }
    const ok = await rawPush(
      sub.endpoint,
      { ...aes, TTL: '5', Urgency: 'very-low', Topic: 'a_b-9' },
      'x',
    );
    expect(ok.status).toBe(201);
  });

  it('accepts 5630 bytes of body (autopush max_data_bytes) and refuses more with 413', async () => {
    const { sub } = await subscribed();
    const h = { 'content-encoding': 'aes128gcm', TTL: '5', ...fromIp() };
    expect((await rawPush(sub.endpoint, h, Buffer.alloc(5630, 1))).status).toBe(201);
    for (const size of [5631, 9000]) {
      const r = await rawPush(sub.endpoint, h, Buffer.alloc(size, 1));
      expect({ size, status: r.status }).toEqual({ size, status: 413 });
      expect(r.json).toMatchObject({ code: 413, errno: 104 });
    }
    // Through web-push: a full 4096-byte payload fits once encrypted, 5600 bytes do not.
    expect((await sendWebPush(sub, 'x'.repeat(4096), { vapid })).status).toBe(201);
    expect((await sendWebPush(sub, 'x'.repeat(5600), { vapid })).status).toBe(413);
  });

  it('answers 404 to forged tokens and 410 (cacheable) once unsubscribed', async () => {
    const { c, sub } = await subscribed();
    const token = sub.endpoint.split('/').pop() as string;
    const forged = sub.endpoint.slice(0, -token.length) + token.slice(0, -3) + 'AAA';
    const f = await sendWebPush({ ...sub, endpoint: forged }, 'x', { vapid });
    expect(f.status).toBe(404);
    // A v1 token on the v2 path is not a v2 token.
    const swapped = sub.endpoint.replace('/wpush/v1/', '/wpush/v2/');
    expect((await sendWebPush({ ...sub, endpoint: swapped }, 'x', { vapid })).status).toBe(404);
    c.close();
    await c.closed;
    const stored = await sendWebPush(sub, 'stored then dropped', { vapid });
    expect(stored.status).toBe(201);
    const b = await reconnect(c);
    await b.helloWebPush(c.uaid);
    const un = b.nextOf('unregister');
    b.send({ messageType: 'unregister', channelID: sub.channelID, code: 200 });
    expect(await un).toMatchObject({ status: 200 });
    const gone = await sendWebPush(sub, 'x', { vapid });
    expect(gone.status).toBe(410);
    expect(gone.headers['cache-control']).toBe('max-age=86400');
    expect(JSON.parse(gone.body)).toMatchObject({ code: 410, errno: 103 });
    expect(await db.keys(`u:{${c.uaid}}:m:*`)).toEqual([]);
  });

  it('rate-limits a sender with 429 and Retry-After, per VAPID key', async () => {
    const { sub } = await subscribed();
    const statuses: number[] = [];
    let limited: PushResult | undefined;
    for (let i = 0; i <= RATE_LIMIT; i++) {
      const r = await sendWebPush(sub, null, { vapid, TTL: 0 });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(RATE_LIMIT);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(limited?.body ?? '{}')).toMatchObject({ code: 429, errno: 429 });
    // Another sender is not affected.
    expect((await sendWebPush(sub, null, { vapid: newVapidKeys(), TTL: 0 })).status).toBe(201);
  });

  it('redelivers an unacknowledged message through the retry worker, with the same id', async () => {
    const { c, sub } = await subscribed();
    const first = c.nextNotification();
    await sendWebPush(sub, 'ack me', { vapid });
    const n = await first;
    const again = await c.nextNotification((x) => x.version === n.version, 20_000);
    expect(c.decrypt(again)).toBe('ack me');
    c.ackWebPush([again]);
    await c.barrier();
    expect(await db.keys(`u:{${c.uaid}}:m:*`)).toEqual([]);
  });

  it('sends a delivery receipt to a receipt subscription once the client acks (RFC 8030 §5.1)', async () => {
    const created = await fetch(`${ingress}/receipts`, { method: 'POST' });
    expect(created.status).toBe(201);
    const receiptUrl = created.headers.get('location') as string;
    expect(receiptUrl).toMatch(new RegExp(`^${front.origin}/receipts/[A-Za-z0-9_-]{43}$`));
    const { c, sub } = await subscribed();
    const note = c.nextNotification();
    const r = await sendWebPush(sub, 'with receipt', {
      vapid,
      headers: { 'Push-Receipt': receiptUrl },
    });
    expect(r.status).toBe(201);
    // Long-poll first, then ack: the poll returns when the receipt arrives.
    const poll = fetch(`${direct(receiptUrl)}?wait=10`).then((res) => res.json());
    c.ackWebPush([await note]);
    const body = (await poll) as { receipts: Array<Record<string, unknown>> };
    expect(body.receipts).toEqual([
      { message: r.headers.location, status: 'delivered', at: expect.any(Number) },
    ]);
    // Taken: the next read is empty.
    expect(await (await fetch(direct(receiptUrl))).json()).toEqual({ receipts: [] });
    const forged = await sendWebPush(sub, 'x', {
      vapid,
      headers: { 'Push-Receipt': `${front.origin}/receipts/${'A'.repeat(43)}` },
    });
    expect(forged.status).toBe(400);
    expect((await fetch(`${ingress}/receipts/${'A'.repeat(43)}`)).status).toBe(404);
  });

  it('answers 202 to Prefer: respond-async and still delivers', async () => {
    const { c, sub } = await subscribed();
    const note = c.nextNotification();
    const r = await sendWebPush(sub, 'async', { vapid, headers: { Prefer: 'respond-async' } });
    expect(r.status).toBe(202);
    expect(r.headers.location).toMatch(/\/m\//);
    expect(c.decrypt(await note)).toBe('async');
  });

  it('tells clients about broadcasts: in the hello reply, on broadcast_subscribe, and live', async () => {
    const admin = (body: unknown, token: string | null = ADMIN_TOKEN) =>
      fetch(`${ingress}/admin/broadcasts`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    expect((await admin({ 'remote-settings/monitor_changes': '"1"' }, null)).status).toBe(401);
    expect(
      (await admin({ 'remote-settings/monitor_changes': '"1"' }, 'wrong-token-xxxxxxxx')).status,
    ).toBe(401);
    expect((await admin(['not', 'a', 'map'])).status).toBe(400);
    const set = await admin({ 'remote-settings/monitor_changes': '"1"', other: 'v1' });
    expect(set.status).toBe(200);

    const a = await connect();
    const hello = await a.helloWebPush('', {
      'remote-settings/monitor_changes': '"0"',
      other: 'v1',
      unknown: 'x',
    });
    expect(hello.broadcasts).toEqual({
      'remote-settings/monitor_changes': '"1"',
      errors: { unknown: 'Broadcast not found' },
    });
    const b = await connect();
    await b.helloWebPush();
    const sub = b.nextOf('broadcast');
    b.send({ messageType: 'broadcast_subscribe', broadcasts: { other: 'v0' } });
    expect(await sub).toEqual({ messageType: 'broadcast', broadcasts: { other: 'v1' } });

    const liveA = a.nextOf('broadcast');
    const liveB = b.nextOf('broadcast');
    expect((await admin({ other: 'v2' })).status).toBe(200);
    expect(await liveA).toEqual({ messageType: 'broadcast', broadcasts: { other: 'v2' } });
    expect(await liveB).toEqual({ messageType: 'broadcast', broadcasts: { other: 'v2' } });
  });

  it('keeps SimplePush clients working on the same gateway', async () => {
    const sp = await SimplePushClient.connect(url);
    clients.push(sp);
    await sp.hello();
    const reg = await sp.register();
    expect(reg.pushEndpoint).toContain('/update/');
    const note = sp.nextOf('notification');
    const put = await fetch(direct(reg.pushEndpoint), {
      method: 'PUT',
      body: 'version=3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(put.status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '3' }]);
  });
});

/** Admin endpoints are off without ADMIN_TOKEN. */
describe('admin endpoints without ADMIN_TOKEN', () => {
  it('refuse everything with 403', async () => {
    const redis = await ManagedRedis.start();
    const ingress = await startHerald('ingress', { redisUrl: redis.url });
    try {
      for (const token of [null, 'anything-at-all-1234']) {
        const r = await fetch(`http://127.0.0.1:${ingress.port}/admin/broadcasts`, {
          method: 'PUT',
          headers: token ? { authorization: `Bearer ${token}` } : {},
          body: '{"a":"1"}',
        });
        expect(r.status).toBe(403);
      }
    } finally {
      await ingress.kill();
      await redis.stop();
    }
  });
});
