import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { Logger, metrics } from '@herald/observability';
import { NodeMessage, NodeRepository, RouteBus, UserRepository } from '@herald/storage';
import { WebSocketClients } from '../connection/websocket-clients';
import { SeedStreamRegistry } from '../seed/seed-stream.registry';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { ClientHolder } from './client-holder';

/**
 * This node's membership of the cluster, for every client it holds whatever the transport
 * (WebSockets and seed streams share one node id and one channel): the pub/sub channel
 * (notifications, kicks, redeliveries), the heartbeat in the node registry, the probe of our own
 * subscription and the repair after a gap, the idle-expiry refresh of held users, and leaving.
 */
@Injectable()
export class NodeMembership implements OnApplicationBootstrap, OnApplicationShutdown {
  private heartbeat: NodeJS.Timeout | null = null;
  private generation: string | null = null;
  private lastTouch = Date.now();
  private readonly holders: readonly ClientHolder[];

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly bus: RouteBus,
    private readonly nodes: NodeRepository,
    private readonly users: UserRepository,
    sockets: WebSocketClients,
    streams: SeedStreamRegistry,
  ) {
    this.holders = [sockets, streams];
  }

  get nodeId(): string {
    return this.config.NODE_ID;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.listen(
      this.nodeId,
      (m) => this.deliver(m),
      () => void this.repair(),
    );
    await this.beat();
    this.heartbeat = setInterval(() => {
      this.beat().catch((err: Error) => this.log.warn({ err: err.message }, 'heartbeat failed'));
      // Also the safety net for a subscription gap no Redis event announced.
      this.bus.verify().catch(() => undefined);
    }, this.config.NODE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** A message from the node channel, to whichever holder has its UAID. */
  deliver(m: NodeMessage): void {
    for (const h of this.holders) if (h.deliver(m)) return;
  }

  /**
   * Our subscription was down for a while (Redis restarted, the link broke, a Redis Cluster
   * failover moved our channel's shard): what pushes published in that gap reached nobody, and
   * the messages wait in Redis for a resync that will never come, since the clients are still
   * connected here. Every holder puts its routes back and sends what is pending.
   */
  async repair(): Promise<void> {
    let repaired = 0;
    try {
      for (const h of this.holders) repaired += await h.repair();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'route repair failed');
      return;
    }
    this.log.info({ repaired }, 'node subscription restored: routes repaired');
  }

  /**
   * A client held for longer than USER_IDLE_TTL_SECONDS is not idle: set its user's expiry
   * again. A user gone meanwhile (reset, or expired during a Redis outage) is told to its client.
   * Called on the gateway's timer wheel; works at most every half refresh period.
   */
  touchHeld(now: number): void {
    const every = this.users.touchEveryMs;
    if (!every || now - this.lastTouch < Math.min(every / 2, 60_000)) return;
    this.lastTouch = now;
    for (const h of this.holders) {
      for (const held of h.touchDue(now, every)) {
        this.users.touch(held.uaid).then(
          (alive) => {
            if (!alive) held.gone();
          },
          (err: Error) => this.log.debug({ err: err.message }, 'idle expiry refresh failed'),
        );
      }
    }
  }

  /** Heartbeat, and the check that Redis still holds the data our clients' state is in. */
  private async beat(): Promise<void> {
    await this.nodes.heartbeat(this.nodeId);
    const current = await this.nodes.generation(randomUUID());
    if (this.generation && current !== this.generation) this.stateLost();
    this.generation = current;
  }

  /**
   * Redis lost its data: every UAID our clients hold is unknown now. Each holder tells its
   * clients to reconnect; each is given a new UAID and re-registers (Thialfi's client-driven
   * recovery). Application servers get 410 for the old endpoints meanwhile.
   */
  private stateLost(): void {
    metrics.stateLost.inc();
    let closed = 0;
    for (const h of this.holders) closed += h.stateLost();
    this.log.error({ closed }, 'Redis lost its data: clients told to reconnect and re-register');
  }

  /** Leaves the cluster: no more messages, and the registry no longer lists this node. */
  async leave(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.bus.stop();
    await this.nodes.remove(this.nodeId).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leave();
  }
}
