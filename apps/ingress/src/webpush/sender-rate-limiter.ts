import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { keys, RedisConnections, runScript } from '@herald/storage';

/**
 * Per-sender rate limit, shared by every ingress replica: a fixed window counter in Redis per
 * sender (the VAPID key when the push is signed, else the client IP). autopush has none; an
 * abusive sender gets 429 with Retry-After instead of filling users' message stores.
 */
@Injectable()
export class SenderRateLimiter {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly redis: RedisConnections,
  ) {}

  /** 0 when the push may go ahead, else the seconds until the sender's window resets. */
  async hit(sender: string): Promise<number> {
    const limit = this.config.PUSH_RATE_LIMIT;
    if (limit <= 0) return 0;
    const [count, leftMs] = await runScript<[number, number]>(
      this.redis.command,
      'RATE_HIT',
      [keys.senderRate(sender)],
      [this.config.PUSH_RATE_WINDOW_MS],
    );
    return count > limit ? Math.max(1, Math.ceil(leftMs / 1000)) : 0;
  }
}
