import { Injectable } from '@nestjs/common';
import { keys } from './keys';
import { RedisClient, RedisConnections } from './redis-connections';
import { orUnavailable } from './storage-unavailable';

/**
 * Broadcasts (autopush's megaphone): operator-set `{id: version}` pairs in one Redis hash, and
 * their changes on one pub/sub channel, the only message every gateway receives.
 */
@Injectable()
export class BroadcastRepository {
  constructor(private readonly redis: RedisConnections) {}

  all(): Promise<Record<string, string>> {
    return orUnavailable(this.redis.command.hgetall(keys.broadcasts));
  }

  /** Stores the versions and tells every gateway; resolves to the ids whose version changed. */
  set(changes: Record<string, string>): Promise<Record<string, string>> {
    return orUnavailable(this.write(changes));
  }

  private async write(changes: Record<string, string>): Promise<Record<string, string>> {
    const ids = Object.keys(changes);
    if (!ids.length) return {};
    const before = await this.redis.command.hmget(keys.broadcasts, ...ids);
    const changed: Record<string, string> = {};
    ids.forEach((id, i) => {
      if (before[i] !== changes[id]) changed[id] = changes[id];
    });
    if (!Object.keys(changed).length) return {};
    await this.redis.command.hset(keys.broadcasts, changed);
    await this.redis.command.publish(keys.broadcastChannel, JSON.stringify(changed));
    return changed;
  }

  /** Subscribes to changes; resolves once Redis confirmed. The connection is closed on shutdown. */
  async listen(onChange: (changed: Record<string, string>) => void): Promise<RedisClient> {
    const sub = this.redis.subscriber('broadcasts');
    sub.on('message', (_channel: string, text: string) => {
      try {
        const changed = JSON.parse(text) as Record<string, string>;
        if (changed && typeof changed === 'object') onChange(changed);
      } catch {
        // not ours: ignore
      }
    });
    await sub.subscribe(keys.broadcastChannel);
    return sub;
  }
}
