import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';

/**
 * A rolling deploy under steady traffic: gateway A gets SIGTERM while PUTs keep coming; its
 * clients are closed in batches (1001) and reconnect to gateway B, as a load balancer would send
 * them. Every client must end with the latest accepted version of every channel: 0 lost.
 */
describe('rolling deploy of a gateway under load', () => {
  let redis: ManagedRedis;
  let ingress: HeraldProcess;
  let gwA: HeraldProcess;
  let gwB: HeraldProcess;
  let worker: HeraldProcess;
  const clients: SimplePushClient[] = [];

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    ingress = await startHerald('ingress', { redisUrl: redis.url });
    const env = {
      PUBLIC_URL: `http://127.0.0.1:${ingress.port}`,
      DRAIN_TIMEOUT_MS: '1500',
      DRAIN_BATCH_SIZE: '10',
    };
    [gwA, gwB, worker] = await Promise.all([
      startHerald('gateway', { redisUrl: redis.url, env, nodeId: 'gw-a' }),
      startHerald('gateway', { redisUrl: redis.url, env, nodeId: 'gw-b' }),
      startHerald('worker', { redisUrl: redis.url }),
    ]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stopAll([ingress, gwA, gwB, worker]);
    await redis?.stop();
  });

  it('loses nothing', async () => {
    const n = 60;
    const users: Array<{
      uaid: string;
      channels: Array<{ channelID: string; pushEndpoint: string }>;
      moved: Promise<SimplePushClient>;
    }> = [];
    for (let i = 0; i < n; i++) {
      const c = await SimplePushClient.connect(`ws://127.0.0.1:${gwA.port}/`);
      clients.push(c);
      await c.hello();
      const channels = [await c.register(), await c.register()];
      c.ws.on('message', (d) => {
        const f = JSON.parse(d.toString().replace(/("version":)(\d+)/g, '$1"$2"'));
        if (f.messageType === 'notification') c.ackFrame(f);
      });
      // The "load balancer": on close, reconnect to the other gateway and resync.
      const moved = c.closed.then(async (closed) => {
        expect(closed).toEqual({ code: 1001, reason: 'node draining' });
        const b = await SimplePushClient.connect(`ws://127.0.0.1:${gwB.port}/`);
        clients.push(b);
        b.ws.on('message', (d) => {
          const f = JSON.parse(d.toString().replace(/("version":)(\d+)/g, '$1"$2"'));
          if (f.messageType === 'notification') b.ackFrame(f);
        });
        await b.hello(
          c.uaid,
          channels.map((ch) => ch.channelID),
        );
        return b;
      });
      users.push({ uaid: c.uaid, channels, moved });
    }
    const all = users.flatMap((u) => u.channels);
    const accepted = new Map<string, number>();
    let version = 0;
    let pushing = true;
    const statuses = new Map<number, number>();
    const pusher = (async () => {
      while (pushing) {
        const ch = all[version % all.length];
        const v = ++version;
        const r = await putVersion(ch.pushEndpoint, v);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200 || r.status === 202) accepted.set(ch.channelID, v);
      }
    })();
    await new Promise<void>((resolve) => {
      // Deploy once traffic is flowing: after the first 200 accepted pushes.
      const check = setInterval(() => {
        if (version >= 200) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    gwA.proc.kill('SIGTERM');
    expect(await gwA.exited).toBe(0);
    const moved = await Promise.all(users.map((u) => u.moved));
    const afterMove = version;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (version >= afterMove + 200) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    pushing = false;
    await pusher;
    expect([...statuses.keys()].every((s) => s === 200 || s === 202)).toBe(true);
    let lost = 0;
    await Promise.all(
      users.map(async (u, i) => {
        for (const ch of u.channels) {
          const want = accepted.get(ch.channelID);
          if (want === undefined) continue;
          await moved[i].waitForVersion(ch.channelID, want, 10_000).catch(() => lost++);
        }
      }),
    );
    expect({ lost, pushes: version }).toEqual({ lost: 0, pushes: version });
    expect(version).toBeGreaterThan(400);
  });
});
