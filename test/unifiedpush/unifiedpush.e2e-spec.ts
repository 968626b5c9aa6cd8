import { randomBytes } from 'node:crypto';
import { freePort, ManagedRedis } from '@herald/managed-redis';
import { clientBaseUrl, HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { WebPushClient, WebPushNotification } from '../support/webpush-client';
import Redis from 'ioredis';
import webpush from 'web-push';
import { newVapidKeys, vapidHeaders } from '../webpush/support/app-server';
import { CurlStream } from './support/curl-stream';

const RATE_LIMIT = 30;
// Above RATE_LIMIT: a client that does not ack must not reach the limit (tested on its own).
const MAX_MESSAGES = 50;
const KEEPALIVE_MS = 400;

/**
 * UnifiedPush (SERV_1.2.0) and the seed's server–distributor protocol against a split cluster on
 * a private Redis: two ingress processes (A, whose URL is the public one, and B, another replica
 * behind the same load balancer), two gateways (A, the WebSocket one, and B; the seed's
 * `/client/*` streams are client connections, served by the gateways) and a retry worker.
 * Streams are read with `curl -N` as the seed's README does.
 */
describe('UnifiedPush server interface and the seed protocol (split cluster)', () => {
  let redis: ManagedRedis;
  let ingressA: HeraldProcess;
  let ingressB: HeraldProcess;
  let gateway: HeraldProcess;
  let gatewayB: HeraldProcess;
  let worker: HeraldProcess;
  let publicUrl: string;
  let urlB: string;
  let gatewayUrl: string;
  /** `/client/*` on gateway A and on gateway B. */
  let clientA: string;
  let clientB: string;
  const clients: WebPushClient[] = [];
  const curls: CurlStream[] = [];

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const [portA, portB] = [await freePort(), await freePort()];
    publicUrl = `http://127.0.0.1:${portA}`;
    urlB = `http://127.0.0.1:${portB}`;
    const env = {
      PUBLIC_URL: publicUrl,
      UP_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      SEED_KEEPALIVE_MS: String(KEEPALIVE_MS),
      WEBPUSH_MAX_MESSAGES_PER_UAID: String(MAX_MESSAGES),
    };
    [ingressA, ingressB, gateway, gatewayB, worker] = await Promise.all([
      startHerald('ingress', { redisUrl: redis.url, env: { ...env, INGRESS_PORT: String(portA) } }),
      startHerald('ingress', { redisUrl: redis.url, env: { ...env, INGRESS_PORT: String(portB) } }),
      startHerald('gateway', { redisUrl: redis.url, env }),
      startHerald('gateway', { redisUrl: redis.url, env }),
      startHerald('worker', { redisUrl: redis.url, env }),
    ]);
    gatewayUrl = `ws://127.0.0.1:${gateway.port}/`;
    clientA = clientBaseUrl(gateway);
    clientB = clientBaseUrl(gatewayB);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(curls.splice(0).map((c) => c.stop()));
  });

  afterAll(async () => {
    await stopAll([gateway, gatewayB, ingressA, ingressB, worker]);
    await redis?.stop();
  });

  const connect = async (uaid = '') => {
    const c = await WebPushClient.connect(gatewayUrl);
    clients.push(c);
    const hello = await c.helloWebPush(uaid);
    expect(hello.status).toBe(200);
    return c;
  };
  /** A UnifiedPush registration as Herald's distributor makes it (`"unifiedpush": true`). */
  const registerUp = async (c: WebPushClient, key?: string) => {
    const channelID = crypto.randomUUID();
    const reply = c.next((f) => f.messageType === 'register' && f.channelID === channelID);
    c.send({ messageType: 'register', channelID, unifiedpush: true, ...(key ? { key } : {}) });
    const f = await reply;
    expect(f.status).toBe(200);
    return { channelID, endpoint: f.pushEndpoint as string };
  };
  /** The same endpoint through ingress B: another replica than the one the URL names. */
  const viaB = (endpoint: string) => endpoint.replace(publicUrl, urlB);
  const post = (url: string, body?: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
  const bodyOf = (n: WebPushNotification) => Buffer.from(n.data ?? '', 'base64url');
  const curl = (url: string, args: string[] = ['-i']) => {
    const c = new CurlStream(url, args);
    curls.push(c);
    return c;
  };
  /** A stream whose response head arrived: its ids are routed to its gateway from now on. */
  const openStream = async (url: string) => {
    const c = curl(url);
    await c.waitFor('\r\n\r\n');
    expect(c.text()).toMatch(/^HTTP\/1\.1 200/);
    return c;
  };
  /** The first `count` message events of a multi stream (after the head; keep-alives skipped). */
  const events = (stream: CurlStream, count: number) =>
    stream.until(`${count} events`, (t) => {
      const lines = t
        .slice(t.indexOf('\r\n\r\n') + 4)
        .split('\r\n')
        .slice(0, -1)
        .filter((l) => l !== '{}');
      return lines.length >= count
        ? lines.slice(0, count).map((l) => JSON.parse(l) as Record<string, string[]>)
        : null;
    });
  /** One more ingress replica with its own settings, for the length of `fn` (given its URL). */
  const withIngress = async (env: Record<string, string>, fn: (base: string) => Promise<void>) => {
    const extra = await startHerald('ingress', {
      redisUrl: redis.url,
      env: { PUBLIC_URL: publicUrl, ...env },
    });
    try {
      await fn(`http://127.0.0.1:${extra.port}`);
    } finally {
      await stopAll([extra]);
    }
  };
  /** One more gateway with its own settings, for the length of `fn` (given its `/client` base). */
  const withGateway = async (env: Record<string, string>, fn: (base: string) => Promise<void>) => {
    const extra = await startHerald('gateway', {
      redisUrl: redis.url,
      env: { PUBLIC_URL: publicUrl, ...env },
    });
    try {
      await fn(clientBaseUrl(extra));
    } finally {
      await stopAll([extra]);
    }
  };
  const seedRegister = async (base = clientA) => {
    const res = await fetch(`${base}/client/register`);
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    return id;
  };

  describe('UnifiedPush endpoints (/up/<token>)', () => {
    it('gives a /up/ endpoint of at most 1000 bytes that answers discovery on any ingress', async () => {
      const c = await connect();
      const { endpoint } = await registerUp(c);
      expect(endpoint.startsWith(`${publicUrl}/up/`)).toBe(true);
      expect(Buffer.byteLength(endpoint)).toBeLessThanOrEqual(1000);
      for (const url of [endpoint, viaB(endpoint)]) {
        const res = await fetch(url, { redirect: 'manual' });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ unifiedpush: { version: 1 } });
      }
    });

    it('delivers a POST from another ingress byte for byte, answering 201 with TTL: 0', async () => {
      const c = await connect();
      const { channelID, endpoint } = await registerUp(c);
      const body = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(3000),
      ]);
      const note = c.nextNotification((n) => n.channelID === channelID);
      const res = await post(viaB(endpoint), body, { 'content-type': 'application/octet-stream' });
      expect(res.status).toBe(201);
      expect(res.headers.get('ttl')).toBe('0');
      expect(bodyOf(await note).equals(body)).toBe(true);
    });

    it('passes an RFC 8291 Web Push message with VAPID through unchanged', async () => {
      const c = await connect();
      const { channelID, endpoint } = await registerUp(c);
      const sub = await c.subscribe(); // only for its key pair
      const vapid = newVapidKeys();
      const note = c.nextNotification((n) => n.channelID === channelID);
      // The request the `web-push` library makes (it only speaks https, so it is sent by fetch).
      const req = webpush.generateRequestDetails(
        { endpoint, keys: sub.keys },
        'hello over UnifiedPush',
        { TTL: 60, vapidDetails: { subject: 'mailto:ops@example.net', ...vapid } },
      );
      const r = await post(
        viaB(req.endpoint),
        req.body ?? undefined,
        req.headers as Record<string, string>,
      );
      expect(r.status).toBe(201);
      expect(r.headers.get('ttl')).toBe('0');
      const n = await note;
      expect(n.headers?.encoding).toBe('aes128gcm');
      // The app decrypts: the same bytes the application server encrypted.
      c.subscriptions.set(channelID, { ...sub, channelID });
      expect(c.decrypt(n)).toBe('hello over UnifiedPush');
    });

    it('binds an endpoint to the VAPID key the app gave: 401 without it, 201 with it', async () => {
      const c = await connect();
      const vapid = newVapidKeys();
      const { channelID, endpoint } = await registerUp(c, vapid.publicKey);
      expect(endpoint.startsWith(`${publicUrl}/up/`)).toBe(true);
      expect((await post(endpoint, 'no vapid')).status).toBe(401);
      const other = vapidHeaders(publicUrl, newVapidKeys());
      expect(
        (await post(endpoint, 'other key', { authorization: other.Authorization })).status,
      ).toBe(401);
      const note = c.nextNotification((n) => n.channelID === channelID);
      const auth = vapidHeaders(publicUrl, vapid);
      expect((await post(endpoint, 'signed', { authorization: auth.Authorization })).status).toBe(
        201,
      );
      expect(bodyOf(await note).toString()).toBe('signed');
    });

    it('accepts 1 and 4096 bytes, refuses 4097 (413) and an empty body (400)', async () => {
      const c = await connect();
      const { endpoint } = await registerUp(c);
      expect((await post(endpoint, 'x')).status).toBe(201);
      expect((await post(endpoint, randomBytes(4096))).status).toBe(201);
      expect((await post(endpoint, randomBytes(4097))).status).toBe(413);
      expect((await post(endpoint, randomBytes(9000))).status).toBe(413);
      expect((await post(endpoint)).status).toBe(400);
    });

    it('answers 404 for a forged endpoint and never redirects', async () => {
      const c = await connect();
      const { endpoint } = await registerUp(c);
      const forged = endpoint.slice(0, -4) + (endpoint.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      for (const res of [await fetch(forged, { redirect: 'manual' }), await post(forged, 'x')]) {
        expect(res.status).toBe(404);
      }
      expect((await fetch(`${endpoint}/`, { redirect: 'manual' })).status).toBe(404);
      // A SimplePush or Web Push token is not a UnifiedPush endpoint.
      const wp = await c.subscribe();
      expect((await post(wp.endpoint.replace('/wpush/v1/', '/up/'), 'x')).status).toBe(404);
    });

    it('stores messages for a distributor that is offline and delivers them on its next hello', async () => {
      const c = await connect();
      const uaid = c.uaid as string;
      const { channelID, endpoint } = await registerUp(c);
      c.close();
      await c.closed;
      const bodies = ['first', 'second', 'third'];
      for (const b of bodies) expect((await post(viaB(endpoint), b)).status).toBe(201);
      const again = await WebPushClient.connect(gatewayUrl);
      clients.push(again);
      const notes = again.nextNotification((n) => n.channelID === channelID);
      await again.helloWebPush(uaid);
      await notes;
      await again.barrier();
      const got = again.notifications().map((n) => bodyOf(n).toString());
      expect(got).toEqual(bodies);
    });

    it('answers 410 once the registration is gone', async () => {
      const c = await connect();
      const { channelID, endpoint } = await registerUp(c);
      const reply = c.next((f) => f.messageType === 'unregister' && f.channelID === channelID);
      c.send({ messageType: 'unregister', channelID });
      expect((await reply).status).toBe(200);
      expect((await post(endpoint, 'late')).status).toBe(410);
      expect((await fetch(endpoint)).status).toBe(410);
    });

    it('limits pushes per endpoint with 429 and Retry-After, leaving other endpoints alone', async () => {
      const c = await connect();
      const one = await registerUp(c);
      const two = await registerUp(c);
      const statuses: number[] = [];
      for (let i = 0; i < RATE_LIMIT + 2; i++) {
        const res = await post(i % 2 ? viaB(one.endpoint) : one.endpoint, `m${i}`);
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([...Array(RATE_LIMIT).fill(201), 429, 429]);
      expect((await post(two.endpoint, 'other endpoint')).status).toBe(201);
    });
  });

  describe("the seed's distributor protocol", () => {
    it('registers an unguessable id whose endpoint answers discovery; unknown ids get 404', async () => {
      const id = await seedRegister();
      // ≥ 160 bits: an authenticated token of 61 bytes.
      expect(Buffer.from(id, 'base64url').length * 8).toBeGreaterThanOrEqual(160);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      const res = await fetch(`${urlB}/push/id/${id}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ unifiedpush: { version: 1 } });
      for (const url of [`${publicUrl}/push/id/WQVOXKBGG`, `${clientA}/client/id/WQVOXKBGG`]) {
        expect((await fetch(url)).status).toBe(404);
      }
      expect((await post(`${publicUrl}/push/id/WQVOXKBGG`, 'x')).status).toBe(404);
    });

    it('streams each body followed by a blank line, pushed through another ingress (curl -N)', async () => {
      const id = await seedRegister();
      const stream = await openStream(`${clientA}/client/id/${id}`);
      const res = await post(`${urlB}/push/id/${id}`, 'Example payload');
      expect(res.status).toBe(201);
      expect(res.headers.get('ttl')).toBe('0');
      await stream.waitFor('Example payload\n\n');
      expect((await post(`${urlB}/push/id/${id}`, 'Example with another payload')).status).toBe(
        201,
      );
      await stream.waitFor('Example payload\n\nExample with another payload\n\n');
    });

    it('streams several ids as JSON lines of base64 arrays, as the seed distributor reads them', async () => {
      const [a, b] = [await seedRegister(), await seedRegister()];
      const stream = await openStream(`${clientB}/client/multi_id/${a}&${b}`);
      const binary = randomBytes(64);
      expect((await post(`${publicUrl}/push/id/${a}`, 'for a')).status).toBe(201);
      await events(stream, 1);
      expect((await post(`${publicUrl}/push/id/${b}`, binary)).status).toBe(201);
      const parsed = await events(stream, 2);
      expect(parsed[0]).toEqual({ [a]: [Buffer.from('for a').toString('base64')] });
      expect(Object.keys(parsed[1])).toEqual([b]);
      expect(Buffer.from(parsed[1][b][0], 'base64').equals(binary)).toBe(true);
    });

    it('keeps idle streams alive with output the readers ignore', async () => {
      const id = await seedRegister();
      const text = await openStream(`${clientA}/client/id/${id}`);
      const multi = await openStream(`${clientA}/client/multi_id/${await seedRegister()}`);
      await text.until('a keep-alive newline', (t) =>
        t.split('\r\n\r\n')[1]?.includes('\n') ? true : null,
      );
      await multi.until('a keep-alive {}', (t) =>
        t.split('\r\n\r\n')[1]?.includes('{}\r\n') ? true : null,
      );
    });

    it('stores what arrives while no stream is open, with a TTL, and streams it on (re)connect once', async () => {
      const id = await seedRegister();
      for (const b of ['while away 1', 'while away 2']) {
        expect((await post(`${urlB}/push/id/${id}`, b)).status).toBe(201);
      }
      // Stored in Redis with an expiry: UP_MESSAGE_TTL_SECONDS (7 days) without a TTL header.
      const db = new Redis(redis.url);
      try {
        const stored = await db.keys('u:{*}:m:*');
        expect(stored.length).toBeGreaterThanOrEqual(2);
        for (const k of stored) {
          const ttl = await db.ttl(k);
          expect(ttl).toBeGreaterThan(0);
          expect(ttl).toBeLessThanOrEqual(604_800);
        }
      } finally {
        db.disconnect();
      }
      const first = curl(`${clientA}/client/id/${id}`, []);
      await first.waitFor('while away 1\n\nwhile away 2\n\n');
      await first.stop();
      // Delivered once: a new stream does not get them again, only what came after.
      expect((await post(`${urlB}/push/id/${id}`, 'after')).status).toBe(201);
      const second = curl(`${clientB}/client/id/${id}`, []);
      await second.waitFor('after\n\n');
      expect(second.text()).toBe('after\n\n');
    });

    it('refuses a push to an id holding the most stored messages allowed: 429, and they wait', async () => {
      // A replica with a small limit (the limit is each ingress's setting).
      await withIngress({ WEBPUSH_MAX_MESSAGES_PER_UAID: '5' }, async (base) => {
        const id = await seedRegister();
        for (let i = 0; i < 5; i++) {
          expect((await post(`${base}/push/id/${id}`, `m${i}`)).status).toBe(201);
        }
        const full = await post(`${base}/push/id/${id}`, 'one too many');
        expect(full.status).toBe(429);
        expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await full.json()).toMatchObject({ code: 429, errno: 116 });
        // Every push answered 201 is still there for the distributor.
        const stream = curl(`${clientA}/client/id/${id}`, []);
        await stream.waitFor('m0\n\nm1\n\nm2\n\nm3\n\nm4\n\n');
        expect(stream.text()).not.toContain('one too many');
      });
    });

    it('moves an id to the newest stream: the older one ends', async () => {
      const id = await seedRegister();
      const older = await openStream(`${clientA}/client/id/${id}`);
      const newer = await openStream(`${clientB}/client/id/${id}`);
      expect(await older.exited).toBe(0);
      expect((await post(`${publicUrl}/push/id/${id}`, 'to the newer')).status).toBe(201);
      await newer.waitFor('to the newer\n\n');
      expect(older.text()).not.toContain('to the newer');
    });

    it('limits registrations per client address: 429 with Retry-After, counted across replicas', async () => {
      await withGateway({ SEED_REGISTER_RATE_PER_MINUTE: '3' }, async (base) => {
        // The window is shared in Redis: other tests' registrations from this address count too.
        let res: Response;
        let ok = 0;
        for (;;) {
          res = await fetch(`${base}/client/register`);
          if (res.status !== 200) break;
          ok++;
          expect(ok).toBeLessThanOrEqual(3);
        }
        expect(res.status).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ code: 429, errno: 429 });
      });
    });

    it('writes what was pushed while its gateway was unsubscribed, the stream kept open', async () => {
      const id = await seedRegister();
      const stream = await openStream(`${clientA}/client/id/${id}`);
      const db = new Redis(redis.url);
      const stored = async () => {
        const text = await (
          await fetch(`http://127.0.0.1:${ingressB.ports.metrics}/metrics`)
        ).text();
        const line = text
          .split('\n')
          .find((l) => l.startsWith('herald_webpush_messages_total{result="stored"}'));
        return Number(line?.split(' ').pop() ?? 0);
      };
      try {
        // Drop every pub/sub connection: a push landing before gateway A resubscribes reaches
        // nobody and is only stored. One that lands after is routed live and proves nothing, so
        // try again until one lands in the gap.
        for (let attempt = 0; ; attempt++) {
          expect(attempt).toBeLessThan(20);
          const before = await stored();
          await db.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
          const body = `in the gap ${attempt}`;
          expect((await post(`${urlB}/push/id/${id}`, body)).status).toBe(201);
          await stream.waitFor(`${body}\n\n`);
          if ((await stored()) > before) break;
        }
      } finally {
        db.disconnect();
      }
      expect(stream.proc.exitCode).toBeNull();
    });

    it('refuses 0 and 4097 bytes with 413, and an unknown id among several with 404', async () => {
      const id = await seedRegister();
      expect((await post(`${publicUrl}/push/id/${id}`)).status).toBe(413);
      expect((await post(`${publicUrl}/push/id/${id}`, randomBytes(4097))).status).toBe(413);
      expect((await post(`${publicUrl}/push/id/${id}`, randomBytes(4096))).status).toBe(201);
      expect((await fetch(`${clientA}/client/multi_id/${id}&NOTANID`)).status).toBe(404);
    });

    it('never lets a stream read a WebSocket client: a /up/ token is no seed id', async () => {
      const c = await connect();
      const { endpoint } = await registerUp(c);
      const token = endpoint.split('/up/')[1];
      const res = await fetch(`${clientA}/client/id/${token}`);
      expect(res.status).toBe(404);
      // And the WebSocket client still gets its pushes.
      const note = c.nextNotification();
      expect((await post(endpoint, 'still mine')).status).toBe(201);
      expect(bodyOf(await note).toString()).toBe('still mine');
    });
  });
});
