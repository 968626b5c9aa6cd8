import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { keys } from './keys';
import { ChannelRepository } from './channel.repository';
import type { Route } from './message.repository';
import { RedisConnections, runScript } from './redis-connections';

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
  private readonly idleMs: number;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly redis: RedisConnections,
    private readonly channels: ChannelRepository,
  ) {
    this.idleMs = config.USER_IDLE_TTL_SECONDS * 1000;
  }

  /** Creates the user (kind 'seed') and its one channel. */
  async create(uaid: string, channelID: string, now = Date.now()): Promise<void> {
    const user = keys.user(uaid);
    const create = this.redis.command.multi().hset(user, {
      kind: 'seed',
      proto: 'seed',
      epoch: 0,
      created: now,
    });
    if (this.idleMs > 0) create.pexpire(user, this.idleMs);
    await create.exec();
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
      [nodeId, now, this.idleMs],
    );
    if (!r) return null;
    return { epoch: String(r[2]), previous: r[0] ? { nodeId: r[0], epoch: r[1] } : null };
  }
}
