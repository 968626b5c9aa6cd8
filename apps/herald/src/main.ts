// All three roles in one process: how one machine runs Herald (`npm start`). With REDIS_URL
// unset, a private redis-server is started (data kept under HERALD_DATA_DIR) and stopped on exit.

import { join } from 'node:path';
import { loadConfigOrExit } from '@herald/config';
import { ManagedRedis } from '@herald/managed-redis';
import { createLogger } from '@herald/observability';
import { runStandalone } from '@herald/runtime';
import { startGateway } from '@apps/gateway';
import { startIngress } from '@apps/ingress';
import { startWorker } from '@apps/retry-worker';

const log = createLogger('herald', process.env.LOG_LEVEL ?? 'info');

runStandalone(
  async () => {
    const config = loadConfigOrExit();
    let redis: ManagedRedis | null = null;
    if (!config.REDIS_URL && !config.REDIS_CLUSTER_NODES) {
      redis = await ManagedRedis.start({
        dir: join(config.HERALD_DATA_DIR, 'redis'),
        appendonly: true,
      });
      config.REDIS_URL = redis.url;
      log.info(
        { url: redis.url, redisPid: redis.pid },
        'started a private redis-server (REDIS_URL unset)',
      );
    }
    const worker = await startWorker(config);
    const ingress = await startIngress(config);
    const gateway = await startGateway(config);
    log.info(
      {
        gateway: `ws://localhost:${gateway.port}/`,
        // The seed protocol's streams are client connections: the gateway's port serves them.
        seedClients: `http://localhost:${gateway.port}/client/`,
        ingress: config.PUBLIC_URL,
        worker: worker.port,
      },
      'Herald is running',
    );
    // Stop order: drain clients first, then the HTTP side, then the worker, then Redis.
    return [
      gateway,
      ingress,
      worker,
      ...(redis ? [{ stop: () => (redis as ManagedRedis).stop() }] : []),
    ];
  },
  log,
  Number(process.env.DRAIN_TIMEOUT_MS) || 20_000,
);
