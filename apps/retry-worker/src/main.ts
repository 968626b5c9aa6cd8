import { loadConfigOrExit } from '@herald/config';
import { createLogger } from '@herald/observability';
import { runStandalone } from '@herald/runtime';
import { startWorker } from './worker.role';

const config = loadConfigOrExit();
runStandalone(
  async () => [await startWorker(config)],
  createLogger('retry-worker', config.LOG_LEVEL),
  config.DRAIN_TIMEOUT_MS,
);
