import { Module } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { createLogger, ObservabilityModule, Readiness } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { RedeliveryModule } from '@herald/redelivery';
import { RedeliverProcessor } from './redeliver.processor';
import { WorkerService } from './worker.service';
import { WORKER_LOGGER } from './worker.tokens';

@Module({
  imports: [ObservabilityModule, StorageModule, RedeliveryModule],
  providers: [
    {
      provide: WORKER_LOGGER,
      useFactory: (c: HeraldConfig) => createLogger('retry-worker', c.LOG_LEVEL),
      inject: [HERALD_CONFIG],
    },
    RedeliverProcessor,
    WorkerService,
  ],
})
export class WorkerModule {
  constructor(readiness: Readiness, worker: WorkerService) {
    readiness.addCheck('worker', async () => {
      if (!worker.isRunning()) throw new Error('not running');
    });
  }
}
