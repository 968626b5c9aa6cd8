import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { NodeRepository } from './node.repository';
import { UserRepository } from './user.repository';

/**
 * A publish to a route's node reached nobody. Either the node is dead — its clients reconnect
 * elsewhere, and the route, if left, would send every later push into the void and hold back the
 * UDP wake-up — or the node is alive and its subscription is in a gap (a Redis reconnect, a Redis
 * Cluster failover moving its channel's shard): then its clients are still connected to it, and
 * it sends them what is pending as soon as its subscription is back. Clearing their routes then
 * would race that repair, so only a node whose heartbeat stopped (or that left) loses its routes.
 */
@Injectable()
export class StaleRoutes {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly nodes: NodeRepository,
    private readonly users: UserRepository,
  ) {}

  /** Clears the route (compare-and-delete on node and epoch) if its node is dead; true if cleared. */
  async unreachable(uaid: string, route: { nodeId: string; epoch: string }): Promise<boolean> {
    if (await this.nodes.isAlive(route.nodeId, this.config.NODE_DEAD_AFTER_MS)) return false;
    return this.users.releaseRoute(uaid, route.nodeId, route.epoch);
  }
}
