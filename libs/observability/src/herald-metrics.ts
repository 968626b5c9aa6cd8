import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

let defaultsStarted = false;
/** prom-client's process and Node.js metrics, started once however many roles share the process. */
export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics();
}

/**
 * Every Herald metric, in one place, on prom-client's default registry. In the all-in-one process
 * the three roles share it; split roles each expose their own. Names follow Prometheus
 * conventions (`_total` counters, `_seconds` histograms); docs/metrics.md lists them.
 */
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
  /** Every push the ingress refuses, whatever its protocol: count through `countRejection`. */
  pushRejected: new Counter({
    name: 'herald_push_rejected_total',
    help: 'pushes refused by the ingress, by protocol and reason',
    labelNames: ['protocol', 'reason'] as const,
  }),
  /** Deprecated alias of herald_push_rejected_total{protocol="simplepush"}; removed next release. */
  rejected: new Counter({
    name: 'herald_notifications_rejected_total',
    help: 'deprecated (use herald_push_rejected_total): notifications refused by the ingress, by reason',
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
  replicationWait: new Histogram({
    name: 'herald_redis_replication_wait_seconds',
    help: 'duration of each WAIT for replicas (REDIS_WAIT_REPLICAS > 0), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1],
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
  ownersSwept: new Counter({
    name: 'herald_channel_owners_swept_total',
    help: 'channel ownership entries of expired users removed by the worker sweep',
  }),
  connectionsRefused: new Counter({
    name: 'herald_connections_refused_total',
    help: 'sockets closed at once (1013) because the gateway held as many as it may (MAX_CONNECTIONS, within the open-files limit)',
  }),
  addressLimited: new Counter({
    name: 'herald_address_limited_total',
    help: 'connections, hellos or new UAIDs refused because one address exceeded its limit',
    labelNames: ['limit'] as const,
  }),
  clientBudget: new Counter({
    name: 'herald_client_budget_exceeded_total',
    help: 'times one client socket exceeded a budget (gateway: pings, pongs, inbound queue, parse time, upgrade time; ingress: request time), by budget',
    labelNames: ['budget'] as const,
  }),
  stateLost: new Counter({
    name: 'herald_state_lost_total',
    help: 'times this gateway found Redis had lost its data and closed its sockets so clients start again',
  }),
  deadNodesSwept: new Counter({
    name: 'herald_dead_nodes_swept_total',
    help: 'gateway nodes removed from the registry after their heartbeat stopped',
  }),
  webpushMessages: new Counter({
    name: 'herald_webpush_messages_total',
    help: 'Web Push messages accepted by the ingress: routed to a live gateway, stored for later, or dropped (TTL 0, client offline)',
    labelNames: ['result'] as const,
  }),
  webpushStored: new Gauge({
    name: 'herald_webpush_messages_stored',
    help: 'Web Push messages stored cluster-wide and not yet acknowledged, cancelled or seen expired (approximate)',
  }),
  webpushExpired: new Counter({
    name: 'herald_webpush_messages_expired_total',
    help: 'stored Web Push messages found expired (TTL ran out) before delivery was acknowledged',
  }),
  webpushReplaced: new Counter({
    name: 'herald_webpush_messages_replaced_total',
    help: 'stored Web Push messages replaced by a newer one with the same Topic',
  }),
  webpushFull: new Counter({
    name: 'herald_webpush_refused_full_total',
    help: 'Web Push and UnifiedPush pushes refused (429) because WEBPUSH_MAX_MESSAGES_PER_UAID messages already wait for their client',
  }),
  webpushCancelled: new Counter({
    name: 'herald_webpush_messages_cancelled_total',
    help: 'stored Web Push messages cancelled by their application server (DELETE /m/<id>)',
  }),
  /** Deprecated alias of herald_push_rejected_total{protocol="webpush"}; removed next release. */
  webpushRejected: new Counter({
    name: 'herald_webpush_rejected_total',
    help: 'deprecated (use herald_push_rejected_total): Web Push requests refused by the ingress, by reason',
    labelNames: ['reason'] as const,
  }),
  webpushPayloadBytes: new Histogram({
    name: 'herald_webpush_payload_bytes',
    help: 'size of accepted Web Push bodies',
    buckets: [0, 128, 256, 512, 1024, 2048, 3072, 4096],
  }),
  webpushAcks: new Counter({
    name: 'herald_webpush_acks_total',
    help: 'Web Push acks by code (100 delivered, 101 decryption error, 102 not delivered)',
    labelNames: ['code'] as const,
  }),
  webpushNacks: new Counter({
    name: 'herald_webpush_nacks_total',
    help: 'Web Push nacks by code (301, 302, 303: service-worker errors)',
    labelNames: ['code'] as const,
  }),
  webpushUnregistrations: new Counter({
    name: 'herald_webpush_unregistrations_total',
    help: 'Web Push unregisters by code (200 manual, 201 quota exceeded, 202 permission revoked)',
    labelNames: ['code'] as const,
  }),
  vapidFailures: new Counter({
    name: 'herald_vapid_failures_total',
    help: 'pushes refused with 401 because of VAPID, by reason',
    labelNames: ['reason'] as const,
  }),
  rateLimited: new Counter({
    name: 'herald_rate_limited_total',
    help: 'pushes refused with 429, by what identified the sender (vapid key or ip)',
    labelNames: ['by'] as const,
  }),
  receipts: new Counter({
    name: 'herald_push_receipts_total',
    help: 'RFC 8030 push receipts: recorded on delivery, read by application servers',
    labelNames: ['event'] as const,
  }),
  broadcastChanges: new Counter({
    name: 'herald_broadcast_changes_total',
    help: 'broadcast versions changed, by source (admin endpoint, megaphone poll)',
    labelNames: ['source'] as const,
  }),
  megaphonePolls: new Counter({
    name: 'herald_megaphone_polls_total',
    help: 'polls of the Megaphone service by result (ok, or why the last versions were kept)',
    labelNames: ['result'] as const,
  }),
  megaphoneLastSuccess: new Gauge({
    name: 'herald_megaphone_last_success_timestamp_seconds',
    help: 'when a Megaphone poll last succeeded (unix seconds; 0: never, or polling is off)',
  }),
  adminAuthFailures: new Counter({
    name: 'herald_admin_auth_failures_total',
    help: 'admin requests refused: wrong or missing token (401), or throttled after too many from one address (429)',
    labelNames: ['result'] as const,
  }),
  broadcastsSent: new Counter({
    name: 'herald_broadcasts_sent_total',
    help: 'broadcast frames written to clients (hello, broadcast_subscribe, live change)',
    labelNames: ['path'] as const,
  }),
  unifiedpushPushes: new Counter({
    name: 'herald_unifiedpush_pushes_total',
    help: 'UnifiedPush pushes by endpoint path (up, seed) and answer status',
    labelNames: ['path', 'status'] as const,
  }),
  seedRegistrations: new Counter({
    name: 'herald_seed_registrations_total',
    help: 'ids made by GET /client/register (the seed distributor protocol)',
  }),
  seedStreamsOpen: new Gauge({
    name: 'herald_seed_streams_open',
    help: 'seed-protocol streams (/client/id, /client/multi_id) open on this gateway',
  }),
};

export { register as metricsRegistry };
