import { Inject, Injectable } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import type Redis from 'ioredis';
import { Cluster } from 'ioredis';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { RedisConnections } from './redis-connections';
import { StorageUnavailableError } from './storage-unavailable';

/** The write reached fewer replicas than REDIS_WAIT_REPLICAS in time: not acknowledged. */
export class ReplicationError extends StorageUnavailableError {
  constructor(reached: number, wanted: number) {
    super(`write reached ${reached} of ${wanted} replicas in time`);
  }
}

const CONFIRMED: Promise<void> = Promise.resolve();

/**
 * Redis replicates asynchronously: a write its master acknowledged but had not yet sent to a
 * replica is gone when the master dies and that replica is promoted. With REDIS_WAIT_REPLICAS = N,
 * what Herald acknowledges to a client or an application server (a stored version or message, a
 * hello, a registration) is acknowledged only once the write reached N replicas, so a master's
 * death loses none of it.
 *
 * WAIT counts every earlier write of its connection, so one WAIT per connection per event-loop
 * turn covers all the writes that completed before it was sent: the cost is one replication round
 * trip of latency, not one blocking command per push.
 */
@Injectable()
export class ReplicationBarrier {
  private readonly replicas: number;
  private readonly timeoutMs: number;
  /** Per connection: the WAIT that will be sent at the end of this turn. */
  private readonly next = new Map<Redis, Promise<void>>();

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly redis: RedisConnections,
  ) {
    this.replicas = config.REDIS_WAIT_REPLICAS;
    this.timeoutMs = config.REDIS_WAIT_TIMEOUT_MS;
  }

  get enabled(): boolean {
    return this.replicas > 0;
  }

  /**
   * Resolves once the writes this process already completed on `key`'s master are replicated.
   * Without replicas to wait for, an already settled promise: no async frame per write.
   */
  confirm(key: string): Promise<void> {
    if (!this.enabled) return CONFIRMED;
    const conn = this.connectionFor(key);
    let wait = this.next.get(conn);
    if (!wait) {
      wait = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.send(conn));
      this.next.set(conn, wait);
    }
    return wait;
  }

  private async send(conn: Redis): Promise<void> {
    // Writes completing from now on need the next WAIT: this one may be sent before them.
    this.next.delete(conn);
    const done = metrics.replicationWait.startTimer();
    const reached = await conn.wait(this.replicas, this.timeoutMs);
    const short = reached < this.replicas;
    done({ outcome: short ? 'short' : 'ok' });
    if (short) throw new ReplicationError(reached, this.replicas);
  }

  /** The connection that carried the writes on `key`: WAIT must go on the same one. */
  private connectionFor(key: string): Redis {
    const command = this.redis.command;
    if (!(command instanceof Cluster)) return command;
    const nodeKey = command.slots[calculateSlot(key)]?.[0];
    const node = command
      .nodes('master')
      .find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
    if (!node) throw new ReplicationError(0, this.replicas);
    return node;
  }
}
