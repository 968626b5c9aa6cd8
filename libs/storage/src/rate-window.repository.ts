import { Injectable } from '@nestjs/common';
import { keys } from './keys';
import { RedisConnections, runScript } from './redis-connections';

/**
 * Fixed-window rate counters in Redis, shared by every ingress replica. Each limiter (per sender,
 * per endpoint) names its subject; this is the one place that counts.
 */
@Injectable()
export class RateWindowRepository {
  constructor(private readonly redis: RedisConnections) {}

  /** 0 when this hit is within `limit` per window (limit ≤ 0: no limit), else seconds to wait. */
  async hit(subject: string, limit: number, windowMs: number): Promise<number> {
    if (limit <= 0) return 0;
    const [count, leftMs] = await runScript<[number, number]>(
      this.redis.command,
      'RATE_HIT',
      [keys.senderRate(subject)],
      [windowMs],
    );
    return count > limit ? Math.max(1, Math.ceil(leftMs / 1000)) : 0;
  }
}
