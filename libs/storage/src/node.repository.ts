import { Injectable } from '@nestjs/common';
import { keys } from './keys';
import { RedisConnections } from './redis-connections';

/** The registry of gateway nodes and their heartbeats. */
@Injectable()
export class NodeRepository {
  constructor(private readonly redis: RedisConnections) {}

  async heartbeat(nodeId: string, now = Date.now()): Promise<void> {
    await this.redis.command.zadd(keys.nodes, now, nodeId);
  }

  async remove(nodeId: string): Promise<void> {
    await this.redis.command.zrem(keys.nodes, nodeId);
  }

  async isAlive(nodeId: string, deadAfterMs: number, now = Date.now()): Promise<boolean> {
    const score = await this.redis.command.zscore(keys.nodes, nodeId);
    return score !== null && Number(score) >= now - deadAfterMs;
  }

  /** Removes nodes whose heartbeat stopped; returns their ids. */
  async sweepDead(deadAfterMs: number, now = Date.now()): Promise<string[]> {
    const dead = await this.redis.command.zrangebyscore(keys.nodes, '-inf', now - deadAfterMs);
    if (dead.length) await this.redis.command.zrem(keys.nodes, ...dead);
    return dead;
  }
}
