import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import {
  ChannelRepository,
  MessageRepository,
  NodeMessage,
  Route,
  RouteBus,
  StaleRoutes,
} from '@herald/storage';
import { MessageIdCodec, newMessageKey, PushOptions } from '@herald/webpush';
import { INGRESS_LOGGER } from '../ingress.tokens';

export type PushOutcome =
  | { kind: 'gone' }
  | { kind: 'accepted'; id: string; result: 'routed' | 'stored' | 'dropped' | 'async' };

/**
 * A Web Push message: store it (unless its TTL is 0) and read the route in one script, then
 * publish it to the node holding the client. As for SimplePush, store before publish: a publish
 * that is lost is repaired by the client's next hello or by the retry worker.
 */
@Injectable()
export class WebPushPushService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(INGRESS_LOGGER) private readonly log: Logger,
    private readonly messages: MessageRepository,
    private readonly staleRoutes: StaleRoutes,
    private readonly bus: RouteBus,
    private readonly channels: ChannelRepository,
    private readonly ids: MessageIdCodec,
  ) {}

  async push(
    uaid: string,
    channelID: string,
    opts: PushOptions,
    body: Buffer,
    receipt: string | null,
    respondAsync: boolean,
  ): Promise<PushOutcome> {
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
    if (stored.kind === 'reset') {
      await this.reset(uaid, stored.route, stored.channelIDs, stored.dropped);
      return { kind: 'gone' };
    }
    if (stored.kind === 'stored' && stored.replaced) metrics.webpushReplaced.inc();
    metrics.webpushPayloadBytes.observe(body.length);
    const id = this.ids.encode({ uaid, channelID, key });
    const route = async (): Promise<'routed' | 'stored' | 'dropped'> => {
      const offline = stored.kind === 'stored' ? 'stored' : 'dropped';
      if (!stored.route) return offline;
      const m: NodeMessage = {
        t: 'push',
        uaid,
        epoch: stored.route.epoch,
        message: stored.message,
        ts,
      };
      if ((await this.bus.publish(stored.route.nodeId, m)) > 0) return 'routed';
      // Nobody listens on that node's channel: the node is gone (its route is cleared), or its
      // subscription is in a gap and it sends what is stored once it is back.
      await this.staleRoutes.unreachable(uaid, stored.route);
      return offline;
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

  /**
   * The user held WEBPUSH_MAX_MESSAGES_PER_UAID messages and is gone with them (autopush's reset):
   * its channel IDs are released, and a connected client is closed so that its next hello gets a
   * new UAID and it re-subscribes. The push that went over is answered 410, as every later one.
   */
  private async reset(
    uaid: string,
    route: Route | null,
    channelIDs: string[],
    dropped: number,
  ): Promise<void> {
    metrics.webpushResets.inc();
    this.log.warn({ uaid: uaid.slice(0, 8), dropped }, 'too many stored messages: UAID reset');
    await this.channels.releaseOwners(uaid, channelIDs);
    if (route) await this.bus.publish(route.nodeId, { t: 'kick', uaid, epoch: route.epoch });
  }
}
