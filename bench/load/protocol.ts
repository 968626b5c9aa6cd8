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
  /** PUT generator: the endpoints it may target (a disjoint share, so versions never go stale). */
  | { cmd: 'endpoints'; urls: string[] }
  /** PUT generator: `rate` requests/s at random endpoints for `durationMs`. */
  | {
      cmd: 'run';
      rate: number;
      durationMs: number;
      maxInFlight: number;
      /** 'webpush': POST with TTL and an aes128gcm body carrying the send time. */
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
  /** [url index, channelID, pushEndpoint] */
  endpoints: Array<[number, string, string]>;
  ms: number;
}

export interface StatsResult {
  kind: 'stats';
  received: number;
  latenciesUs: number[];
  closed: number;
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
  | PutAllResult
  | ConnectResult
  | AddChannelsResult
  | StatsResult
  | AwaitResult
  | { kind: 'ok'; closed?: number }
  | { kind: 'error'; message: string };
