export { createLogger, NestPinoLogger } from './logger';
export type { Logger } from './logger';
export { metrics, metricsRegistry, startDefaultMetrics } from './herald-metrics';
export { Readiness } from './readiness';
export { ObservabilityModule } from './observability.module';
export { loggerProvider } from './logger.provider';
export { startMetricsListener } from './metrics-listener';
export type { MetricsListener } from './metrics-listener';
