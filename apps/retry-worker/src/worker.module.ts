import { Module } from '@nestjs/common';
import { loggerProvider, ObservabilityModule, Readiness } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { RedeliveryModule } from '@herald/redelivery';
import { RedeliverProcessor } from './redeliver.processor';
import { WorkerService } from './worker.service';
import { WORKER_LOGGER } from './worker.tokens';

@Module({
  imports: [ObservabilityModule, StorageModule, RedeliveryModule],
  providers: [loggerProvider(WORKER_LOGGER, 'retry-worker'), RedeliverProcessor, WorkerService],
})
export class WorkerModule {
  constructor(readiness: Readiness, worker: WorkerService) {
    readiness.addCheck('worker', async () => {
      if (!worker.isRunning()) throw new Error('not running');
    });
  }
}
