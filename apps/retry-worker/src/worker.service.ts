import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import { QUEUE_NAME, QUEUE_PREFIX, RedeliverJob, RedeliveryQueue } from '@herald/redelivery';
import { ChannelRepository, NodeRepository, RedisConnections } from '@herald/storage';
import { RedeliverProcessor } from './redeliver.processor';
import { WORKER_LOGGER } from './worker.tokens';

export const SWEEP_JOB = 'sweep-nodes';

/**
 * The BullMQ worker: redeliveries, and a repeating sweep of gateway nodes whose heartbeat stopped
 * and of channel ownership entries whose user expired (a few buckets a round).
 * It starts only once Redis answers (created with autorun off), and on stop finishes the job in
 * hand; jobs not yet taken stay in Redis for the next worker.
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker: Worker | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(WORKER_LOGGER) private readonly log: Logger,
    private readonly redis: RedisConnections,
    private readonly queue: RedeliveryQueue,
    private readonly nodes: NodeRepository,
    private readonly channels: ChannelRepository,
    private readonly redeliver: RedeliverProcessor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.ping();
    await this.queue.queue.upsertJobScheduler(
      SWEEP_JOB,
      { every: this.config.NODE_HEARTBEAT_MS * 2 },
      { name: SWEEP_JOB },
    );
    this.worker = new Worker(QUEUE_NAME, (job) => this.process(job), {
      connection: this.redis.queueConnection('worker'),
      prefix: QUEUE_PREFIX,
      concurrency: 50,
      autorun: false,
    });
    this.worker.on('failed', (job, err) =>
      this.log.warn({ job: job?.name, err: err.message }, 'job failed'),
    );
    this.worker.on('error', (err) => this.log.warn({ err: err.message }, 'worker error'));
    void this.worker.run();
  }

  private async process(job: Job): Promise<string | string[]> {
    if (job.name === SWEEP_JOB) {
      const dead = await this.nodes.sweepDead(this.config.NODE_DEAD_AFTER_MS);
      if (dead.length) {
        metrics.deadNodesSwept.inc(dead.length);
        this.log.info({ nodes: dead }, 'swept dead gateway nodes');
      }
      await this.sweepOwners();
      return dead;
    }
    return this.redeliver.process(job.data as RedeliverJob);
  }

  private async sweepOwners(): Promise<void> {
    if (this.config.CHANNEL_SWEEP_BUCKETS === 0) return;
    const removed = await this.channels.sweepOwners(this.config.CHANNEL_SWEEP_BUCKETS);
    if (removed) metrics.ownersSwept.inc(removed);
  }

  isRunning(): boolean {
    return Boolean(this.worker?.isRunning());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
