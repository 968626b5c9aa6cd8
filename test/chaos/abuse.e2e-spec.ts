import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { killHostiles, runAbuse } from '../hardening/support/abuse-run';

/**
 * Issue 13's abuse run, long: a minute of twice the hostile sockets of the short run in
 * test/hardening (which `npm test` runs). Only under `npm run chaos` (CHAOS_LONG=1).
 */
const LONG = process.env.CHAOS_LONG === '1';

(LONG ? describe : describe.skip)('chaos: hostile clients for a minute', () => {
  let redis: ManagedRedis;
  let gateway: HeraldProcess;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    gateway = await startHerald('gateway', {
      redisUrl: redis.url,
      env: { NODE_OPTIONS: '--max-old-space-size=384' },
    });
  });
  afterAll(async () => {
    killHostiles();
    await gateway?.kill('SIGKILL');
    await redis?.stop();
  });

  it('keeps the gateway up, within 64 MiB, answering within 50 ms p99', async () => {
    const f = await runAbuse(gateway, {
      durationMs: 60_000,
      ping: 8,
      flood: 4,
      ack: 4,
      silent: 1_000,
      wellBehaved: 4,
      gapMs: 150,
      warmupMs: 1_000,
    });
    process.stdout.write(`abuse (long): ${JSON.stringify(f)}\n`);
    expect(f.gatewayExited).toBe(false);
    expect(f.rssPeakMiB - f.rssBeforeMiB).toBeLessThan(64);
    expect(f.failed).toBe(0);
    expect(f.p99Ms).toBeLessThan(50);
  }, 180_000);
});
