import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';

/**
 * Metrics are served on their own listener (METRICS_PORT), not on the public ports (issue 13
 * §7): the gateway's WebSocket port and the ingress face the internet, and /metrics tells
 * traffic volumes, memory, descriptors and script names.
 */
describe('metrics listener', () => {
  let redis: ManagedRedis;
  let all: HeraldProcess;
  let ingress: HeraldProcess;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    [all, ingress] = await Promise.all([
      startHerald('all', { redisUrl: redis.url }),
      startHerald('ingress', { redisUrl: redis.url }),
    ]);
  });

  afterAll(async () => {
    await stopAll([all, ingress]);
    await redis?.stop();
  });

  const get = async (port: number, path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('the all-in-one process: 404 on the gateway, ingress and worker ports, 200 on METRICS_PORT', async () => {
    for (const port of [all.ports.gateway, all.ports.ingress, all.ports.worker]) {
      expect((await get(port, '/metrics')).status).toBe(404);
      expect((await get(port, '/livez')).status).toBe(200);
    }
    const m = await get(all.ports.metrics, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain/);
    // The three roles share the process's registry: gateway, ingress and default metrics.
    expect(m.text).toMatch(/^herald_connections_open /m);
    expect(m.text).toMatch(/^# TYPE herald_notifications_accepted_total counter/m);
    expect(m.text).toMatch(/^process_open_fds /m);
    // The seed protocol's /client/* is the gateway port's, not the metrics listener's.
    expect((await get(all.ports.metrics, '/client/register')).status).toBe(404);
    expect((await get(all.ports.gateway, '/client/register')).status).toBe(200);
  });

  it('a split ingress: 404 on its port, 200 on its metrics port; nothing else there', async () => {
    expect((await get(ingress.port, '/metrics')).status).toBe(404);
    expect((await get(ingress.ports.metrics, '/metrics')).status).toBe(200);
    expect((await get(ingress.ports.metrics, '/client/register')).status).toBe(404);
    const post = await fetch(`http://127.0.0.1:${ingress.ports.metrics}/metrics`, {
      method: 'POST',
    });
    expect(post.status).toBe(405);
  });
});
