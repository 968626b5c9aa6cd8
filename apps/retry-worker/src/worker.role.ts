import { HeraldConfig } from '@herald/config';
import { RunningRole, startRole } from '@herald/runtime';
import { WorkerModule } from './worker.module';

export function startWorker(config: HeraldConfig, port = config.WORKER_PORT): Promise<RunningRole> {
  return startRole({ name: 'retry-worker', module: WorkerModule, config, port });
}
