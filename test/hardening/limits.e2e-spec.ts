import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { Frame, putVersion, SimplePushClient } from '../support/simplepush-client';
import { metricValue } from './support/probes';

/**
 * Issue 13 item 4: a hello cannot restore more channels than MAX_CHANNELS_PER_UAID, and an address
 * has a budget of new UAIDs.
 */
describe('hardening: state within the promised limits', () => {
  let redis: ManagedRedis;
  let db: Redis;
  const procs: HeraldProcess[] = [];
  const clients: SimplePushClient[] = [];
  const start = async (role: 'all' | 'gateway', env: Record<string, string>) => {
    const p = await startHerald(role, { redisUrl: redis.url, env });
    procs.push(p);
    return p;
  };
  const connect = async (p: HeraldProcess) => {
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${p.ports.gateway}/`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
  });
  afterAll(async () => {
    db?.disconnect();
    await redis?.stop();
  });

  it('restores at most MAX_CHANNELS_PER_UAID channels on hello and answers the rest 413', async () => {
    const h = await start('all', { MAX_CHANNELS_PER_UAID: '5' });
    const first = await connect(h);
    await first.hello();
    const kept = [await first.register(), await first.register()];
    first.close();
    await first.closed;

    const listed = [...kept.map((r) => r.channelID), ...Array.from({ length: 6 }, randomUUID)];
    const c = await connect(h);
    const over: Frame[] = [];
    c.ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as Frame;
      if (f.messageType === 'register' && f.status === 413) over.push(f);
    });
    const lastOver = c.next(
      (f) => f.messageType === 'register' && f.channelID === listed[7] && f.status === 413,
    );
    expect((await c.hello(first.uaid, listed)).status).toBe(200);
    await lastOver;
    // 2 held + 3 restored = 5; the last 3 listed are refused as a register would be.
    expect(over.map((f) => f.channelID)).toEqual(listed.slice(5));
    expect(over[0]).toMatchObject({ reason: 'at most 5 channels per UAID' });
    expect(await db.hlen(`u:{${first.uaid}}:ch`)).toBe(5);
    expect((await c.register()).status).toBe(413);
    // The restored ones work; kept ones too.
    expect((await putVersion(kept[0].pushEndpoint, 1)).status).toBe(200);
  });

  it('gives an address at most NEW_UAIDS_PER_IP_PER_MINUTE new UAIDs, and still resumes known ones', async () => {
    const h = await start('gateway', { NEW_UAIDS_PER_IP_PER_MINUTE: '3' });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await connect(h);
      const r = await c.hello();
      expect(r.status).toBe(200);
      made.push(r.uaid as string);
    }
    const fourth = await connect(h);
    expect(await fourth.hello()).toMatchObject({
      status: 429,
      reason: 'too many new UAIDs from this address',
    });
    expect((await fourth.closed).code).toBe(1013);
    // An unknown UAID would be a new one: refused too; a known one resumes.
    const unknown = await connect(h);
    expect((await unknown.hello('f'.repeat(32))).status).toBe(429);
    const known = await connect(h);
    expect(await known.hello(made[0])).toMatchObject({ status: 200, uaid: made[0] });
    expect(
      await metricValue(h.ports.metrics, 'herald_address_limited_total', 'limit="new_uaids"'),
    ).toBe(2);
  });
});
