import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';

/**
 * REDIS_WAIT_REPLICAS=1: what Herald acknowledges has reached the replica, so the replica's
 * promotion after the master's death loses none of it. A Redis master and its replica, real
 * processes; the replica stopped (SIGSTOP) stands for one that cannot keep up.
 */
describe('acknowledged only once replicated (REDIS_WAIT_REPLICAS)', () => {
  let master: ManagedRedis;
  let replica: ManagedRedis;
  let masterDb: Redis;
  let replicaDb: Redis;
  let herald: HeraldProcess;
  const clients: SimplePushClient[] = [];

  beforeAll(async () => {
    master = await ManagedRedis.start();
    replica = await ManagedRedis.start({
      extraArgs: ['--replicaof', '127.0.0.1', String(master.port)],
    });
    masterDb = new Redis(master.url);
    replicaDb = new Redis(replica.url);
    await waitFor('the replica to be in sync', async () =>
      (await replicaDb.info('replication')).includes('master_link_status:up'),
    );
    herald = await startHerald('all', {
      redisUrl: master.url,
      env: { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '300' },
    });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await herald?.kill('SIGKILL');
    masterDb?.disconnect();
    replicaDb?.disconnect();
    await Promise.all([replica?.stop(), master?.stop()]);
  });

  const connect = async () => {
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${herald.ports.gateway}/`);
    clients.push(c);
    return c;
  };
  const waitCalls = async () => {
    const line = (await masterDb.info('commandstats'))
      .split('\n')
      .find((l) => l.startsWith('cmdstat_wait:'));
    return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
  };

  it('answers each PUT once the replica holds it, with one WAIT covering many', async () => {
    const c = await connect();
    await c.hello();
    const regs = [];
    for (let i = 0; i < 100; i++) regs.push(await c.register());
    const before = await waitCalls();
    await Promise.all(
      regs.map(async (r, i) => {
        expect((await putVersion(r.pushEndpoint, 1000 + i)).status).toBe(200);
        // Answered: so the replica has it now, not eventually.
        expect(await replicaDb.hget(`u:{${c.uaid}}:ch`, r.channelID)).toMatch(
          new RegExp(`^\\+?${1000 + i}$`),
        );
      }),
    );
    const waits = (await waitCalls()) - before;
    expect(waits).toBeGreaterThan(0);
    expect(waits).toBeLessThan(100);
  });

  it('refuses with 503 + Retry-After, and fails a hello, while the replica does not confirm', async () => {
    const c = await connect();
    await c.hello();
    const reg = await c.register();
    process.kill(replica.pid as number, 'SIGSTOP');
    try {
      const res = await putVersion(reg.pushEndpoint, 5);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      const other = await connect();
      expect(await other.hello()).toMatchObject({ messageType: 'hello', status: 503 });
    } finally {
      process.kill(replica.pid as number, 'SIGCONT');
    }
    // Back in sync: the application server's retry is acknowledged (202 "stale": version 5 was
    // stored by the refused PUT, and is confirmed replicated now).
    await waitFor('the replica to catch up', async () => {
      const res = await putVersion(reg.pushEndpoint, 5);
      return res.status === 202 && res.json?.status === 'stale';
    });
    expect(await replicaDb.hget(`u:{${c.uaid}}:ch`, reg.channelID)).toMatch(/^\+?5$/);
  });
});
