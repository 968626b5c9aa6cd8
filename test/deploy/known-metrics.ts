// The metric names dashboards and alerts may use: Herald's own metrics plus prom-client's default
// process and Node.js metrics. The Herald list mirrors the operator contract and is meant to be
// replaced by a scrape of a running app once every metric is registered.
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export const HERALD_METRICS: Readonly<Record<string, MetricType>> = {
  herald_connections_open: 'gauge',
  herald_connections_total: 'counter',
  herald_hellos_total: 'counter',
  herald_registrations_total: 'counter',
  herald_unregistrations_total: 'counter',
  herald_notifications_accepted_total: 'counter',
  herald_push_rejected_total: 'counter',
  /** Deprecated alias of herald_push_rejected_total{protocol="simplepush"}, for one release. */
  herald_notifications_rejected_total: 'counter',
  herald_notifications_delivered_total: 'counter',
  herald_notifications_acked_total: 'counter',
  herald_notifications_redelivered_total: 'counter',
  herald_delivery_latency_seconds: 'histogram',
  herald_redis_errors_total: 'counter',
  herald_frames_rejected_total: 'counter',
  herald_ghost_connections_closed_total: 'counter',
  herald_wakeups_total: 'counter',
  herald_dead_nodes_swept_total: 'counter',
  herald_webpush_messages_stored: 'gauge',
  herald_client_budget_exceeded_total: 'counter',
};

/** prom-client's default metrics, read from the installed prom-client rather than copied. */
function defaultMetrics(): Record<string, MetricType> {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const out: Record<string, MetricType> = {};
  for (const metric of register.getMetricsAsArray()) {
    // Only histograms change the series names; counter vs gauge does not matter here.
    out[metric.name] = metric instanceof Histogram ? 'histogram' : 'gauge';
  }
  register.clear();
  return out;
}

/** Series names as they appear in PromQL: a histogram is queried as _bucket, _sum and _count. */
function seriesNames(metrics: Record<string, MetricType>): string[] {
  return Object.entries(metrics).flatMap(([name, type]) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  );
}

export const KNOWN_METRICS: ReadonlySet<string> = new Set([
  ...seriesNames(HERALD_METRICS),
  ...seriesNames(defaultMetrics()),
]);
