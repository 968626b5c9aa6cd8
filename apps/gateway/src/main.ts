import { loadConfigOrExit } from '@herald/config';
import { createLogger } from '@herald/observability';
import { runStandalone } from '@herald/runtime';
import { startGateway } from './gateway.role';

const config = loadConfigOrExit();
runStandalone(
  async () => [await startGateway(config)],
  createLogger('gateway', config.LOG_LEVEL),
  config.DRAIN_TIMEOUT_MS,
);
