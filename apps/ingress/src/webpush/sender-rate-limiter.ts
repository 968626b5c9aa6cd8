import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { RateWindowRepository } from '@herald/storage';

/**
 * Per-sender rate limit (the VAPID key when the push is signed, else the client IP). autopush has
 * none; an abusive sender gets 429 with Retry-After instead of filling users' message stores.
 */
@Injectable()
export class SenderRateLimiter {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly windows: RateWindowRepository,
  ) {}

  /** 0 when the push may go ahead, else the seconds until the sender's window resets. */
  hit(sender: string): Promise<number> {
    return this.windows.hit(sender, this.config.PUSH_RATE_LIMIT, this.config.PUSH_RATE_WINDOW_MS);
  }
}
