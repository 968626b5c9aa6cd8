import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import { BroadcastRepository } from '@herald/storage';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { BroadcastService } from '../handlers/broadcast.service';
import { MegaphoneClient, MegaphoneFailure } from './megaphone-client';
import { OutageLog } from './outage-log';

/** The longest a hello waits for a Megaphone poll in flight (its answer is usually ms away). */
const HELLO_WAIT_MS = 100;

/**
 * Broadcast versions from a Megaphone service (autopush's source of them), when
 * MEGAPHONE_API_URL is set: every MEGAPHONE_POLL_INTERVAL_MS after the last poll ended, GET it,
 * apply what changed to this node's clients at once, and store it through the BroadcastRepository,
 * whose pub/sub reaches the other gateways — the same path as `PUT /admin/broadcasts`.
 *
 * Each gateway polls, as each autopush connection node does, so a hello that follows a poll sees
 * its answer without waiting for Redis and pub/sub (autopush's own tests hello right after a poll
 * reached Megaphone). Several pollers write the same answer: the repository writes and publishes
 * only versions that differ from Redis, so the others change nothing, and a gateway that hears a
 * change twice sends each client a version once. Ids Megaphone stops listing keep their last
 * version (autopush never drops one either). A failed poll — Megaphone down, non-2xx, a bad body,
 * a timeout, Redis unavailable — is counted, logged without flooding, keeps the last versions and
 * is retried at the next tick; it never stops the gateway.
 */
@Injectable()
export class MegaphonePoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly client: MegaphoneClient | null;
  private readonly outage: OutageLog;
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  /** The poll in flight, until its answer is applied here (the Redis write may still run). */
  private applying: Promise<void> | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly repository: BroadcastRepository,
    private readonly broadcasts: BroadcastService,
  ) {
    const { MEGAPHONE_API_URL: url, MEGAPHONE_API_TOKEN: token } = config;
    this.client = url && token ? new MegaphoneClient(url, token) : null;
    this.outage = new OutageLog(log, 'megaphone poll');
  }

  /**
   * The first poll is awaited, so a gateway that says it listens already has what Megaphone said
   * (or found it failing, within the client's timeout). Unlike autopush, a failing Megaphone does
   * not stop the start: the versions of the last good poll are in Redis.
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

  /**
   * Resolves once the poll in flight, if any, has applied its answer here — or after at most
   * 100 ms: a hello that carries broadcasts waits for it, so a client that connects while
   * Megaphone is answering is told the new versions in its hello reply, not in a frame after it.
   */
  settled(): Promise<void> {
    if (!this.applying) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => (timer = setTimeout(r, HELLO_WAIT_MS)));
    return Promise.race([this.applying, limit]).finally(() => clearTimeout(timer));
  }

  private async tick(): Promise<void> {
    try {
      await this.poll();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'megaphone poll threw');
    }
    if (this.stop.signal.aborted) return;
    this.timer = setTimeout(() => void this.tick(), this.config.MEGAPHONE_POLL_INTERVAL_MS);
  }

  private async poll(): Promise<void> {
    let applied!: () => void;
    this.applying = new Promise((r) => (applied = r));
    let versions: Record<string, string>;
    try {
      const answer = await (this.client as MegaphoneClient).poll(this.stop.signal);
      if (this.stop.signal.aborted) return;
      if (!answer.ok) return this.failed(answer.reason, answer.detail);
      versions = answer.broadcasts;
      this.broadcasts.apply(versions);
    } finally {
      this.applying = null;
      applied();
    }
    let changed: Record<string, string>;
    try {
      changed = await this.repository.set(versions);
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
    await this.applying;
  }
}
