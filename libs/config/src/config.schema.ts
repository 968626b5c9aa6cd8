import { z } from 'zod';
import { parseTrustProxy } from './trust-proxy';

// Every environment variable Herald reads, with its default. The README's configuration table is
// checked against this object by a test, so the two cannot drift.
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().url().optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s,:]+:\d+\s*(,\s*[^\s,:]+:\d+\s*)*$/, 'comma-separated host:port list')
    .default(''),
  REDIS_PASSWORD: z.string().optional(),
  /** Replicas a write must reach (WAIT) before Herald acknowledges it; 0: asynchronous. */
  REDIS_WAIT_REPLICAS: int(0, 0),
  REDIS_WAIT_TIMEOUT_MS: int(1_000, 1),
  GATEWAY_PORT: port(8080),
  INGRESS_PORT: port(8081),
  WORKER_PORT: port(8082),
  /** Prometheus /metrics, apart from the public ports; one per process (the roles share it). */
  METRICS_PORT: port(9464),
  BIND_HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.string().url().optional(),
  ENDPOINT_SECRET: z.string().optional(),
  HERALD_DATA_DIR: z.string().default('.herald'),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')
    .optional(),
  HELLO_TIMEOUT_MS: int(10_000, 100),
  KEEPALIVE_INTERVAL_MS: int(50_000, 100),
  CLIENT_PING_MIN_INTERVAL_MS: int(60_000),
  MAX_FRAME_BYTES: int(65_536, 256),
  MAX_BUFFERED_BYTES: int(262_144, 1024),
  MAX_CONNECTIONS: int(100_000, 1),
  MAX_CHANNELS_PER_UAID: int(1_000, 1),
  SIMPLEPUSH_RATE_LIMIT_PER_MINUTE: int(600, 0),
  MAX_CONNECTIONS_PER_IP: int(10_000, 1),
  HELLO_RATE_PER_IP: int(100, 1),
  /** Peers whose X-Forwarded-For is believed: false, true (one hop), a hop count, or a list. */
  TRUST_PROXY: z
    .string()
    .default('false')
    .superRefine((v, ctx) => {
      const fn = parseTrustProxy(v);
      if (typeof fn === 'string') ctx.addIssue({ code: 'custom', message: fn });
    }),
  /** New UAIDs one client address may be given per minute (one minute of burst). */
  NEW_UAIDS_PER_IP_PER_MINUTE: int(600, 1),
  /** Registrations per connection per second (ten seconds of burst). */
  REGISTER_RATE_PER_SECOND: int(10, 1),
  /** WebSocket ping frames a client may send per second (ten seconds of burst). */
  PING_FRAMES_PER_SECOND: int(1, 1),
  /** Frames read but not yet handled, per connection: past either, reading pauses. */
  MAX_QUEUED_FRAMES: int(32, 1),
  MAX_QUEUED_BYTES: int(262_144, 1024),
  /** Milliseconds of frame parsing a connection may spend per second (one second of burst). */
  FRAME_PARSE_BUDGET_MS: int(50, 1),
  /** A TCP socket must complete its WebSocket upgrade (or an HTTP request) this soon. */
  UPGRADE_TIMEOUT_MS: int(5_000, 100),
  /** How long a closing socket may take to answer the close frame before it is cut. */
  CLOSE_TIMEOUT_MS: int(5_000, 100),
  REDELIVERY_DELAY_MS: int(60_000, 10),
  REDELIVERY_MAX_DELAY_MS: int(900_000, 10),
  REDELIVERY_MAX_ATTEMPTS: int(5, 0),
  /** A user (UAID or seed id) not seen this long is deleted; 0: never. 60 days, as autopush. */
  USER_IDLE_TTL_SECONDS: int(5_184_000, 0),
  /** Owner buckets (of 4096) the worker's sweep checks for expired owners each round. */
  CHANNEL_SWEEP_BUCKETS: int(8, 0),
  NODE_HEARTBEAT_MS: int(5_000, 100),
  NODE_DEAD_AFTER_MS: int(20_000, 300),
  DRAIN_TIMEOUT_MS: int(20_000, 0),
  DRAIN_BATCH_SIZE: int(500, 1),
  WAKEUP_ENABLED: bool(false),
  WAKEUP_ALLOWED_CIDRS: z.string().default(''),
  WAKEUP_MIN_INTERVAL_MS: int(60_000, 0),
  /** Bearer token of the admin endpoints (broadcasts); unset: they refuse every request. */
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Failed admin authentications one address may make per minute before it gets 429. */
  ADMIN_AUTH_FAILURES_PER_MINUTE: int(10, 1),
  /**
   * Megaphone (autopush's broadcast service), polled by every gateway: its `GET` answers
   * `{"broadcasts": {id: version}}`. Unset: no polling (broadcasts come from the admin endpoint).
   */
  MEGAPHONE_API_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//i, 'an http:// or https:// URL')
    .optional(),
  /** Its token: `Authorization: Bearer <token>` (sent as it is when it already names a scheme). */
  MEGAPHONE_API_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)?$/, 'printable ASCII, at most one space (scheme token)')
    .optional(),
  /** Between the end of one poll and the next; autopush's default is 30 s. */
  MEGAPHONE_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  WEBPUSH_MAX_MESSAGES_PER_UAID: int(100, 1),
  WEBPUSH_BATCH_SIZE: int(10, 1),
  /**
   * Largest Web Push body (raw bytes), autopush's max_data_bytes: a full 4096-byte payload still
   * fits once encrypted. At least RFC 8030's 4096; at most the ingress's 8192-byte body limit.
   */
  WEBPUSH_MAX_DATA_BYTES: z.coerce.number().int().min(4096).max(8192).default(5630),
  /** Pushes per sender (VAPID key, else client IP) per window; 0 turns rate limiting off. */
  PUSH_RATE_LIMIT: int(6_000, 0),
  PUSH_RATE_WINDOW_MS: int(60_000, 100),
  /** Web Push requests per subscription per minute, whoever signs them; 0 turns it off. */
  WEBPUSH_RATE_LIMIT_PER_MINUTE: int(600, 0),
  /** Seconds a UnifiedPush message waits for an offline distributor (without a TTL header). */
  UP_MESSAGE_TTL_SECONDS: int(604_800, 1),
  /** Pushes per UnifiedPush endpoint (or seed id) per minute; 0 turns the limit off. */
  UP_RATE_LIMIT_PER_MINUTE: int(600, 0),
  /** Seed-protocol ids a client address may create per minute (GET /client/register). */
  SEED_REGISTER_RATE_PER_MINUTE: int(60, 1),
  /** Time a client has to send an ingress request's headers and body (408 and close beyond). */
  INGRESS_REQUEST_TIMEOUT_MS: int(10_000, 100),
  /** Idle time of a keep-alive connection to the ingress before it is closed. */
  INGRESS_KEEPALIVE_TIMEOUT_MS: int(72_000, 100),
  /** Keep-alive output on idle seed-protocol streams (/client/id, /client/multi_id). */
  SEED_KEEPALIVE_MS: int(30_000, 100),
});

export type RawConfig = z.infer<typeof configSchema>;
