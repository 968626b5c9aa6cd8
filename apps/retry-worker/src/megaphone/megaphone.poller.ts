import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import { BroadcastRepository } from '@herald/storage';
import { WORKER_LOGGER } from '../worker.tokens';
import { MegaphoneClient, MegaphoneFailure } from './megaphone-client';
import { OutageLog } from './outage-log';

/**
 * Broadcast versions from a Megaphone service (autopush's source of them), when
 * MEGAPHONE_API_URL is set: every MEGAPHONE_POLL_INTERVAL_MS after the last poll ended, GET it and
 * store what changed through the BroadcastRepository, whose pub/sub reaches every gateway and so
 * every subscribed client — the same path as `PUT /admin/broadcasts`.
 *
 * Every worker polls: with several, each writes the same answer, and the repository writes and
 * publishes only versions that differ from Redis, so the second writer changes nothing and a
 * gateway that hears a change twice sends each client a version only once. Ids Megaphone stops
 * listing keep their last version (autopush never drops one either). A failed poll — Megaphone
 * down, non-2xx, a bad body, a timeout, Redis unavailable — is counted, logged without flooding,
 * keeps the last versions in Redis and is retried at the next tick; it never stops the worker.
 */
@Injectable()
export class MegaphonePoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly client: MegaphoneClient | null;
  private readonly outage: OutageLog;
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(WORKER_LOGGER) private readonly log: Logger,
    private readonly broadcasts: BroadcastRepository,
  ) {
    const { MEGAPHONE_API_URL: url, MEGAPHONE_API_TOKEN: token } = config;
    this.client = url && token ? new MegaphoneClient(url, token) : null;
    this.outage = new OutageLog(log, 'megaphone poll');
  }

  /**
   * The first poll is awaited, so once the worker says it listens, Redis holds what Megaphone
   * said (or Megaphone was found failing, within the client's timeout): a gateway started after
   * it begins with those versions. Unlike autopush, a failing Megaphone does not stop the start:
   * the versions of the last good poll are still in Redis.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.client) return;
    // Origin and path only: a query string may carry a secret.
    const url = new URL(this.config.MEGAPHONE_API_URL as string);
    this.log.info(
      { url: url.origin + url.pathname, intervalMs: this.config.MEGAPHONE_POLL_INTERVAL_MS },
      'polling megaphone for broadcasts',
    );
    await this.tick();
  }

  private tick(): Promise<void> {
    this.inFlight = this.poll()
      .catch((err: Error) => this.log.error({ err: err.message }, 'megaphone poll threw'))
      .finally(() => {
        this.inFlight = null;
        if (this.stop.signal.aborted) return;
        this.timer = setTimeout(() => void this.tick(), this.config.MEGAPHONE_POLL_INTERVAL_MS);
      });
    return this.inFlight;
  }

  private async poll(): Promise<void> {
    const answer = await (this.client as MegaphoneClient).poll(this.stop.signal);
    if (this.stop.signal.aborted) return;
    if (!answer.ok) return this.failed(answer.reason, answer.detail);
    let changed: Record<string, string>;
    try {
      changed = await this.broadcasts.set(answer.broadcasts);
    } catch (err) {
      return this.failed('storage', (err as Error).message);
    }
    metrics.megaphonePolls.inc({ result: 'ok' });
    metrics.megaphoneLastSuccess.set(Date.now() / 1000);
    this.outage.succeeded();
    const count = Object.keys(changed).length;
    if (count) {
      metrics.broadcastChanges.inc({ source: 'megaphone' }, count);
      this.log.info({ changed }, 'broadcast versions changed by megaphone');
    }
  }

  private failed(reason: MegaphoneFailure | 'storage', detail: string): void {
    if (this.stop.signal.aborted) return; // Redis closing under a shutdown is no outage
    metrics.megaphonePolls.inc({ result: reason });
    this.outage.failed(reason, detail);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }
}
