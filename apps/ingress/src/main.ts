import { loadConfigOrExit } from '@herald/config';
import { createLogger } from '@herald/observability';
import { runStandalone } from '@herald/runtime';
import { startIngress } from './ingress.role';

const config = loadConfigOrExit();
runStandalone(
  async () => [await startIngress(config)],
  createLogger('ingress', config.LOG_LEVEL),
  config.DRAIN_TIMEOUT_MS,
);
