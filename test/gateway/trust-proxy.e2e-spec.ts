import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';

const LIMIT = 60;

/**
 * Herald believes X-Forwarded-For only from the proxies TRUST_PROXY names (issue 11 §5).
 * Every per-address limit keys on the client address; GET /client/register's (on the gateway,
 * which holds the seed protocol's clients) is the one that needs no credentials, so it shows
 * whether a caller can pick its own address.
 */
describe('gateway: X-Forwarded-For only from a trusted proxy', () => {
  let redis: ManagedRedis;
  let untrusting: HeraldProcess;
  let trusting: HeraldProcess;
  let byHops: HeraldProcess;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const env = { SEED_REGISTER_RATE_PER_MINUTE: String(LIMIT) };
    [untrusting, trusting, byHops] = await Promise.all([
      startHerald('gateway', { redisUrl: redis.url, env }),
      startHerald('gateway', {
        redisUrl: redis.url,
        env: { ...env, TRUST_PROXY: '10.9.9.9, 127.0.0.0/8' },
      }),
      startHerald('gateway', { redisUrl: redis.url, env: { ...env, TRUST_PROXY: '1' } }),
    ]);
  });

  afterAll(async () => {
    await stopAll([untrusting, trusting, byHops]);
    await redis?.stop();
  });

  /** Statuses of `n` registrations from 127.0.0.1, each claiming the address `forwarded(i)`. */
  const register = async (port: number, n: number, forwarded: (i: number) => string) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/client/register`, {
        headers: { 'x-forwarded-for': forwarded(i) },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    return statuses;
  };

  it('ignores a forged X-Forwarded-For when TRUST_PROXY is unset: 429 after the limit', async () => {
    const statuses = await register(untrusting.port, 70, (i) => `198.51.100.${i + 1}`);
    expect(statuses.slice(0, LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual(Array(70 - LIMIT).fill(429));
  });

  it('honours it when the peer is in the trusted list', async () => {
    const statuses = await register(trusting.port, 70, (i) => `203.0.113.${i + 1}`);
    expect(statuses).toEqual(Array(70).fill(200));
  });

  it('walks back only through trusted hops: an entry the client wrote before a trusted one is not believed', async () => {
    // The peer (127.0.0.1) and 10.9.9.9 are trusted; 192.0.2.7 is the client they saw, whatever
    // the client itself put in front of it.
    const statuses = await register(
      trusting.port,
      70,
      (i) => `100.64.0.${i + 1}, 192.0.2.7, 10.9.9.9`,
    );
    expect(statuses.slice(LIMIT)).toEqual(Array(70 - LIMIT).fill(429));
  });

  it('a hop count of 1 takes the last entry, which the client cannot choose behind its proxy', async () => {
    const statuses = await register(byHops.port, 70, (i) => `100.64.1.${i + 1}, 192.0.2.8`);
    expect(statuses.slice(LIMIT)).toEqual(Array(70 - LIMIT).fill(429));
  });
});
