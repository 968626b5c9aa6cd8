import { freePort, ManagedRedis } from '@herald/managed-redis';
import { BenchProcess, startRole } from './processes';

/** Redis plus Herald roles, each its own process, as the scenarios need them. */
export interface Cluster {
  redis: ManagedRedis;
  ingress: BenchProcess;
  ingressUrl: string;
  gateways: BenchProcess[];
  gatewayUrls: string[];
  worker: BenchProcess | null;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  gateways: number;
  worker: boolean;
  /** REDIS_URL for the ingress only (e.g. a counting proxy); defaults to Redis itself. */
  ingressRedisUrl?: (redis: ManagedRedis) => Promise<string>;
  env?: Record<string, string>;
  /** Extra node flags for gateways / ingress (e.g. --cpu-prof). */
  gatewayNodeArgs?: (i: number) => string[];
  ingressNodeArgs?: string[];
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const redis = await ManagedRedis.start({ extraArgs: ['--maxclients', '50000'] });
  const ingressPort = await freePort();
  const ingressUrl = `http://127.0.0.1:${ingressPort}`;
  const env = opts.env ?? {};
  const base = { redisUrl: redis.url, ingressUrl };
  const started: BenchProcess[] = [];
  // `npm run bench -- --profile`: CPU profiles of the ingress and gateways, written at their exit.
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  try {
    const ingressRedis = opts.ingressRedisUrl ? await opts.ingressRedisUrl(redis) : redis.url;
    const ingress = await startRole(
      'ingress',
      { ...base, redisUrl: ingressRedis },
      'bench-ingress',
      {
        port: ingressPort,
        env,
        nodeArgs: [...prof, ...(opts.ingressNodeArgs ?? [])],
      },
    );
    started.push(ingress);
    const gateways = await Promise.all(
      Array.from({ length: opts.gateways }, (_, i) =>
        startRole('gateway', base, `bench-gw-${i + 1}`, {
          env,
          nodeArgs: [...prof, ...(opts.gatewayNodeArgs?.(i) ?? [])],
        }),
      ),
    );
    started.push(...gateways);
    const worker = opts.worker ? await startRole('worker', base, 'bench-worker', { env }) : null;
    if (worker) started.push(worker);
    return {
      redis,
      ingress,
      ingressUrl,
      gateways,
      gatewayUrls: gateways.map((g) => `ws://127.0.0.1:${g.port}/`),
      worker,
      stop: async () => {
        await Promise.all(started.map((p) => p.stop('SIGTERM', 25_000)));
        await redis.stop();
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await redis.stop();
    throw err;
  }
}
