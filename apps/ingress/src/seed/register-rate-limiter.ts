import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { RateWindowRepository } from '@herald/storage';

const WINDOW_MS = 60_000;

/**
 * `GET /client/register` needs no credentials and creates state in Redis: without a limit, one
 * address could fill Redis with ids. Counted per client address (behind a proxy, set TRUST_PROXY)
 * across every ingress replica.
 */
@Injectable()
export class RegisterRateLimiter {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly windows: RateWindowRepository,
  ) {}

  /** 0 when this address may register now, else the seconds until its window resets. */
  hit(address: string): Promise<number> {
    return this.windows.hit(
      `seed-register:${address}`,
      this.config.SEED_REGISTER_RATE_PER_MINUTE,
      WINDOW_MS,
    );
  }
}
