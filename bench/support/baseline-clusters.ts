import { join } from 'node:path';
import { freePort, ManagedRedis } from '@herald/managed-redis';
import { BENCH_SECRET, BenchProcess, spawnNode } from './processes';

/** A baseline stack of the throughput scenario: its processes, client URLs and how to stop it. */
export interface BaselineCluster {
  /** Measured server processes (CPU per process in each step). */
  watched: Array<{ name: string; pid: number }>;
  /** Where clients connect, client i to urls[i % n]. */
  urls: string[];
  /** The ingress, where the stack's endpoints point. */
  ingressUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

const BASELINES = join(__dirname, '..', 'baselines');

/**
 * One Redis, an ingress and `nodes` WebSocket nodes, each its own process like Herald's split
 * cluster: `<prefix>-ingress.js` and `<prefix>-<nodeScript>.js` from bench/baselines.
 */
async function startStack(
  label: string,
  ingressScript: string,
  nodeScript: string,
  nodes: number,
  nodeUrl: (port: number) => string,
): Promise<BaselineCluster> {
  const redis = await ManagedRedis.start({ extraArgs: ['--maxclients', '50000'] });
  const started: BenchProcess[] = [];
  let ingressUrl = '';
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  try {
    const ingressPort = await freePort();
    ingressUrl = `http://127.0.0.1:${ingressPort}`;
    const env = {
      REDIS_URL: redis.url,
      PUBLIC_URL: ingressUrl,
      ENDPOINT_SECRET: BENCH_SECRET,
      NODE_ENV: 'production',
    };
    started.push(
      await spawnNode(`${label}-ingress`, join(BASELINES, ingressScript), ingressPort, {
        env: { ...env, PORT: String(ingressPort) },
        nodeArgs: prof,
      }),
    );
    for (let i = 1; i <= nodes; i++) {
      const port = await freePort();
      started.push(
        await spawnNode(`${label}-node-${i}`, join(BASELINES, nodeScript), port, {
          env: { ...env, PORT: String(port), NODE_ID: `${label}-${i}` },
          nodeArgs: prof,
        }),
      );
    }
  } catch (err) {
    await Promise.all(started.map((p) => p.stop('SIGKILL')));
    await redis.stop();
    throw err;
  }
  return {
    watched: [
      ...started.map((p) => ({ name: p.name, pid: p.pid })),
      { name: 'redis', pid: redis.pid as number },
    ],
    urls: started.slice(1).map((p) => nodeUrl(p.port)),
    ingressUrl,
    redisUrl: redis.url,
    stop: async () => {
      await Promise.all(started.map((p) => p.stop()));
      await redis.stop();
    },
  };
}

/** The Socket.IO 4 peer: HTTP ingress with the Redis emitter, 2 nodes with the Redis adapter. */
export function startSocketIoPeer(nodes = 2): Promise<BaselineCluster> {
  return startStack(
    'socketio',
    'socketio-ingress.js',
    'socketio-node.js',
    nodes,
    (port) => `http://127.0.0.1:${port}`,
  );
}

/** Herald's own floor: plain node:http ingress + `ws` gateways running Herald's scripts. */
export function startHeraldFloor(gateways = 2): Promise<BaselineCluster> {
  return startStack(
    'floor',
    'herald-floor-ingress.js',
    'herald-floor-gateway.js',
    gateways,
    (port) => `ws://127.0.0.1:${port}/`,
  );
}
