import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';

/**
 * Dockerflow's probe names, which autopush serves and its deploy tooling and test suites poll,
 * answer on every role's port beside /livez and /healthz: /__lbheartbeat__ while the process
 * runs, /__heartbeat__ (and /health) with the backends, 503 while Redis is down.
 */
describe('Dockerflow probes', () => {
  let redis: ManagedRedis;
  let all: HeraldProcess;
  const version = (
    JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    all = await startHerald('all', { redisUrl: redis.url });
  });
  afterAll(async () => {
    await stopAll([all]);
    await redis?.stop();
  });

  const get = async (port: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as unknown) : null };
  };

  it('answers on the gateway, ingress and worker ports', async () => {
    for (const port of [all.ports.gateway, all.ports.ingress, all.ports.worker]) {
      expect(await get(port, '/__lbheartbeat__')).toMatchObject({ status: 200, text: '' });
      for (const path of ['/__heartbeat__', '/health'])
        expect(await get(port, path)).toMatchObject({
          status: 200,
          json: { status: 'OK', version, redis: { status: 'OK' } },
        });
      expect(await get(port, '/status')).toEqual({
        status: 200,
        text: expect.any(String),
        json: { status: 'OK', version },
      });
      expect(await get(port, '/__version__')).toMatchObject({
        status: 200,
        json: { version, commit: expect.any(String), source: expect.any(String) },
      });
    }
  });

  it('heartbeat turns 503 while Redis is down, the load-balancer heartbeat stays 200', async () => {
    await redis.kill('SIGTERM');
    try {
      const hb = await get(all.ports.ingress, '/__heartbeat__');
      expect(hb.status).toBe(503);
      expect(hb.json).toMatchObject({ status: 'NOT OK', redis: { status: 'NOT OK' } });
      expect((await get(all.ports.gateway, '/__lbheartbeat__')).status).toBe(200);
    } finally {
      await redis.launch();
    }
  });
});
