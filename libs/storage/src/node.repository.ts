import { Injectable } from '@nestjs/common';
import { keys } from './keys';
import { RedisConnections } from './redis-connections';
import { orUnavailable } from './storage-unavailable';

/** The registry of gateway nodes and their heartbeats. */
@Injectable()
export class NodeRepository {
  constructor(private readonly redis: RedisConnections) {}

  async heartbeat(nodeId: string, now = Date.now()): Promise<void> {
    await this.redis.command.zadd(keys.nodes, now, nodeId);
  }

  /**
   * The generation of Redis's data: a random id written once (SET NX). If it ever changes or
   * vanishes, Redis lost its data (restarted without persistence, failed over to an empty
   * replica, flushed), and every client must be told to start again.
   */
  async generation(candidate: string): Promise<string> {
    const existing = (await this.redis.command.call(
      'SET',
      keys.generation,
      candidate,
      'NX',
      'GET',
    )) as string | null;
    return existing ?? candidate;
  }

  async remove(nodeId: string): Promise<void> {
    await this.redis.command.zrem(keys.nodes, nodeId);
  }

  async isAlive(nodeId: string, deadAfterMs: number, now = Date.now()): Promise<boolean> {
    const score = await orUnavailable(this.redis.command.zscore(keys.nodes, nodeId));
    return score !== null && Number(score) >= now - deadAfterMs;
  }

  /** Removes nodes whose heartbeat stopped; returns their ids. */
  async sweepDead(deadAfterMs: number, now = Date.now()): Promise<string[]> {
    const dead = await this.redis.command.zrangebyscore(keys.nodes, '-inf', now - deadAfterMs);
    if (dead.length) await this.redis.command.zrem(keys.nodes, ...dead);
    return dead;
  }
}
