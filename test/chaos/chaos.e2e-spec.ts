import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, Role, startHerald, stopAll } from '../support/herald-process';
import { FleetUser, Pusher, settle, Tally } from './fleet';

/**
 * Faults under load (ARCHITECTURE.md guarantee 1): users spread over two gateways, an application
 * server PUTting all along, and one fault after another — kill -9 of a gateway, the ingress, the
 * worker; SIGSTOP of a gateway; a Redis restart (AOF); then, apart, Redis losing its data. After
 * each fault every channel must end with its latest accepted version: 0 lost. `npm test` runs the
 * short version; `npm run chaos` (CHAOS_LONG=1) the long one (more users, 30 s stalls).
 */
const LONG = process.env.CHAOS_LONG === '1';
const USERS = LONG ? 400 : 30;
const FAULT_MS = LONG ? 30_000 : 1_500;
const TRAFFIC_MS = LONG ? 10_000 : 700;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos: faults under load', () => {
  let redis: ManagedRedis;
  const procs = new Map<string, HeraldProcess>();
  const envs = new Map<string, { role: Role; env: Record<string, string>; nodeId?: string }>();
  const users: FleetUser[] = [];
  const rows: Array<{ fault: string } & Tally> = [];
  let pusher: Pusher;

  async function launch(name: string): Promise<HeraldProcess> {
    const spec = envs.get(name) as { role: Role; env: Record<string, string>; nodeId?: string };
    const p = await startHerald(spec.role, {
      redisUrl: redis.url,
      env: spec.env,
      nodeId: spec.nodeId,
    });
    procs.set(name, p);
    return p;
  }
  const gatewayUrls = () =>
    ['gw-a', 'gw-b'].map((n) => `ws://127.0.0.1:${envs.get(n)?.env.GATEWAY_PORT}/`);

  /** One phase: traffic, the fault, recovery, then settle and tally what this phase accepted. */
  async function phase(fault: string, inject: () => Promise<void>): Promise<void> {
    const sum = (t: Tally) => ({
      accepted: t.accepted,
      refused: t.refused,
      delivered: t.delivered,
      duplicates: t.duplicates,
    });
    const before = sum(await settle(users, 0, pusher));
    pusher.start();
    await pause(TRAFFIC_MS);
    await inject();
    await pause(TRAFFIC_MS);
    await pusher.stop();
    const t = await settle(users, LONG ? 60_000 : 15_000, pusher);
    rows.push({
      fault,
      ...t,
      accepted: t.accepted - before.accepted,
      refused: t.refused - before.refused,
      delivered: t.delivered - before.delivered,
      duplicates: t.duplicates - before.duplicates,
    });
  }

  beforeAll(async () => {
    redis = await ManagedRedis.start({ appendonly: true });
    const base = {
      NODE_HEARTBEAT_MS: '250',
      NODE_DEAD_AFTER_MS: '1500',
      REDELIVERY_DELAY_MS: '500',
      REDELIVERY_MAX_DELAY_MS: '1000',
    };
    const ingress = await startHerald('ingress', { redisUrl: redis.url, env: base });
    procs.set('ingress', ingress);
    envs.set('ingress', {
      role: 'ingress',
      env: { ...base, INGRESS_PORT: String(ingress.ports.ingress) },
    });
    const publicUrl = `http://127.0.0.1:${ingress.ports.ingress}`;
    for (const name of ['gw-a', 'gw-b']) {
      const p = await startHerald('gateway', {
        redisUrl: redis.url,
        env: { ...base, PUBLIC_URL: publicUrl },
        nodeId: name,
      });
      procs.set(name, p);
      envs.set(name, {
        role: 'gateway',
        env: { ...base, PUBLIC_URL: publicUrl, GATEWAY_PORT: String(p.ports.gateway) },
        nodeId: name,
      });
    }
    const worker = await startHerald('worker', { redisUrl: redis.url, env: base });
    procs.set('worker', worker);
    envs.set('worker', {
      role: 'worker',
      env: { ...base, WORKER_PORT: String(worker.ports.worker) },
    });
    for (let i = 0; i < USERS; i++) users.push(new FleetUser(gatewayUrls, 2));
    await Promise.all(users.map((u) => u.start()));
    pusher = new Pusher(users);
  });

  afterAll(async () => {
    users.forEach((u) => u.stop());
    await pusher?.stop();
    await stopAll([...procs.values()]);
    await redis?.stop();
    const table = [
      '| fault | accepted | refused while down | delivered | duplicates | lost |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.fault} | ${r.accepted} | ${r.refused} | ${r.delivered} | ${r.duplicates} | ${r.lost} |`,
      ),
    ].join('\n');
    const file = join(tmpdir(), `herald-chaos-${LONG ? 'long' : 'short'}.md`);
    writeFileSync(file, table + '\n');
    process.stdout.write(`\nchaos (${USERS} users, ${FAULT_MS} ms faults):\n${table}\n(${file})\n`);
  });

  const kill9 = (name: string) => async () => {
    await procs.get(name)?.kill('SIGKILL');
    await pause(FAULT_MS);
    await launch(name);
  };

  it('kill -9 of a gateway', async () => {
    await phase('kill -9 gateway', kill9('gw-a'));
    expect(rows.at(-1)).toMatchObject({ lost: 0 });
  });

  it('kill -9 of the ingress', async () => {
    await phase('kill -9 ingress', kill9('ingress'));
    expect(rows.at(-1)).toMatchObject({ lost: 0 });
  });

  it('kill -9 of the retry worker', async () => {
    await phase('kill -9 worker', kill9('worker'));
    expect(rows.at(-1)).toMatchObject({ lost: 0 });
  });

  it('SIGSTOP of a gateway (a stalled node its routes still point at)', async () => {
    await phase(`SIGSTOP gateway ${FAULT_MS / 1000} s`, async () => {
      const gw = procs.get('gw-b') as HeraldProcess;
      gw.proc.kill('SIGSTOP');
      await pause(FAULT_MS);
      gw.proc.kill('SIGCONT');
    });
    expect(rows.at(-1)).toMatchObject({ lost: 0 });
  });

  it('Redis restart with appendonly everysec', async () => {
    await phase('Redis restart (AOF)', async () => {
      await redis.kill('SIGTERM');
      await pause(FAULT_MS);
      await redis.launch();
    });
    expect(rows.at(-1)).toMatchObject({ lost: 0 });
    expect([...procs.values()].every((p) => p.proc.exitCode === null)).toBe(true);
  });

  it('Redis losing all its data: every client is told a new UAID and re-registers', async () => {
    await phase('Redis data lost', async () => {
      const db = new Redis(redis.url);
      await db.flushall();
      db.disconnect();
      // Every user must come back under a new UAID: wait for that (bounded) before settling.
      const deadline = Date.now() + (LONG ? 60_000 : 15_000);
      while (users.some((u) => u.reregistrations === 0) && Date.now() < deadline) await pause(50);
    });
    expect(rows.at(-1)).toMatchObject({ lost: 0, reregistered: USERS });
  });
});
