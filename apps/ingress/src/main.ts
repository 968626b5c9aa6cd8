import { loadConfig } from '@herald/config';
import { createLogger } from '@herald/observability';
import { runStandalone } from '@herald/runtime';
import { startIngress } from './ingress.role';

const config = loadConfig();
runStandalone(
  async () => [await startIngress(config)],
  createLogger('ingress', config.LOG_LEVEL),
  config.DRAIN_TIMEOUT_MS,
);
