import { Injectable } from '@nestjs/common';
import { keys } from './keys';
import { ChannelRepository } from './channel.repository';
import type { Route } from './message.repository';
import { RedisConnections, runScript } from './redis-connections';
import { UserRepository } from './user.repository';

export interface SeedClaim {
  epoch: string;
  /** The stream this claim replaces, if any: it must be closed wherever it lives. */
  previous: Route | null;
}

/**
 * Ids of the seed's distributor protocol: each is a user of its own with one channel, so its
 * messages use the Web Push message store (TTL, per-user limit) and its streams the same routes
 * as WebSocket clients.
 */
@Injectable()
export class SeedRepository {
  constructor(
    private readonly redis: RedisConnections,
    private readonly users: UserRepository,
    private readonly channels: ChannelRepository,
  ) {}

  /** Creates the user (kind 'seed') and its one channel. */
  async create(uaid: string, channelID: string, now = Date.now()): Promise<void> {
    await this.users.create(uaid, { kind: 'seed', proto: 'seed', epoch: 0, created: now });
    const r = await this.channels.register(uaid, channelID, 1);
    if (r !== 'ok') throw new Error(`seed channel not registered (${r})`);
  }

  /** True when the user exists and was made by `GET /client/register`. */
  async exists(uaid: string): Promise<boolean> {
    return (await this.redis.command.hget(keys.user(uaid), 'kind')) === 'seed';
  }

  /** A stream on `nodeId` takes the route of a seed user; null when it is not one. */
  async claim(uaid: string, nodeId: string, now = Date.now()): Promise<SeedClaim | null> {
    const r = await runScript<[string, string, number] | null>(
      this.redis.command,
      'SEED_CLAIM',
      [keys.user(uaid), keys.channels(uaid)],
      [nodeId, now, this.users.idleMs],
    );
    if (!r) return null;
    return { epoch: String(r[2]), previous: r[0] ? { nodeId: r[0], epoch: r[1] } : null };
  }
}
