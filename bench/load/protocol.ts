import type { BenchSubscription, OpenFailure } from './webpush-message';

/** Messages between the bench orchestrator and its load-generator child processes (IPC). */

export type ClientMode = 'simplepush' | 'webpush' | 'raw' | 'socketio';

export interface ConnectCommand {
  cmd: 'connect';
  /** Client i connects to urls[i % urls.length]. */
  urls: string[];
  count: number;
  /**
   * 'simplepush': hello + register; 'raw': an open socket and nothing else; 'socketio': a
   * Socket.IO client of the peer (bench/baselines/socketio-node.ts), one room (channel) each.
   */
  mode: ClientMode;
  channels: number;
  /** Send endpoints back (throughput, storm); not for idle runs with many clients. */
  wantEndpoints: boolean;
  ack: boolean;
  /** Handshakes in flight at once. */
  concurrency: number;
}

export type ParentCommand =
  | ConnectCommand
  | { cmd: 'reset' }
  | { cmd: 'stats'; sinceUs: number }
  /**
   * Reconnect every client whose socket closed, with hello(uaid, channelIDs), after a random delay
   * of up to jitterMs; a failed attempt is retried like a browser does (see ReconnectPolicy).
   */
  | ({ cmd: 'reconnect'; urls: string[]; jitterMs: number } & ReconnectPolicy)
  /** Every connected SimplePush client registers `channels` more channels. */
  | { cmd: 'add-channels'; channels: number; wantEndpoints: boolean }
  /** Resolve once every channel has at least the given version (or the timeout passes). */
  | { cmd: 'await'; expected: Array<[string, string]>; timeoutMs: number }
  | { cmd: 'count-closed' }
  | { cmd: 'set-ack'; ack: boolean }
  | { cmd: 'close' }
  /**
   * PUT generator: the endpoints it may target (a disjoint share, so versions never go stale), and
   * for Web Push the subscriptions (keys) behind them, one per URL in the same order.
   */
  | { cmd: 'endpoints'; urls: string[]; subscriptions?: BenchSubscription[] }
  /**
   * Web Push putter: encrypt `count` messages up front, each for a random subscription of its
   * share with the next sequence number; the next `run` POSTs them in order (ECDH per message is
   * too costly to do inside a timed step on a shared 2-core box).
   */
  | { cmd: 'prepare'; count: number }
  /** PUT generator: `rate` requests/s at random endpoints for `durationMs`. */
  | {
      cmd: 'run';
      rate: number;
      durationMs: number;
      maxInFlight: number;
      /**
       * 'webpush': POST with TTL of the messages made by `prepare` (aes128gcm, carrying the
       * sequence number); the run reports each one's POST time by sequence (RunResult.sends).
       */
      kind?: 'simplepush' | 'webpush';
    }
  /** PUT generator: one request to each endpoint, `concurrency` at a time. */
  | { cmd: 'put-all'; concurrency: number };

/**
 * Retry until in, as a user agent does: attempt n (from 0) waits min(capMs, baseMs * 2^n), half of
 * it fixed and half random ("equal jitter": spreads a herd without collapsing the backoff), until
 * deadlineMs after the reconnect command. An attempt that has no hello reply after
 * attemptTimeoutMs is abandoned (counted as timeout).
 */
export interface ReconnectPolicy {
  baseMs: number;
  capMs: number;
  deadlineMs: number;
  attemptTimeoutMs: number;
}

/**
 * Why an attempt failed: the socket error code (ECONNREFUSED, ECONNRESET, ...), 'timeout',
 * 'hello <status>' (e.g. hello 503), 'http <status>' (upgrade refused) or 'close <code>' (closed
 * before the hello reply).
 */
export type FailureCounts = Record<string, number>;

export interface ConnectResult {
  kind: 'connected';
  connected: number;
  failed: number;
  /** Why the failed ones failed (ECONNRESET, timeout, hello 503, ...). */
  failures: FailureCounts;
  /** [url index, channelID, pushEndpoint] */
  endpoints: Array<[number, string, string]>;
  /** Web Push (with wantEndpoints): each subscription's public keys, for the putter. */
  subscriptions?: BenchSubscription[];
  ms: number;
}

export interface StatsResult {
  kind: 'stats';
  /** SimplePush: notifications received; Web Push: messages decrypted and checked. */
  received: number;
  /** SimplePush only: Web Push latencies are joined by the orchestrator from `arrivals`. */
  latenciesUs: number[];
  closed: number;
  /** Web Push, flat: [putter, seq, µs when decrypted and checked] per message. */
  arrivals?: number[];
  /** Web Push messages not counted as delivered, by cause (must stay empty). */
  openFailures?: Partial<Record<OpenFailure, number>>;
  /** Web Push: CPU time (µs) spent in decrypt + check. */
  openUs?: number;
}

export interface AwaitResult {
  kind: 'await';
  missing: number;
  /** Epoch ms when the last expected version arrived. */
  lastAt: number;
  reconnected: number;
  /** Clients still not in at the deadline. */
  reconnectFailed: number;
  /** Failed attempts by cause. */
  failures: FailureCounts;
  attempts: number;
  /** Clients that got in only after one or more failed attempts. */
  retriedClients: number;
  maxAttempts: number;
  /** Versions still missing at the deadline on clients that did complete a hello. */
  missingOnConnected: number;
  /** Epoch ms when the last client completed its hello. */
  lastHelloAt: number;
  /** Each revived client's hello answer (epoch ms). */
  helloAts: number[];
  /** How long each revived client's successful attempt took, connect to hello answer (ms). */
  helloTookMs: number[];
}

export interface AddChannelsResult {
  kind: 'add-channels';
  added: number;
  failed: number;
  endpoints: Array<[number, string, string]>;
}

export interface RunResult {
  kind: 'run';
  sent: number;
  statuses: Record<string, number>;
  errors: number;
  /** Requests not sent because maxInFlight were outstanding (the target could not keep up). */
  skipped: number;
  elapsedMs: number;
  /** PUT request → response time (µs), sampled. */
  responseUs: number[];
  /** Web Push: POST time (µs since the epoch) of sequence firstSeq + i, for each message sent. */
  sends?: SendLog;
}

/** One putter's POST times by sequence number, for joining with the clients' arrivals. */
export interface SendLog {
  putter: number;
  firstSeq: number;
  sentUs: number[];
}

export interface PreparedResult {
  kind: 'prepared';
  count: number;
  ms: number;
  /** Mean wall time per message encrypted (web-push `encrypt`: ECDH, HKDF, AES-GCM). */
  encryptUs: number;
}

export interface PutAllResult {
  kind: 'put-all';
  /** Version sent per endpoint, in the order of the endpoints given. */
  versions: string[];
  statuses: Record<string, number>;
  ms: number;
}

export type ChildReply =
  | RunResult
  | PreparedResult
  | PutAllResult
  | ConnectResult
  | AddChannelsResult
  | StatsResult
  | AwaitResult
  | { kind: 'ok'; closed?: number }
  | { kind: 'error'; message: string };
