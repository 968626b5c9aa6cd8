import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { RateWindowRepository } from '@herald/storage';

const WINDOW_MS = 60_000;

/**
 * UnifiedPush's limit is per endpoint, not per host (SERV_1.2.0 §429). (SimplePush's per-endpoint
 * limit is counted inside the NOTIFY script, to keep a PUT one round trip.)
 */
@Injectable()
export class EndpointRateLimiter {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly windows: RateWindowRepository,
  ) {}

  /** 0 when the push may go ahead, else the seconds until the endpoint's window resets. */
  hit(channelID: string): Promise<number> {
    return this.windows.hit(`up:${channelID}`, this.config.UP_RATE_LIMIT_PER_MINUTE, WINDOW_MS);
  }
}
