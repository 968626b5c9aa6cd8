import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { keys, RedisConnections, runScript } from '@herald/storage';

const WINDOW_MS = 60_000;

/**
 * UnifiedPush's limit is per endpoint, not per host (SERV_1.2.0 §429): a fixed one-minute window
 * per channel in Redis, shared by every ingress replica.
 */
@Injectable()
export class EndpointRateLimiter {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly redis: RedisConnections,
  ) {}

  /** 0 when the push may go ahead, else the seconds until the endpoint's window resets. */
  async hit(channelID: string): Promise<number> {
    const limit = this.config.UP_RATE_LIMIT_PER_MINUTE;
    if (limit <= 0) return 0;
    const [count, leftMs] = await runScript<[number, number]>(
      this.redis.command,
      'RATE_HIT',
      [keys.senderRate(`up:${channelID}`)],
      [WINDOW_MS],
    );
    return count > limit ? Math.max(1, Math.ceil(leftMs / 1000)) : 0;
  }
}
