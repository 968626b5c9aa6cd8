import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { RedisConnections } from '@herald/storage';

/** One queue for all of the retry worker's jobs. The prefix is a hash tag: one Cluster slot. */
export const QUEUE_NAME = 'redelivery';
export const QUEUE_PREFIX = '{herald}';

export interface RedeliverJob {
  uaid: string;
  epoch: string;
  /** 1 for the first redelivery. */
  attempt: number;
}

/** Exponential backoff after the first redelivery: base · 2^(attempt−1), capped. */
export function redeliveryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function redeliverJobId(job: RedeliverJob): string {
  // BullMQ ids may not contain ':'; one id per connection and attempt makes adds idempotent.
  return `rd.${job.uaid}.${job.epoch}.${job.attempt}`;
}

/** The producer side, used by gateways (first redelivery) and by the worker (the next ones). */
@Injectable()
export class RedeliveryQueue implements OnApplicationShutdown {
  readonly queue: Queue;

  constructor(
    redis: RedisConnections,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
  ) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: redis.queueConnection('redelivery-producer'),
      prefix: QUEUE_PREFIX,
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: 1000,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      },
    });
  }

  async schedule(jobs: RedeliverJob[], delayMs = 0): Promise<void> {
    if (!jobs.length) return;
    await this.queue.addBulk(
      jobs.map((data) => ({
        name: 'redeliver',
        data,
        opts: { jobId: redeliverJobId(data), delay: delayMs },
      })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
