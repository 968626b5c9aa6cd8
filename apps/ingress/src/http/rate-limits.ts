import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { RateWindowRepository } from '@herald/storage';
import { Errno, sendPushError } from './push-error';
import type { PushReply } from './push-http';

/** What a limit counts by, as the `by` label of herald_rate_limited_total says it. */
export type LimitedBy = 'vapid' | 'ip' | 'endpoint';

const MINUTE_MS = 60_000;

/**
 * The ingress's rate limits, counted in Redis across every replica (RateWindowRepository). Each
 * answers 0 when the request may go ahead, else the seconds until its window resets. They fail
 * open: a Redis hiccup on a counter is no reason to refuse, and the store that follows reports an
 * outage if there is one.
 */
@Injectable()
export class RateLimits {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly windows: RateWindowRepository,
  ) {}

  /**
   * Web Push per sender: the VAPID key when the push is signed, else the client address. autopush
   * has none; an abusive sender gets 429 instead of filling users' message stores.
   */
  sender(sender: string): Promise<number> {
    return this.hit(sender, this.config.PUSH_RATE_LIMIT, this.config.PUSH_RATE_WINDOW_MS);
  }

  /**
   * Web Push per subscription, in addition to the per-sender limit: a sender that signs each push
   * with a fresh VAPID key is a new sender every time, but not a new subscription.
   */
  subscription(uaid: string, channelID: string): Promise<number> {
    return this.hit(
      `wp:${uaid}:${channelID}`,
      this.config.WEBPUSH_RATE_LIMIT_PER_MINUTE,
      MINUTE_MS,
    );
  }

  /**
   * UnifiedPush per endpoint, not per host (SERV_1.2.0 §429). (SimplePush's per-endpoint limit is
   * counted inside the NOTIFY script, to keep a PUT one round trip.)
   */
  endpoint(channelID: string): Promise<number> {
    return this.hit(`up:${channelID}`, this.config.UP_RATE_LIMIT_PER_MINUTE, MINUTE_MS);
  }

  private async hit(subject: string, limit: number, windowMs: number): Promise<number> {
    try {
      return await this.windows.hit(subject, limit, windowMs);
    } catch {
      return 0;
    }
  }
}

/** 429 with Retry-After, in the push error shape, counted by what was limited. */
export function sendRateLimited<R extends PushReply>(
  reply: R,
  retryAfterSeconds: number,
  by: LimitedBy,
  message: string,
): R {
  metrics.rateLimited.inc({ by });
  reply.header('Retry-After', String(retryAfterSeconds));
  return sendPushError(reply, 429, Errno.RATE_LIMITED, message);
}
