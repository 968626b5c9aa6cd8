import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ManagedRedis, freePort } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { SimplePushClient } from '../support/simplepush-client';
import { WebPushClient } from '../support/webpush-client';
import { newVapidKeys, sendWebPush } from './support/app-server';
import { AutopushDistributor } from './support/autopush-distributor';
import { startTlsFront, TlsFront } from './support/tls-front';

/**
 * Issue 11 item 6: the UnifiedPush distributors written against Mozilla autopush (Sunup,
 * KUnifiedPush) pointed at `wss://<gateway>/autopush`, with the frames they really send (no
 * `use_webpush` in hello, register with `key`, acks without `code`, ping `{}`), and the
 * application server side as a UnifiedPush app server sends: aes128gcm + VAPID.
 */
describe('Autopush-speaking UnifiedPush distributors at /autopush', () => {
  let redis: ManagedRedis;
  let db: Redis;
  let herald: HeraldProcess;
  let front: TlsFront;
  let autopushUrl: string;
  let rootUrl: string;
  const clients: SimplePushClient[] = [];

  const track = <T extends SimplePushClient>(c: T): T => {
    clients.push(c);
    return c;
  };
  const distributor = async () => track(await AutopushDistributor.connect(autopushUrl));

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
    const frontPort = await freePort();
    herald = await startHerald('all', {
      redisUrl: redis.url,
      env: { PUBLIC_URL: `https://localhost:${frontPort}` },
    });
    front = await startTlsFront(frontPort, herald.ports.ingress);
    autopushUrl = `ws://127.0.0.1:${herald.ports.gateway}/autopush`;
    rootUrl = `ws://127.0.0.1:${herald.ports.gateway}/`;
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await front?.close();
    await herald?.kill('SIGTERM');
    db?.disconnect();
    await redis?.stop();
  });

  it('Sunup: hello without use_webpush, register with key, VAPID push, ack without code, ping', async () => {
    const vapid = newVapidKeys();
    const c = await distributor();
    const hello = await c.helloAsSunup(null);
    expect(hello).toMatchObject({ messageType: 'hello', status: 200, use_webpush: true });
    expect(hello.uaid).toMatch(/^[0-9a-f]{32}$/);

    const sub = await c.subscribe(vapid.publicKey);
    expect(sub.endpoint).toMatch(new RegExp(`^${front.origin}/wpush/v2/[A-Za-z0-9_-]+$`));

    const note = c.nextNotification();
    const r = await sendWebPush(sub, 'from a UnifiedPush app', { vapid });
    expect(r.status).toBe(201);
    const n = await note;
    expect(n).toMatchObject({ channelID: sub.channelID, headers: { encoding: 'aes128gcm' } });
    expect(typeof n.data).toBe('string');
    expect(c.decrypt(n)).toBe('from a UnifiedPush app');

    c.ackAsSunup(n);
    await c.barrier(); // Sunup's ping `{}` is answered `{}`
    expect(c.rawReceived[c.rawReceived.length - 1]).toBe('{}');
    expect(await db.keys(`u:{${c.uaid}}:m:*`)).toEqual([]);
    // No SimplePush frame was ever sent.
    expect(c.received.some((f) => f.messageType === 'notification' && 'updates' in f)).toBe(false);
  });

  it('Sunup: a push while it is offline is stored and delivered after its next hello', async () => {
    const vapid = newVapidKeys();
    const c = await distributor();
    await c.helloAsSunup(null);
    const sub = await c.subscribe(vapid.publicKey);
    c.close();
    await c.closed;
    const r = await sendWebPush(sub, 'while offline', { vapid });
    expect(r.status).toBe(201);

    const again = await distributor();
    again.subscriptions.set(sub.channelID, sub);
    const note = again.nextNotification();
    const hello = await again.helloAsSunup(c.uaid);
    expect(hello).toMatchObject({ status: 200, uaid: c.uaid, use_webpush: true });
    const n = await note;
    expect(again.decrypt(n)).toBe('while offline');
    again.ackAsSunup(n);
    await again.barrier();
    expect(await db.keys(`u:{${c.uaid}}:m:*`)).toEqual([]);
  });

  it('Sunup: an unknown UAID gets a new one (Sunup then re-registers)', async () => {
    const c = await distributor();
    const unknown = randomUUID().replace(/-/g, '');
    const hello = await c.helloAsSunup(unknown);
    expect(hello).toMatchObject({ status: 200, use_webpush: true });
    expect(hello.uaid).not.toBe(unknown);
    const sub = await c.subscribe(newVapidKeys().publicKey);
    expect(sub.endpoint).toContain('/wpush/v2/');
  });

  it('KUnifiedPush: hello with no uaid field, register with key, reads data of a VAPID push', async () => {
    const vapid = newVapidKeys();
    const c = await distributor();
    const hello = await c.helloAsKUnifiedPush();
    expect(hello).toMatchObject({ messageType: 'hello', status: 200, use_webpush: true });
    const sub = await c.subscribe(vapid.publicKey);
    const note = c.nextNotification();
    expect((await sendWebPush(sub, 'to KDE', { vapid })).status).toBe(201);
    const n = await note;
    expect(c.decrypt(n)).toBe('to KDE');
    // It reconnects with its UAID the same way.
    c.close();
    await c.closed;
    const again = await distributor();
    expect(await again.helloAsKUnifiedPush(c.uaid)).toMatchObject({ status: 200, uaid: c.uaid });
  });

  it('a register reply that is not 200 still carries pushEndpoint, as autopush sends it', async () => {
    const c = await distributor();
    await c.helloAsSunup(null);
    const badKey = await c.registerRaw(randomUUID(), 'not-a-key');
    expect(badKey).toMatchObject({ messageType: 'register', status: 400, pushEndpoint: '' });
    const badChannel = await c.registerRaw('NOT-A-UUID', newVapidKeys().publicKey);
    expect(badChannel).toMatchObject({ status: 400, pushEndpoint: '' });
    // Taken by another UAID.
    const other = await distributor();
    await other.helloAsSunup(null);
    const channelID = randomUUID();
    expect(await other.registerRaw(channelID)).toMatchObject({ status: 200 });
    expect(await c.registerRaw(channelID)).toMatchObject({ status: 409, pushEndpoint: '' });
  });

  it('the Web Push flavour at / gives failed registers a pushEndpoint too', async () => {
    const c = track(await WebPushClient.connect(rootUrl));
    await c.helloWebPush();
    const reply = c.nextOf('register');
    c.send({ messageType: 'register', channelID: randomUUID(), key: 'not-a-key' });
    expect(await reply).toMatchObject({ status: 400, pushEndpoint: '' });
  });

  it('/ is unchanged: a hello without use_webpush is SimplePush there', async () => {
    const c = track(await SimplePushClient.connect(rootUrl));
    const hello = await c.hello();
    expect(hello).toMatchObject({ status: 200 });
    expect(hello.use_webpush).toBeUndefined();
    const reg = await c.register();
    expect(reg.pushEndpoint).toContain('/update/');
    const bad = c.nextOf('register');
    c.send({ messageType: 'register', channelID: 'NOT-A-UUID' });
    expect(await bad).toEqual({
      messageType: 'register',
      channelID: 'NOT-A-UUID',
      status: 400,
      reason: 'channelID must be a lowercase dashed UUID',
    });
  });
});
