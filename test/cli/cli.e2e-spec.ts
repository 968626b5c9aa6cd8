import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { SimplePushClient } from '../support/simplepush-client';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
const herald = (...args: string[]) =>
  run(process.execPath, [CLI, ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

/** The operator's command-line tool against a running Herald. */
describe('herald CLI', () => {
  let redis: ManagedRedis;
  let h: HeraldProcess;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    h = await startHerald('all', { redisUrl: redis.url });
  });
  afterAll(async () => {
    await h?.kill();
    await redis?.stop();
  });

  it('sends a SimplePush version that a client receives', async () => {
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${h.ports.gateway}/`);
    await c.hello();
    const reg = await c.register();
    const note = c.nextOf('notification');
    const out = await herald('send', reg.pushEndpoint, '--version', '42');
    expect(out).toMatchObject({ code: 0 });
    expect(out.stdout).toMatch(/^200 \{"status":"routed","version":"42"\}/);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '42' }]);
    c.close();
    const bad = await herald('send', reg.pushEndpoint, '--version', 'x');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^400 /);
  });

  it('reports readiness and figures of each role, and fails for a role that is down', async () => {
    const roles = [h.ports.gateway, h.ports.ingress, h.ports.worker];
    const ports = roles.map((p) => `http://127.0.0.1:${p}`);
    const ok = await herald('stats', '--metrics-port', String(h.ports.metrics), ...ports);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(3);
    expect(ok.stdout).toMatch(
      new RegExp(`http://127.0.0.1:${h.ports.gateway}  ready  connections open=\\d+`),
    );
    const down = await herald('stats', 'http://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('NOT READY');
  });

  it('prints usage for a wrong call', async () => {
    const out = await herald('frobnicate');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('usage:');
  });

  it('makes VAPID keys', async () => {
    const out = await herald('vapid-keys');
    expect(JSON.parse(out.stdout)).toEqual({
      publicKey: expect.any(String),
      privateKey: expect.any(String),
    });
  });
});
