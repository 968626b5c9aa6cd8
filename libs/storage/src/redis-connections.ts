import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { Cluster, ClusterNode, RedisOptions } from 'ioredis';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import * as coreScripts from './lua/scripts';
import * as messageScripts from './lua/message-scripts';
import * as seedScripts from './lua/seed-scripts';
import { orUnavailable } from './storage-unavailable';
import { coalesceWrites } from './write-coalescing';

const scripts = { ...coreScripts, ...messageScripts, ...seedScripts };

/**
 * Script name → number of keys (null: as many as the call gives); each becomes a command on every
 * connection (EVALSHA + fallback).
 */
const SCRIPT_KEYS: Record<keyof typeof scripts, number | null> = {
  HELLO: 2,
  RELEASE_ROUTE: 1,
  RECLAIM_ROUTE: 2,
  NOTIFY: 3,
  NOTIFY_MANY: null,
  ACK: 1,
  ACK_MANY: null,
  READ_PENDING: 2,
  ADD_CHANNEL: 2,
  TOUCH_USER: 2,
  CREATE_USER: 1,
  CLAIM_CHANNEL: 1,
  RELEASE_CHANNEL: 1,
  DELETE_IF_EQUAL: 1,
  STORE_MESSAGE: 5,
  READ_MESSAGES: 3,
  DELETE_MESSAGE: 3,
  DROP_CHANNEL_MESSAGES: 1,
  RATE_HIT: 1,
  SEED_CLAIM: 2,
};
export type ScriptName = keyof typeof scripts;

export function redisOptions(role: string): RedisOptions {
  return {
    // Fail a command fast while Redis is away (the ingress answers 503, the gateway closes the
    // affected socket) rather than queueing it without bound; reconnection goes on forever.
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    connectionName: `herald-${role}`,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
}

/** One Redis or a Redis Cluster: the command API Herald uses is the same on both. */
export type RedisClient = Redis | Cluster;

export function defineScripts<T extends RedisClient>(redis: T): T {
  for (const [name, numberOfKeys] of Object.entries(SCRIPT_KEYS)) {
    redis.defineCommand(name, {
      numberOfKeys: numberOfKeys ?? undefined,
      lua: scripts[name as ScriptName],
    });
  }
  return redis;
}

/** Runs one of Herald's Lua scripts on a connection (or a pipeline of it). */
export function runScript<T>(
  redis: RedisClient | ReturnType<Redis['pipeline']>,
  name: ScriptName,
  keys: string[],
  args: Array<string | number>,
): Promise<T> {
  const fn = (redis as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[name];
  // Every state change goes through here, so timing it here measures all of them (and only here).
  const done = scriptTimer(name).startTimer();
  const call =
    SCRIPT_KEYS[name] === null
      ? fn.call(redis, keys.length, ...keys, ...args)
      : fn.call(redis, ...keys, ...args);
  return orUnavailable(call.finally(done));
}

/** Each script's histogram child, bound once: a labelled observe per call costs a label lookup. */
const scriptTimers = new Map<ScriptName, ReturnType<typeof metrics.redisScriptDuration.labels>>();

function scriptTimer(name: ScriptName) {
  let timer = scriptTimers.get(name);
  if (!timer)
    scriptTimers.set(name, (timer = metrics.redisScriptDuration.labels({ script: name })));
  return timer;
}

/**
 * The Redis connections of one role: one for commands (shared by every repository), one
 * subscriber per use, and one for BullMQ. All are closed on shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  readonly command: RedisClient;
  /** A Redis Cluster (REDIS_CLUSTER_NODES): node channels use sharded pub/sub. */
  readonly cluster: boolean;
  /**
   * On a single Redis the NOTIFY script publishes to the node itself (one round trip per PUT);
   * a cluster forbids publishing from a script to a channel of another slot.
   */
  readonly inScriptPublish: boolean;
  private readonly others: RedisClient[] = [];
  private readonly nodes: ClusterNode[];

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {
    this.nodes = config.REDIS_CLUSTER_NODES.split(',')
      .map((n) => n.trim())
      .filter(Boolean)
      .map((n) => {
        const [host, port] = n.split(':');
        return { host, port: Number(port) };
      });
    this.cluster = this.nodes.length > 0;
    this.inScriptPublish = !this.cluster;
    // The commands issued in one event-loop turn leave together: far fewer syscalls under load,
    // no change in meaning. A Cluster batches per node with ioredis's auto-pipelining; a single
    // Redis by corking its socket per turn, without auto-pipelining's per-batch garbage.
    const command = this.create('command', { enableAutoPipelining: this.cluster });
    this.command = defineScripts(command instanceof Cluster ? command : coalesceWrites(command));
  }

  private create(purpose: string, extra: RedisOptions = {}, sharded = false): RedisClient {
    let redis: RedisClient;
    if (this.cluster) {
      const { enableAutoPipelining, ...nodeOptions } = { ...redisOptions(purpose), ...extra };
      redis = new Cluster(this.nodes, {
        redisOptions: { ...nodeOptions, password: this.config.REDIS_PASSWORD },
        enableAutoPipelining,
        shardedSubscribers: sharded,
        clusterRetryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      });
    } else {
      if (!this.config.REDIS_URL) throw new Error('REDIS_URL (or REDIS_CLUSTER_NODES) is not set');
      redis = new Redis(this.config.REDIS_URL, { ...redisOptions(purpose), ...extra });
    }
    redis.on('error', () => metrics.redisErrors.inc({ role: purpose }));
    return redis;
  }

  /** A dedicated connection for (S)SUBSCRIBE (a subscribed connection can run nothing else). */
  subscriber(purpose: string): RedisClient {
    const redis = this.create(`${purpose}-sub`, { maxRetriesPerRequest: null }, true);
    this.others.push(redis);
    return redis;
  }

  /** A connection for one blocking command (BLPOP); the caller disconnects it. */
  blocking(purpose: string): RedisClient {
    return this.create(`${purpose}-blocking`, { maxRetriesPerRequest: null });
  }

  /** BullMQ requires maxRetriesPerRequest: null on its connections. */
  queueConnection(purpose: string): RedisClient {
    const redis = this.create(`${purpose}-queue`, { maxRetriesPerRequest: null });
    this.others.push(redis);
    return redis;
  }

  async ping(): Promise<void> {
    await this.command.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [this.command, ...this.others].map((r) => r.quit().catch(() => r.disconnect())),
    );
  }
}
