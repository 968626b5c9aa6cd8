import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';
import { metricValue, silentSocket, upgradeThenDeaf, within } from './support/probes';

/**
 * Issue 13 item 3 (gateway): sockets that never upgrade counted per address from accept and cut
 * after UPGRADE_TIMEOUT_MS; a socket that upgrades but never says hello nor reads freed within
 * HELLO_TIMEOUT_MS + CLOSE_TIMEOUT_MS (it held 10 s + 30 s).
 */
describe('hardening: silent sockets', () => {
  let redis: ManagedRedis;
  const procs: HeraldProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const p = await startHerald('gateway', { redisUrl: redis.url, env });
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('counts sockets per address from accept and cuts those that never upgrade', async () => {
    const gw = await start({ MAX_CONNECTIONS_PER_IP: '50', UPGRADE_TIMEOUT_MS: '1000' });
    const silent = await Promise.all(
      Array.from({ length: 120 }, () => silentSocket(gw.port, '127.0.5.1')),
    );
    // Another address is served meanwhile.
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${gw.port}/`);
    expect((await c.hello()).status).toBe(200);
    const lived = await within(
      5_000,
      'every silent socket closed by the gateway',
      Promise.all(silent.map((s) => s.closed)),
    );
    expect(Math.max(...lived)).toBeLessThan(4_000);
    expect(
      await metricValue(gw.ports.metrics, 'herald_address_limited_total', 'limit="connections"'),
    ).toBe(70);
    expect(
      await metricValue(
        gw.ports.metrics,
        'herald_client_budget_exceeded_total',
        'budget="upgrade_time"',
      ),
    ).toBe(50);
    // The limit counts what is open: the address may connect again, and the client is still up.
    const again = await silentSocket(gw.port, '127.0.5.1');
    again.socket.destroy();
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.close();
  });

  it('frees an upgraded socket that never says hello nor reads within hello + close timeouts', async () => {
    const gw = await start({ HELLO_TIMEOUT_MS: '500' });
    const upgradedAt = Date.now();
    const deaf = await upgradeThenDeaf(gw.port);
    await waitFor('the socket counted', async () =>
      (await metricValue(gw.ports.metrics, 'herald_connections_open')) === 1 ? true : null,
    );
    await waitFor(
      'the gateway to let go of the socket',
      async () =>
        (await metricValue(gw.ports.metrics, 'herald_connections_open')) === 0 ? true : null,
      12_000,
    );
    // 500 ms hello deadline (checked each second) + CLOSE_TIMEOUT_MS (5 s): not 30 s more.
    expect(Date.now() - upgradedAt).toBeLessThan(8_000);
    deaf.destroy();
  }, 30_000);
});
