import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import { startDefaultMetrics } from './herald-metrics';

@Module({ controllers: [HealthController], providers: [Readiness], exports: [Readiness] })
export class ObservabilityModule {
  constructor() {
    startDefaultMetrics();
  }
}
