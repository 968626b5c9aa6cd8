import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import { Router, UserRepository } from '@herald/storage';
import { WakeupPolicy, WakeupSender } from '@herald/wakeup';
import { INGRESS_LOGGER } from '../ingress.tokens';

/** What became of a PUT: the controller turns it into HTTP. */
export type SimplePushOutcome =
  /** Sent to the live gateway holding the client, stored for later, or not newer than stored. */
  | { kind: 'accepted'; result: 'routed' | 'stored' | 'stale' }
  | { kind: 'gone' }
  /** The endpoint is over its rate limit for this window. */
  | { kind: 'limited'; retryAfterSeconds: number };

/**
 * A new SimplePush version: store it (only if newer), then route it to the node holding the
 * client. Store before publish: a lost publish is repaired by the client's resync, never lost.
 */
@Injectable()
export class SimplePushNotifier {
  private readonly sender = new WakeupSender();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(INGRESS_LOGGER) private readonly log: Logger,
    private readonly router: Router,
    private readonly users: UserRepository,
    private readonly wakeupPolicy: WakeupPolicy,
  ) {}

  async notify(uaid: string, channelID: string, version: string): Promise<SimplePushOutcome> {
    const r = await this.router.notify(uaid, channelID, version, Date.now(), {
      limit: this.config.SIMPLEPUSH_RATE_LIMIT_PER_MINUTE,
      windowMs: 60_000,
    });
    switch (r.kind) {
      case 'limited':
        return {
          kind: 'limited',
          retryAfterSeconds: Math.max(1, Math.ceil(r.retryAfterMs / 1000)),
        };
      case 'stored':
        if (r.wakeup) await this.wake(uaid, r.wakeup);
        return { kind: 'accepted', result: 'stored' };
      case 'gone':
        return r;
      default:
        return { kind: 'accepted', result: r.kind };
    }
  }

  /** A disconnected SimplePush phone that gave a wake-up address gets one UDP datagram. */
  private async wake(uaid: string, address: string): Promise<void> {
    const target = this.wakeupPolicy.parse(address);
    if (!target) {
      metrics.wakeups.inc({ result: 'not_allowed' });
      return;
    }
    if (!(await this.users.takeWakeupSlot(uaid, this.config.WAKEUP_MIN_INTERVAL_MS))) {
      metrics.wakeups.inc({ result: 'rate_limited' });
      return;
    }
    try {
      await this.sender.send(target.ip, target.port);
      metrics.wakeups.inc({ result: 'sent' });
    } catch (err) {
      metrics.wakeups.inc({ result: 'error' });
      this.log.warn({ err: (err as Error).message }, 'wake-up failed');
    }
  }
}
