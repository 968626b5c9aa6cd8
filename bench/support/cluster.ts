import Redis from 'ioredis';
import { freePort, ManagedRedis } from '@herald/managed-redis';
import { BenchProcess, startRole } from './processes';

/** Redis plus Herald roles, each its own process, as the scenarios need them. */
export interface Cluster {
  redis: ManagedRedis;
  /** A replica of `redis`, when asked for (ClusterOptions.replica). */
  replica: ManagedRedis | null;
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
  /** Also a replica of Redis, in sync before Herald starts (for REDIS_WAIT_REPLICAS). */
  replica?: boolean;
}

/** A replica of `master`, resolved once its link is up and the first sync done. */
async function startReplica(master: ManagedRedis): Promise<ManagedRedis> {
  const replica = await ManagedRedis.start({
    extraArgs: ['--replicaof', '127.0.0.1', String(master.port), '--maxclients', '50000'],
  });
  const db = new Redis(replica.url);
  try {
    for (;;) {
      if ((await db.info('replication')).includes('master_link_status:up')) return replica;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    db.disconnect();
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const redis = await ManagedRedis.start({ extraArgs: ['--maxclients', '50000'] });
  const replica = opts.replica ? await startReplica(redis) : null;
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
      replica,
      ingress,
      ingressUrl,
      gateways,
      gatewayUrls: gateways.map((g) => `ws://127.0.0.1:${g.port}/`),
      worker,
      stop: async () => {
        await Promise.all(started.map((p) => p.stop('SIGTERM', 25_000)));
        await Promise.all([redis.stop(), replica?.stop()]);
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await Promise.all([redis.stop(), replica?.stop()]);
    throw err;
  }
}
