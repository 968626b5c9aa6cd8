import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { killHostiles, runAbuse } from './support/abuse-run';

/**
 * Issue 13's "done when", short: 8 hostile sockets flooding pings and frames (items 1 and 2) plus
 * silent sockets (item 3) against one gateway with a 384 MiB heap, while well-behaved clients
 * register. The gateway must stay up, grow by less than 64 MiB, and answer them within 50 ms
 * (p99). `npm run chaos` runs the same for a minute (test/chaos/abuse.e2e-spec.ts).
 */
describe('hardening: one hostile client cannot take a gateway down', () => {
  // The 50 ms p99 is measured on two shared cores beside the attacker and jest: about one run in
  // four has a burst of slow samples there. A miss is retried (twice), never accepted: the gateway
  // going down, its memory or its cuts fail every attempt alike.
  jest.retryTimes(2, { logErrorsBeforeRetry: true });
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

  it('stays up, within 64 MiB, and serves a well-behaved client within 50 ms p99', async () => {
    const f = await runAbuse(gateway, {
      durationMs: 8_000,
      ping: 4,
      flood: 2,
      ack: 2,
      silent: 300,
      // ~400 timed registers: their p99 is not one or two slow samples, as it was with ~130.
      wellBehaved: 10,
      gapMs: 150,
      warmupMs: 1_000,
    });
    process.stdout.write(`abuse (short): ${JSON.stringify(f)}\n`);
    expect(f.gatewayExited).toBe(false);
    expect(f.rssPeakMiB - f.rssBeforeMiB).toBeLessThan(64);
    expect(f.failed).toBe(0);
    expect(f.registers).toBeGreaterThan(200);
    expect(f.p99Ms).toBeLessThan(50);
    // The gateway cut what it had to: pong floods, costly frames, sockets that never upgrade.
    expect(f.hostile.closedByServer.ping ?? 0).toBeGreaterThan(0);
    expect(f.hostile.closedByServer.ack ?? 0).toBeGreaterThan(0);
    expect(f.hostile.closedByServer.silent ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
