import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import * as coreScripts from './lua/scripts';
import * as messageScripts from './lua/message-scripts';

const scripts = { ...coreScripts, ...messageScripts };

/** Script name → number of keys; each becomes a command on every connection (EVALSHA + fallback). */
const SCRIPT_KEYS: Record<keyof typeof scripts, number> = {
  HELLO: 3,
  RELEASE_ROUTE: 1,
  NOTIFY: 2,
  ACK: 2,
  READ_PENDING: 3,
  ADD_CHANNEL: 2,
  CLAIM_CHANNEL: 1,
  DELETE_IF_EQUAL: 1,
  STORE_MESSAGE: 5,
  READ_MESSAGES: 2,
  DELETE_MESSAGE: 3,
  DROP_CHANNEL_MESSAGES: 1,
  RATE_HIT: 1,
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

export function defineScripts(redis: Redis): Redis {
  for (const [name, numberOfKeys] of Object.entries(SCRIPT_KEYS)) {
    redis.defineCommand(name, { numberOfKeys, lua: scripts[name as ScriptName] });
  }
  return redis;
}

/** Runs one of Herald's Lua scripts on a connection (or a pipeline of it). */
export function runScript<T>(
  redis: Redis | ReturnType<Redis['pipeline']>,
  name: ScriptName,
  keys: string[],
  args: Array<string | number>,
): Promise<T> {
  const fn = (redis as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[name];
  // Every state change goes through here, so timing it here measures all of them (and only here).
  const done = metrics.redisScriptDuration.startTimer({ script: name });
  return fn.call(redis, ...keys, ...args).finally(done);
}

/**
 * The Redis connections of one role: one for commands (shared by every repository), one
 * subscriber per use, and one for BullMQ. All are closed on shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  readonly command: Redis;
  private readonly others: Redis[] = [];

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {
    this.command = this.create('command');
    defineScripts(this.command);
  }

  private create(purpose: string, extra: RedisOptions = {}): Redis {
    if (!this.config.REDIS_URL) throw new Error('REDIS_URL is not set');
    const redis = new Redis(this.config.REDIS_URL, { ...redisOptions(purpose), ...extra });
    redis.on('error', () => metrics.redisErrors.inc({ role: purpose }));
    return redis;
  }

  /** A dedicated connection for SUBSCRIBE (a subscribed connection can run nothing else). */
  subscriber(purpose: string): Redis {
    const redis = this.create(`${purpose}-sub`, { maxRetriesPerRequest: null });
    this.others.push(redis);
    return redis;
  }

  /** BullMQ requires maxRetriesPerRequest: null on its connections. */
  queueConnection(purpose: string): Redis {
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
