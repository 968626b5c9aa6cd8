import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { waitFor } from '../support/wait-for';
import { installActivatableApp } from './support/activatable-app';
import { gdbusCall, PrivateBus, startPrivateBus } from './support/private-bus';
import { isEndpoint, isMessage, isUnregistered, TestConnector } from './support/test-connector';

const ROOT = join(__dirname, '..', '..');
const DISTRIBUTOR = 'org.unifiedpush.Distributor.herald';
const APP = 'org.unifiedpush.Connector.test';

/** The built distributor as a user runs it; readiness and resyncs are awaited on its log lines. */
class DistributorProcess {
  private out = '';
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.proc = spawn(process.execPath, [join(ROOT, 'dist/apps/distributor/src/main.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const add = (c: Buffer) => (this.out += c.toString());
    this.proc.stdout?.on('data', add);
    this.proc.stderr?.on('data', add);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  /** Resolves once the `n`-th log line containing `text` was printed. */
  async waitForLog(text: string, n = 1, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.out.split(text).length - 1 >= n) return;
      if (this.proc.exitCode !== null) throw new Error(`distributor exited:\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" ×${n}:\n${this.out}`);
      await new Promise<void>((resolve) => {
        const onData = () => {
          clearTimeout(t);
          this.proc.stdout?.off('data', onData);
          resolve();
        };
        const t = setTimeout(onData, Math.max(1, deadline - Date.now()));
        this.proc.stdout?.on('data', onData);
      });
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    await this.exited;
  }
}

/**
 * The D-Bus distributor end to end: a private dbus-daemon, the built distributor on it connected
 * to a split Herald cluster (separate ingress, gateway and worker processes), a test app owning
 * its name on the bus, and gdbus as an independent client.
 */
describe('D-Bus distributor against a split cluster', () => {
  let redis: ManagedRedis;
  let bus: PrivateBus;
  let ingress: HeraldProcess;
  let gateway: HeraldProcess;
  let worker: HeraldProcess;
  let app: TestConnector;
  let distributor: DistributorProcess;
  let env: Record<string, string>;
  let stateDir: string;

  const startDistributor = async () => {
    distributor = new DistributorProcess(env);
    await distributor.waitForLog('resynced with the gateway');
  };
  const register1 = (token: string) =>
    gdbusCall(bus.address, DISTRIBUTOR, 'org.unifiedpush.Distributor1.Register', [
      APP,
      token,
      'Herald test app',
    ]);
  const post = (url: string, body: Buffer | string) => fetch(url, { method: 'POST', body });

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    bus = await startPrivateBus();
    ingress = await startHerald('ingress', { redisUrl: redis.url });
    const publicUrl = `http://127.0.0.1:${ingress.port}`;
    [gateway, worker] = await Promise.all([
      startHerald('gateway', { redisUrl: redis.url, env: { PUBLIC_URL: publicUrl } }),
      startHerald('worker', { redisUrl: redis.url }),
    ]);
    stateDir = join(bus.dir, 'state');
    env = {
      DBUS_SESSION_BUS_ADDRESS: bus.address,
      HERALD_GATEWAY_URL: `ws://127.0.0.1:${gateway.port}/`,
      HERALD_DISTRIBUTOR_STATE: join(stateDir, 'state.json'),
      LOG_LEVEL: 'info',
    };
    app = await TestConnector.start(bus.address, APP);
    await startDistributor();
  });

  afterAll(async () => {
    await distributor?.stop();
    app?.stop();
    await stopAll([gateway, ingress, worker]);
    await Promise.all([redis?.stop(), bus?.stop()]);
  });

  it('registers through gdbus, gives the endpoint, and delivers a POST byte for byte', async () => {
    const from = app.calls.length;
    expect(await register1('token-1')).toBe("('REGISTRATION_SUCCEEDED', '')");
    const { endpoint } = await app.next(isEndpoint('token-1'), from);
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/up\//);
    expect(await (await fetch(endpoint)).json()).toEqual({ unifiedpush: { version: 1 } });

    const body = Buffer.concat([Buffer.from([0, 1, 2, 0xff, 0xfe]), randomBytes(4091)]);
    const at = app.calls.length;
    const res = await post(endpoint, body);
    expect(res.status).toBe(201);
    const msg = await app.next(isMessage('token-1'), at);
    expect(msg.api).toBe(1);
    expect(msg.message.equals(body)).toBe(true);
  });

  it('gives the same endpoint again for the same token', async () => {
    const first = await app.next(isEndpoint('token-1'));
    const from = app.calls.length;
    expect(await register1('token-1')).toBe("('REGISTRATION_SUCCEEDED', '')");
    const again = await app.next(isEndpoint('token-1'), from);
    expect(again.endpoint).toBe(first.endpoint);
  });

  it('refuses a token that another app registered', async () => {
    const out = await gdbusCall(bus.address, DISTRIBUTOR, 'org.unifiedpush.Distributor1.Register', [
      'org.example.Other',
      'token-1',
      'not mine',
    ]);
    expect(out).toMatch(/^\('REGISTRATION_FAILED', '.+'\)$/);
    // Distributor2 says why with a code connectors know.
    const v2 = await gdbusCall(bus.address, DISTRIBUTOR, 'org.unifiedpush.Distributor2.Register', [
      `{'service': <'org.example.Other'>, 'token': <'token-1'>}`,
    ]);
    expect(v2).toContain("'success': <'REGISTRATION_FAILED'>");
    expect(v2).toContain("'reason': <'UNAUTHORIZED'>");
  });

  it('keeps registrations across a restart and gets what was stored while it was down', async () => {
    const { endpoint } = await app.next(isEndpoint('token-1'));
    await distributor.stop();
    expect((await post(endpoint, 'sent while the distributor was down')).status).toBe(201);
    const from = app.calls.length;
    await startDistributor();
    const msg = await app.next(isMessage('token-1'), from);
    expect(msg.message.toString()).toBe('sent while the distributor was down');
    // Same registration, same endpoint, after the restart.
    const at = app.calls.length;
    expect(await register1('token-1')).toBe("('REGISTRATION_SUCCEEDED', '')");
    expect((await app.next(isEndpoint('token-1'), at)).endpoint).toBe(endpoint);
  });

  it('speaks Distributor2 / Connector2 with dictionary arguments, VAPID included', async () => {
    const vapidKey = (await import('web-push')).default.generateVAPIDKeys();
    const from = app.calls.length;
    const out = await gdbusCall(bus.address, DISTRIBUTOR, 'org.unifiedpush.Distributor2.Register', [
      `{'service': <'${APP}'>, 'token': <'token-2'>, 'description': <'v2 app'>, 'vapid': <'${vapidKey.publicKey}'>}`,
    ]);
    expect(out).toContain("'success': <'REGISTRATION_SUCCEEDED'>");
    const { endpoint, api } = await app.next(isEndpoint('token-2'), from);
    expect(api).toBe(2);
    // Bound to the app's VAPID key: refused without VAPID.
    expect((await post(endpoint, 'unsigned')).status).toBe(401);
  });

  it('starts an app that is not running by D-Bus activation to give it its message', async () => {
    const name = 'org.unifiedpush.Connector.sleepy';
    installActivatableApp(bus.servicesDir, name, bus.dir);
    const file = (f: string) => join(bus.dir, f);
    const out = await gdbusCall(bus.address, DISTRIBUTOR, 'org.unifiedpush.Distributor1.Register', [
      name,
      'token-sleepy',
      'an app that is not running',
    ]);
    expect(out).toBe("('REGISTRATION_SUCCEEDED', '')");
    // Activated for NewEndpoint; it writes the endpoint and exits.
    const endpoint = await waitFor('the activated app to get its endpoint', async () =>
      existsSync(file('endpoint')) ? readFileSync(file('endpoint'), 'utf8') : null,
    );
    const body = randomBytes(300);
    expect((await post(endpoint, body)).status).toBe(201);
    // Activated again for the message.
    const got = await waitFor('the activated app to get its message', async () =>
      existsSync(file('message')) ? readFileSync(file('message')) : null,
    );
    expect(got.equals(body)).toBe(true);
  });

  it('unregisters: the app is told, and the endpoint is gone', async () => {
    const { endpoint } = await app.next(isEndpoint('token-1'));
    const from = app.calls.length;
    await gdbusCall(bus.address, DISTRIBUTOR, 'org.unifiedpush.Distributor1.Unregister', [
      'token-1',
    ]);
    await app.next(isUnregistered, from);
    // The gateway drops the channel once it handles the unregister frame.
    await waitFor('410 from the endpoint', async () => {
      const status = (await post(endpoint, 'after unregister')).status;
      expect([201, 410]).toContain(status);
      return status === 410;
    });
  });
});
