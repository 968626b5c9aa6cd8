import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * Every Herald metric, in one place, on prom-client's default registry. In the all-in-one process
 * the three roles share it; split roles each expose their own. Names follow Prometheus
 * conventions (`_total` counters, `_seconds` histograms); docs/metrics.md lists them.
 */
let defaultsStarted = false;
export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics();
}

export const metrics = {
  connectionsOpen: new Gauge({
    name: 'herald_connections_open',
    help: 'WebSocket connections open on this gateway',
  }),
  connections: new Counter({
    name: 'herald_connections_total',
    help: 'WebSocket connections accepted',
  }),
  hellos: new Counter({
    name: 'herald_hellos_total',
    help: 'hello handshakes by result (new UAID, existing UAID, rejected)',
    labelNames: ['result'] as const,
  }),
  registrations: new Counter({
    name: 'herald_registrations_total',
    help: 'register requests by reply status',
    labelNames: ['status'] as const,
  }),
  unregistrations: new Counter({
    name: 'herald_unregistrations_total',
    help: 'unregister requests',
  }),
  accepted: new Counter({
    name: 'herald_notifications_accepted_total',
    help: 'notifications accepted by the ingress: routed to a live gateway, stored for later, or stale (not newer)',
    labelNames: ['result'] as const,
  }),
  rejected: new Counter({
    name: 'herald_notifications_rejected_total',
    help: 'notifications refused by the ingress, by reason',
    labelNames: ['reason'] as const,
  }),
  delivered: new Counter({
    name: 'herald_notifications_delivered_total',
    help: 'notification updates written to client sockets, by path (live, resync on hello, redelivery)',
    labelNames: ['path'] as const,
  }),
  acked: new Counter({
    name: 'herald_notifications_acked_total',
    help: 'updates acknowledged by clients',
  }),
  redelivered: new Counter({
    name: 'herald_notifications_redelivered_total',
    help: 'updates redelivered by the retry worker because they were not acknowledged',
  }),
  deliveryLatency: new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'time from ingress acceptance to the write on the client socket (live path)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  redisErrors: new Counter({
    name: 'herald_redis_errors_total',
    help: 'Redis connection or command errors',
    labelNames: ['role'] as const,
  }),
  redisScriptDuration: new Histogram({
    name: 'herald_redis_script_duration_seconds',
    help: 'duration of each Lua script call (one Redis round trip), by script',
    labelNames: ['script'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
  }),
  framesRejected: new Counter({
    name: 'herald_frames_rejected_total',
    help: 'client frames that closed or were refused, by reason',
    labelNames: ['reason'] as const,
  }),
  ghostsClosed: new Counter({
    name: 'herald_ghost_connections_closed_total',
    help: 'older connections closed because the same UAID connected again',
  }),
  wakeups: new Counter({
    name: 'herald_wakeups_total',
    help: 'UDP wake-ups by result (sent, rate_limited, not_allowed, error)',
    labelNames: ['result'] as const,
  }),
  deadNodesSwept: new Counter({
    name: 'herald_dead_nodes_swept_total',
    help: 'gateway nodes removed from the registry after their heartbeat stopped',
  }),
};

export { register as metricsRegistry };
