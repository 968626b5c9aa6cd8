import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { RateWindowRepository } from '@herald/storage';

const WINDOW_MS = 60_000;

/**
 * Per-endpoint limits: UnifiedPush's is per endpoint, not per host (SERV_1.2.0 §429), and
 * SimplePush PUTs get one too, so one application server cannot flood one client.
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

  /** The same for a SimplePush channel's PUTs. */
  hitUpdate(channelID: string): Promise<number> {
    return this.windows.hit(
      `sp:${channelID}`,
      this.config.SIMPLEPUSH_RATE_LIMIT_PER_MINUTE,
      WINDOW_MS,
    );
  }
}
