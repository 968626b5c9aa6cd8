import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { TestRedisCluster } from '../support/redis-cluster';
// eslint-disable-next-line no-restricted-imports
import { keys } from '../../libs/storage/src/testing';
import { behindChannels, FleetUser, Pusher, settle } from './fleet';

/**
 * A Redis Cluster master dies under load (3 masters, 2 replicas each): a replica is promoted, the
 * other follows it, Herald's clients follow the new topology (slots, shard channels), and every
 * channel ends with its latest accepted version. Two things make that so: PUTs are acknowledged
 * only once a replica has them (REDIS_WAIT_REPLICAS=1; two replicas, so the promoted master still
 * has one), and a gateway whose shard subscription was down sends its clients what PUTs stored
 * meanwhile (RouteBus probe → repair; the ingress keeps the routes of a live node).
 */
describe('chaos: Redis Cluster master failover', () => {
  let redis: TestRedisCluster;
  let procs: HeraldProcess[] = [];
  const users: FleetUser[] = [];
  let pusher: Pusher;

  beforeAll(async () => {
    redis = await TestRedisCluster.start(3, 2);
    const env: Record<string, string> = {
      REDIS_CLUSTER_NODES: redis.seeds,
      NODE_HEARTBEAT_MS: '250',
      REDELIVERY_DELAY_MS: '500',
      // Replication is asynchronous: without this, a PUT the dying master acknowledged but had
      // not yet sent to its replica is gone after the promotion.
      REDIS_WAIT_REPLICAS: '1',
    };
    const ingress = await startHerald('ingress', { env });
    env.PUBLIC_URL = `http://127.0.0.1:${ingress.port}`;
    const [a, b, worker] = await Promise.all([
      startHerald('gateway', { env, nodeId: 'fo-a' }),
      startHerald('gateway', { env, nodeId: 'fo-b' }),
      startHerald('worker', { env }),
    ]);
    procs = [ingress, a, b, worker];
    const urls = [a, b].map((g) => `ws://127.0.0.1:${g.port}/`);
    for (let i = 0; i < 30; i++) users.push(new FleetUser(() => urls, 2));
    await Promise.all(users.map((u) => u.start()));
    pusher = new Pusher(users);
  });
  afterAll(async () => {
    users.forEach((u) => u.stop());
    await pusher?.stop();
    await stopAll(procs);
    await redis?.stop();
  });

  /** What Redis and the client say of each lost channel: which step dropped it. */
  async function describeLost(): Promise<string> {
    const c = redis.client();
    try {
      const rows = await Promise.all(
        behindChannels(users).map(async ({ user, channel }) => {
          const [stored, route] = await Promise.all([
            c.hget(keys.channels(user.uaid), channel.channelID),
            c.hgetall(keys.user(user.uaid)),
          ]);
          return JSON.stringify({
            accepted: channel.accepted.toString(),
            received: channel.received.toString(),
            stored,
            route: { node: route.node, epoch: route.epoch },
            connected: !!user.client,
            via: user.client?.ws.url,
            reconnects: user.reconnects,
          });
        }),
      );
      return rows.join('\n');
    } finally {
      c.disconnect();
    }
  }

  it('loses nothing when a master is killed and its replica promoted', async () => {
    pusher.start();
    await new Promise((r) => setTimeout(r, 700));
    const masters = await redis.masters();
    const victim = masters[0];
    await victim.kill('SIGKILL');
    await redis.failedOver(victim, masters.length);
    const acceptedAtFailover = pusher.accepted;
    // Traffic after the promotion must reach users whose slots moved to the promoted replica too.
    await new Promise((r) => setTimeout(r, 2000));
    await pusher.stop();
    const t = await settle(users, 20_000, pusher);
    process.stdout.write(
      `failover: ${JSON.stringify(t)}, accepted after promotion: ${t.accepted - acceptedAtFailover}\n`,
    );
    if (t.lost) process.stdout.write(`lost channels:\n${await describeLost()}\n`);
    expect(t.accepted - acceptedAtFailover).toBeGreaterThan(50);
    expect(t.lost).toBe(0);
    expect(procs.every((p) => p.proc.exitCode === null)).toBe(true);
  });
});
