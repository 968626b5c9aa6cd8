import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { RedeliverJob, RedeliveryQueue, redeliveryDelay } from '@herald/redelivery';
import { ChannelRepository, MessageRepository, NodeMessage, Router } from '@herald/storage';

export type RedeliverOutcome = 'moved' | 'acked' | 'sent' | 'node-gone' | 'gave-up';

/**
 * One redelivery attempt for one connection: if the client is still on that connection and has
 * unacknowledged versions, send them again through its node and schedule the next attempt with
 * backoff. Redis is read at the time of the attempt, so nothing acked is ever redelivered.
 */
@Injectable()
export class RedeliverProcessor {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly channels: ChannelRepository,
    private readonly router: Router,
    private readonly queue: RedeliveryQueue,
    private readonly messages: MessageRepository,
  ) {}

  async process(job: RedeliverJob): Promise<RedeliverOutcome> {
    const { route, pending } = await this.channels.readPending(job.uaid);
    // Reconnected (a new epoch) or disconnected: its hello resync covers whatever is pending.
    if (!route || route.epoch !== job.epoch) return 'moved';
    let message: NodeMessage;
    let count: number;
    if (pending.length) {
      message = { t: 'redeliver', uaid: job.uaid, epoch: job.epoch, updates: pending };
      count = pending.length;
    } else {
      // A Web Push client keeps messages, not versions: its oldest unacked ones still within
      // their TTL (expired ones are gone from Redis, and the gateway checks again on sending).
      const now = Date.now();
      const { messages } = await this.messages.read(job.uaid, 0, this.config.WEBPUSH_BATCH_SIZE);
      const live = messages.filter((m) => now < m.exp);
      if (!live.length) return 'acked';
      message = { t: 'repush', uaid: job.uaid, epoch: job.epoch, messages: live };
      count = live.length;
    }
    // Received by nobody: a dead node's route is cleared; a live node in a subscription gap sends
    // what is pending itself once its subscription is back.
    if ((await this.router.deliver(job.uaid, route, message)) !== 'routed') return 'node-gone';
    metrics.redelivered.inc(count);
    if (job.attempt >= this.config.REDELIVERY_MAX_ATTEMPTS) {
      // A client that never acks: stop here. The versions stay stored and are sent again on its
      // next hello, so the guarantee holds without retrying forever.
      return 'gave-up';
    }
    const next = { ...job, attempt: job.attempt + 1 };
    await this.queue.schedule(
      [next],
      redeliveryDelay(
        next.attempt,
        this.config.REDELIVERY_DELAY_MS,
        this.config.REDELIVERY_MAX_DELAY_MS,
      ),
    );
    return 'sent';
  }
}
