import { Cluster } from 'ioredis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { TestRedisCluster } from '../support/redis-cluster';
import { randomBytes } from 'node:crypto';
import { putVersion, SimplePushClient } from '../support/simplepush-client';
import { WebPushClient } from '../support/webpush-client';
import { waitFor } from '../support/wait-for';

/**
 * The split cluster on a 3-master Redis Cluster: per-UAID hash tags keep every script on one slot,
 * node channels are shard channels (SSUBSCRIBE / SPUBLISH), BullMQ lives under one hash tag.
 */
describe('Herald on a Redis Cluster', () => {
  let redis: TestRedisCluster;
  let db: Cluster;
  let ingress: HeraldProcess;
  let gwA: HeraldProcess;
  let gwB: HeraldProcess;
  let worker: HeraldProcess;
  const clients: SimplePushClient[] = [];
  const env: Record<string, string> = {
    NODE_HEARTBEAT_MS: '200',
    NODE_DEAD_AFTER_MS: '1000',
    REDELIVERY_DELAY_MS: '300',
    REDELIVERY_MAX_DELAY_MS: '600',
    REDELIVERY_MAX_ATTEMPTS: '1',
  };
  const connect = async (g: HeraldProcess) => {
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${g.port}/`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await TestRedisCluster.start(3);
    db = redis.client();
    env.REDIS_CLUSTER_NODES = redis.seeds;
    ingress = await startHerald('ingress', { env });
    env.PUBLIC_URL = `http://127.0.0.1:${ingress.port}`;
    [gwA, gwB, worker] = await Promise.all([
      startHerald('gateway', { env, nodeId: 'rc-a' }),
      startHerald('gateway', { env, nodeId: 'rc-b' }),
      startHerald('worker', { env }),
    ]);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await stopAll([ingress, gwA, gwB, worker]);
    db?.disconnect();
    await redis?.stop();
  });

  it('routes live notifications over shard channels and resyncs on another gateway', async () => {
    const a = await connect(gwA);
    await a.hello();
    const one = await a.register();
    const two = await a.register();
    const live = a.nextOf('notification');
    expect((await putVersion(one.pushEndpoint, 1)).status).toBe(200);
    a.ackFrame(await live);
    a.close();
    await a.closed;
    await waitFor(
      'the route to be released',
      async () => !(await db.hexists(`u:{${a.uaid}}`, 'node')),
    );
    for (const v of [2, 3]) expect((await putVersion(one.pushEndpoint, v)).status).toBe(202);
    expect((await putVersion(two.pushEndpoint, 7)).status).toBe(202);
    const b = await connect(gwB);
    const batch = b.next((f) => f.messageType === 'notification');
    await b.hello(a.uaid, [one.channelID, two.channelID]);
    const updates = (await batch).updates as Array<{ channelID: string; version: string }>;
    expect(new Map(updates.map((u) => [u.channelID, u.version]))).toEqual(
      new Map([
        [one.channelID, '3'],
        [two.channelID, '7'],
      ]),
    );
  });

  it('closes the older connection on the other node (kick over a shard channel)', async () => {
    const a = await connect(gwA);
    await a.hello();
    const b = await connect(gwB);
    await b.hello(a.uaid, []);
    expect((await a.closed).code).toBe(4409);
  });

  it('keeps 409 across UAIDs, and redelivers through the worker', async () => {
    const a = await connect(gwA);
    await a.hello();
    const reg = await a.register();
    const other = await connect(gwB);
    await other.hello();
    expect((await other.register(reg.channelID)).status).toBe(409);
    expect((await putVersion(reg.pushEndpoint, 5)).status).toBe(200);
    await a.next(
      (f) =>
        f.messageType === 'notification' &&
        a.received.filter((x) => x.messageType === 'notification').length === 2,
      15_000,
    );
  });

  it('stores Web Push messages on the user slot and delivers them on another gateway, byte for byte', async () => {
    const a = await WebPushClient.connect(`ws://127.0.0.1:${gwA.port}/`);
    clients.push(a);
    await a.helloWebPush();
    const sub = await a.subscribe();
    a.close();
    await a.closed;
    await waitFor(
      'the route to be released',
      async () => !(await db.hexists(`u:{${a.uaid}}`, 'node')),
    );
    const body = randomBytes(300);
    const post = await fetch(sub.endpoint, {
      method: 'POST',
      // With a Topic: the topic index is pruned on the user slot too, on push and on read.
      headers: { TTL: '60', 'Content-Encoding': 'aes128gcm', Topic: 'score' },
      body,
    });
    expect(post.status).toBe(201);
    const b = await WebPushClient.connect(`ws://127.0.0.1:${gwB.port}/`);
    clients.push(b);
    const note = b.next((f) => f.messageType === 'notification');
    await b.helloWebPush(a.uaid);
    expect(await note).toMatchObject({
      channelID: sub.channelID,
      data: body.toString('base64url'),
      headers: { encoding: 'aes128gcm' },
    });
  });

  it('loses nothing when a gateway is killed: stale route cleared, resync elsewhere', async () => {
    const doomed = await startHerald('gateway', { env, nodeId: 'rc-doomed' });
    const c = await connect(doomed);
    await c.hello();
    const reg = await c.register();
    await doomed.kill('SIGKILL');
    await waitFor(
      'the dead node to be swept',
      async () => (await db.zscore('herald:nodes', 'rc-doomed')) === null,
    );
    expect((await putVersion(reg.pushEndpoint, 11)).status).toBe(202);
    expect(await db.hget(`u:{${c.uaid}}`, 'node')).toBeNull();
    const b = await connect(gwB);
    const batch = b.next((f) => f.messageType === 'notification');
    await b.hello(c.uaid, [reg.channelID]);
    expect((await batch).updates).toEqual([{ channelID: reg.channelID, version: '11' }]);
  });
});
