import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { ChannelRepository } from './channel.repository';
import type { Route } from './message.repository';
import type { NodeMessage } from './node-message';
import { NodeRepository } from './node.repository';
import { RouteBus } from './route-bus';
import { UserRepository } from './user.repository';

/**
 * What became of a message sent to a route: received by its node, or received by nobody — then
 * the route was `cleared` (its node is dead) or `kept` (its node is alive, its subscription in a
 * gap: it sends what is stored once the subscription is back).
 */
export type Delivery = 'routed' | 'kept' | 'cleared';

/** What became of a SimplePush version (`NotifyResult` with the routing settled). */
export type NotifyOutcome =
  | { kind: 'gone' }
  | { kind: 'stale' }
  | { kind: 'routed' }
  /** Stored for the client's resync; `wakeup` when the client is offline and gave an address. */
  | { kind: 'stored'; wakeup: string | null }
  | { kind: 'limited'; retryAfterMs: number };

/**
 * Sends to the node holding a client, and clears the route when that node is gone: the one place
 * that does, whether the publish happens in a script (single Redis) or here (Redis Cluster, or
 * a message stored first).
 *
 * A publish that reached nobody means either the node is dead — its clients reconnect
 * elsewhere, and the route, if left, would send every later push into the void and hold back the
 * UDP wake-up — or the node is alive and its subscription is in a gap (a Redis reconnect, a Redis
 * Cluster failover moving its channel's shard): then its clients are still connected to it, and
 * it sends them what is pending as soon as its subscription is back. Clearing their routes then
 * would race that repair, so only a node whose heartbeat stopped (or that left) loses its routes.
 */
@Injectable()
export class Router {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly nodes: NodeRepository,
    private readonly users: UserRepository,
    private readonly channels: ChannelRepository,
    private readonly bus: RouteBus,
  ) {}

  /** Publishes to the route's node; a publish nobody received has its route judged. */
  async deliver(uaid: string, route: Route, message: NodeMessage): Promise<Delivery> {
    if ((await this.bus.publish(route.nodeId, message)) > 0) return 'routed';
    return this.unreached(uaid, route);
  }

  /**
   * Stores a SimplePush version if newer (within the endpoint's rate window) and sends it to the
   * client's node. Store before publish: a lost publish is repaired by the client's resync.
   */
  async notify(
    uaid: string,
    channelID: string,
    version: string,
    ts: number,
    rate: { limit: number; windowMs: number },
  ): Promise<NotifyOutcome> {
    const r = await this.channels.notify(uaid, channelID, version, ts, rate);
    switch (r.kind) {
      case 'publish':
      case 'unreached': {
        const delivery =
          r.kind === 'publish'
            ? await this.deliver(uaid, r.route, {
                t: 'notify',
                uaid,
                epoch: r.route.epoch,
                update: { channelID, version },
                ts,
              })
            : await this.unreached(uaid, r.route);
        if (delivery === 'routed') return { kind: 'routed' };
        // Stored for the client's resync, or for the node's repair if it is alive and only its
        // subscription is in a gap (then the client is connected: no wake-up).
        return { kind: 'stored', wakeup: delivery === 'cleared' ? r.wakeup : null };
      }
      default:
        return r;
    }
  }

  /** Clears the route (compare-and-delete on node and epoch) if its node is dead. */
  private async unreached(uaid: string, route: Route): Promise<'kept' | 'cleared'> {
    if (await this.nodes.isAlive(route.nodeId, this.config.NODE_DEAD_AFTER_MS)) return 'kept';
    return (await this.users.releaseRoute(uaid, route.nodeId, route.epoch)) ? 'cleared' : 'kept';
  }
}
