import type { Socket } from 'node:net';
import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { countWrites as countSocketWrites } from '../../../test/support/socket-writes';
import { coalesceWrites, flushWrites } from './write-coalescing';

/** Counts the writes of the client's current socket. */
function countWrites(redis: Redis): { n: number } {
  return countSocketWrites((redis as unknown as { stream: Socket }).stream);
}

async function ready(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
}

describe('commands issued in one turn leave in one write (coalesceWrites)', () => {
  let server: ManagedRedis;
  const clients: Redis[] = [];
  const client = (coalesced: boolean) => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    return coalesced ? coalesceWrites(redis) : redis;
  };

  beforeAll(async () => {
    server = await ManagedRedis.start();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
    await server.stop();
  });

  it('200 commands of one turn: one write, replies in order', async () => {
    const redis = client(true);
    await ready(redis);
    const writes = countWrites(redis);
    const replies = await Promise.all(Array.from({ length: 200 }, () => redis.incr('n')));
    expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(writes.n).toBe(1);
  });

  it('without it, the same 200 commands are 200 writes (what the test tells apart)', async () => {
    const redis = client(false);
    await ready(redis);
    const writes = countWrites(redis);
    await Promise.all(Array.from({ length: 200 }, () => redis.incr('m')));
    expect(writes.n).toBe(200);
  });

  it('each turn is flushed: a command after an await is answered, one write per turn', async () => {
    const redis = client(true);
    await ready(redis);
    const writes = countWrites(redis);
    for (let i = 0; i < 5; i++) {
      await redis.set('k', String(i));
      expect(await redis.get('k')).toBe(String(i));
    }
    expect(writes.n).toBe(10);
  });

  it('a new connection after a drop is coalesced too', async () => {
    const redis = client(true);
    await ready(redis);
    const first = (redis as unknown as { stream: Socket }).stream;
    first.destroy();
    await new Promise((r) => redis.once('ready', r));
    expect((redis as unknown as { stream: Socket }).stream).not.toBe(first);
    const writes = countWrites(redis);
    await Promise.all(Array.from({ length: 50 }, () => redis.incr('r')));
    expect(writes.n).toBe(1);
  });

  it('flushWrites sends a check-phase turn at once, not an iteration later', async () => {
    const redis = client(true);
    await ready(redis);
    const writes = countWrites(redis);
    const seen = await new Promise<number[]>((resolve) =>
      setImmediate(() => {
        const replies = [redis.incr('f'), redis.incr('f')];
        const corked = writes.n;
        flushWrites(redis);
        const flushed = writes.n;
        void Promise.all(replies).then(() => resolve([corked, flushed, writes.n]));
      }),
    );
    // Held while the turn lasts, out in one write at the flush, nothing more afterwards.
    expect(seen).toEqual([0, 1, 1]);
  });

  it('flushWrites on a connection that is not coalesced does nothing', async () => {
    const redis = client(false);
    await ready(redis);
    flushWrites(redis);
    expect(await redis.incr('g')).toBe(1);
  });
});
