import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import { MessageRepository, Router } from '@herald/storage';
import { MessageIdCodec, newMessageKey, PushOptions } from '@herald/webpush';
import { INGRESS_LOGGER } from '../ingress.tokens';

/** The longest Retry-After of a refused push: its client may come back any moment. */
const FULL_RETRY_AFTER_MAX_S = 60;

export type WebPushOutcome =
  | { kind: 'gone' }
  /**
   * WEBPUSH_MAX_MESSAGES_PER_UAID messages wait for the client: refused (429), to be retried
   * after `retryAfter` seconds — the first of them expires by then, or at most a minute.
   */
  | { kind: 'full'; retryAfter: number }
  | { kind: 'accepted'; id: string; result: 'routed' | 'stored' | 'dropped' | 'async' };

/**
 * A Web Push message: store it (unless its TTL is 0) and read the route in one script, then
 * publish it to the node holding the client. As for SimplePush, store before publish: a publish
 * that is lost is repaired by the client's next hello or by the retry worker.
 */
@Injectable()
export class WebPushNotifier {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(INGRESS_LOGGER) private readonly log: Logger,
    private readonly messages: MessageRepository,
    private readonly router: Router,
    private readonly ids: MessageIdCodec,
  ) {}

  async push(
    uaid: string,
    channelID: string,
    opts: PushOptions,
    body: Buffer,
    receipt: string | null,
    respondAsync: boolean,
  ): Promise<WebPushOutcome> {
    const ts = Date.now();
    const key = newMessageKey();
    const stored = await this.messages.store(
      uaid,
      {
        key,
        channelID,
        data: body.length ? body.toString('base64url') : '',
        headers: body.length && opts.headers ? { ...opts.headers } : null,
        ttl: opts.ttl,
        topic: opts.topic,
        urgency: opts.urgency,
        receipt,
      },
      this.config.WEBPUSH_MAX_MESSAGES_PER_UAID,
      ts,
    );
    if (stored.kind === 'gone') return stored;
    if (stored.kind === 'full') {
      metrics.webpushFull.inc();
      const ms = stored.retryAfterMs;
      const retryAfter = ms < 0 ? FULL_RETRY_AFTER_MAX_S : Math.ceil(ms / 1000);
      return {
        kind: 'full',
        retryAfter: Math.min(Math.max(retryAfter, 1), FULL_RETRY_AFTER_MAX_S),
      };
    }
    if (stored.kind === 'stored' && stored.replaced) metrics.webpushReplaced.inc();
    metrics.webpushPayloadBytes.observe(body.length);
    const id = this.ids.encode({ uaid, channelID, key });
    const route = async (): Promise<'routed' | 'stored' | 'dropped'> => {
      const offline = stored.kind === 'stored' ? 'stored' : 'dropped';
      if (!stored.route) return offline;
      const delivery = await this.router.deliver(uaid, stored.route, {
        t: 'push',
        uaid,
        epoch: stored.route.epoch,
        message: stored.message,
        ts,
      });
      return delivery === 'routed' ? 'routed' : offline;
    };
    if (respondAsync) {
      // RFC 8030 §5 with `Prefer: respond-async`: answer 202 once the message is accepted
      // (stored), and route it after the response.
      void route()
        .then((result) => metrics.webpushMessages.inc({ result }))
        .catch((err: Error) => this.log.warn({ err: err.message }, 'async routing failed'));
      return { kind: 'accepted', id, result: 'async' };
    }
    const result = await route();
    metrics.webpushMessages.inc({ result });
    return { kind: 'accepted', id, result };
  }
}
