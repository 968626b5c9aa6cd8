import { get, IncomingMessage } from 'node:http';
import { ManagedRedis } from '@herald/managed-redis';
import { clientBaseUrl, HeraldProcess, startHerald, stopAll } from '../support/herald-process';

const UPGRADE_TIMEOUT_MS = 1500;
const SEED_KEEPALIVE_MS = 400;

/**
 * The seed protocol's streams are long-lived client connections on the gateway's HTTP port (a
 * complete GET, then a long response): none of the gateway's timeouts for its sockets (the
 * upgrade deadline of a socket that has not asked anything yet, the hello deadline, the ping of
 * idle WebSockets) cuts one (moved from the ingress's slow-clients spec, issue 12).
 */
describe('gateway: a seed stream is not cut by the gateway timeouts', () => {
  let redis: ManagedRedis;
  let gateway: HeraldProcess;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    gateway = await startHerald('gateway', {
      redisUrl: redis.url,
      env: {
        UPGRADE_TIMEOUT_MS: String(UPGRADE_TIMEOUT_MS),
        HELLO_TIMEOUT_MS: String(UPGRADE_TIMEOUT_MS),
        SEED_KEEPALIVE_MS: String(SEED_KEEPALIVE_MS),
      },
    });
  });

  afterAll(async () => {
    await stopAll([gateway]);
    await redis?.stop();
  });

  it('keeps a seed-protocol stream open well past the upgrade and hello timeouts', async () => {
    const base = clientBaseUrl(gateway);
    const reg = await fetch(`${base}/client/register`);
    const { id } = (await reg.json()) as { id: string };
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(`${base}/client/id/${id}`, resolve).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    // It keeps receiving keep-alives until three timeouts have passed, and is not closed.
    const opened = Date.now();
    let chunks = 0;
    await new Promise<void>((resolve, reject) => {
      res.on('data', () => {
        chunks++;
        if (Date.now() - opened > 3 * UPGRADE_TIMEOUT_MS) resolve();
      });
      res.on('close', () => reject(new Error(`stream closed after ${Date.now() - opened} ms`)));
    });
    expect(chunks).toBeGreaterThanOrEqual(3);
    res.destroy();
  });
});
