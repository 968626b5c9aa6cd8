import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';

/**
 * The split cluster as separate OS processes: Redis, one ingress, two gateways, one worker.
 * Guarantee 1 of ARCHITECTURE.md: a registered client eventually receives the latest version of
 * every channel, whatever gateway it reconnects to and whatever process was killed meanwhile.
 */
describe('a split Herald cluster', () => {
  let redis: ManagedRedis;
  let db: Redis;
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
    REDELIVERY_MAX_ATTEMPTS: '2',
  };
  const wsUrl = (g: HeraldProcess) => `ws://127.0.0.1:${g.port}/`;
  const connect = async (g: HeraldProcess) => {
    const c = await SimplePushClient.connect(wsUrl(g));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
    const opts = (extra: Record<string, string> = {}) => ({
      redisUrl: redis.url,
      env: { ...env, ...extra },
    });
    ingress = await startHerald('ingress', opts());
    env.PUBLIC_URL = `http://127.0.0.1:${ingress.port}`;
    [gwA, gwB, worker] = await Promise.all([
      startHerald('gateway', { ...opts(), nodeId: 'gw-a' }),
      startHerald('gateway', { ...opts(), nodeId: 'gw-b' }),
      startHerald('worker', opts()),
    ]);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await stopAll([ingress, gwA, gwB, worker]);
    db?.disconnect();
    await redis?.stop();
  });

  it('points every endpoint at the ingress and every node has its own channel', async () => {
    const a = await connect(gwA);
    await a.hello();
    const reg = await a.register();
    expect(reg.pushEndpoint.startsWith(`http://127.0.0.1:${ingress.port}/update/`)).toBe(true);
    const channels = await db.pubsub('CHANNELS', 'herald:node:*');
    expect(channels.sort()).toEqual(['herald:node:gw-a', 'herald:node:gw-b']);
  });

  it('resyncs on gateway B exactly the latest version of each channel PUT while away', async () => {
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
    for (const v of [2, 3, 4]) expect((await putVersion(one.pushEndpoint, v)).status).toBe(202);
    for (const v of [10, 20]) expect((await putVersion(two.pushEndpoint, v)).status).toBe(202);
    const b = await connect(gwB);
    const batch = b.next((f) => f.messageType === 'notification');
    await b.hello(a.uaid, [one.channelID, two.channelID]);
    const updates = (await batch).updates as Array<{ channelID: string; version: string }>;
    expect(new Map(updates.map((u) => [u.channelID, u.version]))).toEqual(
      new Map([
        [one.channelID, '4'],
        [two.channelID, '20'],
      ]),
    );
    expect(updates).toHaveLength(2);
    // And live delivery now goes to B.
    const next = b.nextOf('notification');
    expect((await putVersion(two.pushEndpoint, 21)).status).toBe(200);
    expect((await next).updates).toEqual([{ channelID: two.channelID, version: '21' }]);
  });

  it('closes the older connection on the other node when a UAID connects again', async () => {
    const a = await connect(gwA);
    await a.hello();
    const reg = await a.register();
    const b = await connect(gwB);
    await b.hello(a.uaid, [reg.channelID]);
    expect(await a.closed).toEqual({ code: 4409, reason: 'replaced by a newer connection' });
    const note = b.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, 9)).status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '9' }]);
  });

  it('redelivers what is not acked, with backoff, until acked or the attempts run out', async () => {
    const a = await connect(gwA);
    await a.hello();
    const reg = await a.register();
    const frames = () => a.received.filter((f) => f.messageType === 'notification').length;
    expect((await putVersion(reg.pushEndpoint, 5)).status).toBe(200);
    // 1 live send + REDELIVERY_MAX_ATTEMPTS (2) redeliveries by the worker, then it gives up.
    await a.next(() => frames() === 3, 15_000);
    // No redelivery job of this client left anywhere in the queue (the node sweep repeats on).
    await waitFor('the redelivery jobs to be done', async () => {
      const [delayed, waiting, active] = await Promise.all([
        db.zrange('{herald}:redelivery:delayed', '0', '-1'),
        db.lrange('{herald}:redelivery:wait', 0, -1),
        db.lrange('{herald}:redelivery:active', 0, -1),
      ]);
      return ![...delayed, ...waiting, ...active].some((id) => id.includes(a.uaid));
    });
    expect(frames()).toBe(3);
    for (const f of a.received.filter((x) => x.messageType === 'notification')) {
      expect(f.updates).toEqual([{ channelID: reg.channelID, version: '5' }]);
    }
    // An acked version is never redelivered: ack the next one at once.
    const next = a.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, 6)).status).toBe(200);
    a.ackFrame(await next);
    const acked = frames();
    const metricsText = async () =>
      (await fetch(`http://127.0.0.1:${worker.ports.metrics}/metrics`)).text();
    const redelivered = async () =>
      Number(/^herald_notifications_redelivered_total (\d+)/m.exec(await metricsText())?.[1] ?? 0);
    const before = await redelivered();
    // The gateway hands unacked work over after REDELIVERY_DELAY_MS; give it three times that,
    // observed through the worker's counter rather than by sleeping blindly.
    await expect(
      waitFor('a redelivery after the ack', async () => (await redelivered()) > before, 2_000),
    ).rejects.toThrow(/timed out/);
    expect(frames()).toBe(acked);
  });

  it('survives kill -9 of a gateway: its clients reconnect to the other and lose nothing', async () => {
    const doomed = await startHerald('gateway', { redisUrl: redis.url, env, nodeId: 'gw-doomed' });
    const n = 40;
    const regs: Array<{
      uaid: string;
      channels: Array<{ channelID: string; pushEndpoint: string }>;
    }> = [];
    const olds: SimplePushClient[] = [];
    for (let i = 0; i < n; i++) {
      const c = await connect(doomed);
      await c.hello();
      const r1 = await c.register();
      const r2 = await c.register();
      regs.push({ uaid: c.uaid, channels: [r1, r2] });
      olds.push(c);
    }
    // Versions while connected; then the node dies with unacked and un-sent versions around it.
    const expected = new Map<string, string>();
    await Promise.all(
      regs.flatMap((r, i) =>
        r.channels.map(async (ch, j) => {
          const v = String(100 + i * 2 + j);
          expect((await putVersion(ch.pushEndpoint, v)).status).toBe(200);
          expected.set(ch.channelID, v);
        }),
      ),
    );
    await doomed.kill('SIGKILL');
    await Promise.all(olds.map((c) => c.closed));
    // PUTs after the death: published to a node nobody listens for → stored (202). The routes
    // are cleared once the node's heartbeat is seen stopped (next test); the hellos below take
    // them over anyway.
    await Promise.all(
      regs.map(async (r, i) => {
        const v = String(1000 + i);
        const res = await putVersion(r.channels[0].pushEndpoint, v);
        expect(res.status).toBe(202);
        expected.set(r.channels[0].channelID, v);
      }),
    );
    // Reconnect every client to B (as a load balancer would) and check each channel's latest.
    await Promise.all(
      regs.map(async (r) => {
        const c = await connect(gwB);
        const batch = c.next((f) => f.messageType === 'notification');
        await c.hello(
          r.uaid,
          r.channels.map((ch) => ch.channelID),
        );
        await batch;
        for (const ch of r.channels) {
          await c.waitForVersion(ch.channelID, expected.get(ch.channelID) as string);
          expect(c.versions.get(ch.channelID)).toBe(expected.get(ch.channelID));
        }
      }),
    );
    // The worker removes the dead node from the registry once its heartbeat stopped.
    await waitFor(
      'the dead node to be swept',
      async () => (await db.zscore('herald:nodes', 'gw-doomed')) === null,
    );
    expect(await db.zscore('herald:nodes', 'gw-b')).not.toBeNull();
  });

  it('keeps the route of a node that looks alive, and clears it once the node is dead', async () => {
    const doomed = await startHerald('gateway', {
      redisUrl: redis.url,
      env,
      nodeId: 'gw-doomed-2',
    });
    const c = await connect(doomed);
    await c.hello();
    const reg = await c.register();
    await doomed.kill('SIGKILL');
    // A heartbeat that is still fresh: to the ingress this is a live node whose subscription is in
    // a gap (it repairs its routes when back), so the route stays. A future score keeps the
    // worker's sweep off it for the length of the test.
    await db.zadd('herald:nodes', Date.now() + 60_000, 'gw-doomed-2');
    expect((await putVersion(reg.pushEndpoint, 1)).status).toBe(202);
    expect(await db.hget(`u:{${c.uaid}}`, 'node')).toBe('gw-doomed-2');
    // Swept from the registry (as the worker does once the heartbeat stopped): the next PUT that
    // reaches nobody clears the route.
    await db.zrem('herald:nodes', 'gw-doomed-2');
    expect((await putVersion(reg.pushEndpoint, 2)).status).toBe(202);
    expect(await db.hget(`u:{${c.uaid}}`, 'node')).toBeNull();
  });

  it("never lets one UAID hold another UAID's channel across nodes", async () => {
    const a = await connect(gwA);
    await a.hello();
    const chid = randomUUID();
    expect((await a.register(chid)).status).toBe(200);
    const b = await connect(gwB);
    await b.hello();
    expect((await b.register(chid)).status).toBe(409);
  });
});
