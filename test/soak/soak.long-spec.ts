import { fork, ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';

/**
 * Soak: SOAK_CLIENTS clients over two gateways, steady PUTs for SOAK_MINUTES, memory of every
 * process sampled each minute. Passes when every process's RSS grows < 5 % from the end of the
 * warm-up (the first fifth) to the end, active handles stay flat, and no Redis key outlives its
 * purpose. `npm run soak` (defaults: 30 minutes, 20,000 clients; not part of npm test).
 */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 20_000);
const RATE = Number(process.env.SOAK_RATE ?? 500); // PUTs per second
const PER_PROCESS = 5_000;

const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const metric = async (port: number, name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
};

describe('soak', () => {
  let redis: ManagedRedis;
  let procs: Record<string, HeraldProcess>;
  const loaders: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const ingress = await startHerald('ingress', {
      redisUrl: redis.url,
      env: { LOG_LEVEL: 'info' },
    });
    const env = { PUBLIC_URL: `http://127.0.0.1:${ingress.port}`, REDELIVERY_DELAY_MS: '5000' };
    const [a, b, worker] = await Promise.all([
      startHerald('gateway', { redisUrl: redis.url, env, nodeId: 'soak-a' }),
      startHerald('gateway', { redisUrl: redis.url, env, nodeId: 'soak-b' }),
      startHerald('worker', { redisUrl: redis.url }),
    ]);
    procs = { ingress, 'gateway-a': a, 'gateway-b': b, worker };
  });
  afterAll(async () => {
    loaders.forEach((l) => l.kill());
    await stopAll(Object.values(procs ?? {}));
    await redis?.stop();
  });

  it(`holds ${CLIENTS} clients for ${MINUTES} min at ${RATE} PUT/s with flat memory`, async () => {
    const endpoints: string[] = [];
    let connected = 0;
    let notified = 0;
    const gws = [procs['gateway-a'], procs['gateway-b']];
    for (let i = 0; i * PER_PROCESS < CLIENTS; i++) {
      const n = Math.min(PER_PROCESS, CLIENTS - i * PER_PROCESS);
      const l = fork(join(__dirname, 'soak-clients.js'), [
        `ws://127.0.0.1:${gws[i % 2].port}/`,
        String(n),
        '2',
        String(i),
      ]);
      const last = { connected: 0, notifications: 0 };
      l.on('message', (m: { stats: typeof last; endpoints: string[] }) => {
        connected += m.stats.connected - last.connected;
        notified += m.stats.notifications - last.notifications;
        Object.assign(last, m.stats);
        endpoints.push(...m.endpoints);
      });
      loaders.push(l);
    }
    const deadline = Date.now() + 120_000;
    while ((connected < CLIENTS || endpoints.length < CLIENTS * 2) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(connected).toBe(CLIENTS);

    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    let sent = 0;
    let failed = 0;
    let version = Date.now();
    const pusher = setInterval(() => {
      for (let i = 0; i < RATE / 10; i++) {
        const ep = new URL(endpoints[Math.floor(Math.random() * endpoints.length)]);
        const req = request(
          {
            agent,
            host: ep.hostname,
            port: ep.port,
            path: ep.pathname,
            method: 'PUT',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
          (res) => {
            res.resume();
            if (res.statusCode === 200 || res.statusCode === 202) sent++;
            else failed++;
          },
        );
        req.on('error', () => failed++);
        req.end(`version=${++version}`);
      }
    }, 100);

    const samples: Array<Record<string, number>> = [];
    const sample = async () => {
      const s: Record<string, number> = { t: Date.now(), sent, failed, notified };
      for (const [name, p] of Object.entries(procs)) {
        s[`${name}.rss`] = rss(p.proc.pid as number);
        s[`${name}.handles`] = await metric(p.ports.metrics, 'nodejs_active_handles_total');
      }
      const db = new Redis(redis.url);
      s['redis.keys'] = await db.dbsize();
      s['redis.memory'] = Number(/used_memory:(\d+)/.exec(await db.info('memory'))?.[1]);
      db.disconnect();
      samples.push(s);
      process.stdout.write(`soak ${JSON.stringify(s)}\n`);
    };
    await sample();
    const end = Date.now() + MINUTES * 60_000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(60_000, end - Date.now())));
      await sample();
    }
    clearInterval(pusher);
    agent.destroy();

    // Compare medians, not single samples: RSS moves with every GC. Warm-up is the first fifth
    // (at least two samples); then the first and last thirds of what follows.
    const settled = samples.slice(Math.max(2, Math.floor(samples.length / 5)));
    const third = Math.max(1, Math.floor(settled.length / 3));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const early = (k: string) => median(settled.slice(0, third).map((x) => x[k]));
    const late = (k: string) => median(settled.slice(-third).map((x) => x[k]));
    const warm = settled[0];
    const last = samples[samples.length - 1];
    const growth: Record<string, string> = {};
    for (const name of Object.keys(procs)) {
      const g = (late(`${name}.rss`) - early(`${name}.rss`)) / early(`${name}.rss`);
      const mib = (v: number) => (v / 1048576).toFixed(0);
      growth[name] =
        `${(g * 100).toFixed(1)} % (median ${mib(early(`${name}.rss`))} → ${mib(late(`${name}.rss`))} MiB), ` +
        `handles ${warm[`${name}.handles`]} → ${last[`${name}.handles`]}`;
      expect(g).toBeLessThan(0.05);
      expect(last[`${name}.handles`]).toBeLessThanOrEqual(warm[`${name}.handles`] + 5);
    }
    process.stdout.write(
      `soak result: ${JSON.stringify({ minutes: MINUTES, clients: CLIENTS, rate: RATE, sent, failed, notified, growth, redisKeys: [warm['redis.keys'], last['redis.keys']] }, null, 2)}\n`,
    );
    expect(failed).toBe(0);
    // Keys: a fixed population of users and channels must not grow keys over time.
    expect(last['redis.keys']).toBeLessThanOrEqual(warm['redis.keys'] * 1.01 + 10);
  });
});
