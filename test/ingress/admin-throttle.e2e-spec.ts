import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';

const ADMIN_TOKEN = 'operator-token-0123456789';
const FAILURES = 5;

/**
 * Failed admin authentication is throttled per client address (issue 13 §7): after
 * ADMIN_AUTH_FAILURES_PER_MINUTE wrong tokens, the address gets 429 with Retry-After for the rest
 * of the minute, even with the right token (else the throttle would still confirm a good guess).
 */
describe('ingress: admin authentication failures are throttled per address', () => {
  let redis: ManagedRedis;
  let ingress: HeraldProcess;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    ingress = await startHerald('ingress', {
      redisUrl: redis.url,
      // The test's requests come through "a proxy" on loopback, so each case has its own address.
      env: {
        ADMIN_TOKEN,
        ADMIN_AUTH_FAILURES_PER_MINUTE: String(FAILURES),
        TRUST_PROXY: 'loopback',
      },
    });
  });

  afterAll(async () => {
    await stopAll([ingress]);
    await redis?.stop();
  });

  const admin = async (from: string, token: string) => {
    const res = await fetch(`http://127.0.0.1:${ingress.port}/admin/broadcasts`, {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': from },
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  };

  const throttled = async () => {
    const text = await (await fetch(`http://127.0.0.1:${ingress.ports.metrics}/metrics`)).text();
    const m = /^herald_admin_auth_failures_total\{result="throttled"\} (\d+)$/m.exec(text);
    return m ? Number(m[1]) : 0;
  };

  it('answers 429 with Retry-After after the allowed failures, to wrong and right tokens', async () => {
    const before = await throttled();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await admin('192.0.2.10', `wrong-${i}`)).status);
    expect(statuses).toEqual([...Array(FAILURES).fill(401), ...Array(20 - FAILURES).fill(429)]);
    const right = await admin('192.0.2.10', ADMIN_TOKEN);
    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThan(0);
    expect(Number(right.retryAfter)).toBeLessThanOrEqual(60);
    expect(await throttled()).toBe(before + 20 - FAILURES + 1);
  });

  it('leaves other addresses and successful logins alone', async () => {
    for (let i = 0; i < FAILURES; i++)
      expect((await admin('192.0.2.11', 'wrong')).status).toBe(401);
    expect((await admin('192.0.2.12', ADMIN_TOKEN)).status).toBe(200);
    for (let i = 0; i < 3 * FAILURES; i++) {
      expect((await admin('192.0.2.13', ADMIN_TOKEN)).status).toBe(200);
    }
  });
});
