import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode } from '@herald/protocol';
import { Logger, metrics } from '@herald/observability';
import { NodeMessage, NodeRepository, RouteBus, UserRepository } from '@herald/storage';
import { ConnectionRegistry } from '../connection/connection-registry';
import { GATEWAY_LOGGER } from '../gateway.tokens';

/**
 * This node's link to the cluster: its pub/sub channel (notifications, kicks, redeliveries for
 * the clients it holds) and its heartbeat in the node registry.
 */
@Injectable()
export class NodeLinkService implements OnApplicationBootstrap, OnApplicationShutdown {
  private heartbeat: NodeJS.Timeout | null = null;
  private generation: string | null = null;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly bus: RouteBus,
    private readonly nodes: NodeRepository,
    private readonly users: UserRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.listen(
      this.config.NODE_ID,
      (m) => this.deliver(m),
      () => void this.repairRoutes(),
    );
    await this.beat();
    this.heartbeat = setInterval(() => {
      this.beat().catch((err: Error) => this.log.warn({ err: err.message }, 'heartbeat failed'));
      // Also the safety net for a subscription gap no Redis event announced.
      this.bus.verify().catch(() => undefined);
    }, this.config.NODE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Our subscription was down for a while (Redis restarted, the link broke, a Redis Cluster
   * failover moved our channel's shard): what PUTs published in that gap reached nobody, and the
   * versions wait in Redis for a resync that will never come, since the clients are still
   * connected here. Put every route back (a PUT may have judged this node dead) and send what is
   * pending.
   */
  async repairRoutes(): Promise<void> {
    let repaired = 0;
    for (const conn of [...this.registry.all]) {
      if (!conn.helloDone || !conn.epoch || conn.closed || conn.early) continue;
      try {
        const pending = await this.users.reclaimRoute(
          conn.uaid as string,
          this.config.NODE_ID,
          conn.epoch,
        );
        if (pending === null) {
          this.registry.close(conn, CloseCode.REPLACED, 'replaced by a newer connection');
          continue;
        }
        await conn.speaks.resume(conn, pending);
        repaired++;
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'route repair failed');
        return;
      }
    }
    this.log.info({ repaired }, 'node subscription restored: routes repaired');
  }

  /** Heartbeat, and the check that Redis still holds the data our clients' state is in. */
  private async beat(): Promise<void> {
    await this.nodes.heartbeat(this.config.NODE_ID);
    const current = await this.nodes.generation(randomUUID());
    if (this.generation && current !== this.generation) this.stateLost();
    this.generation = current;
  }

  /**
   * Redis lost its data: every UAID our clients hold is unknown now. Close every socket that said
   * hello (one that did so after the loss merely reconnects with its new, valid UAID); each
   * reconnects, is given a new UAID and re-registers (Thialfi's client-driven recovery).
   * Application servers get 410 for the old endpoints meanwhile.
   */
  private stateLost(): void {
    metrics.stateLost.inc();
    let closed = 0;
    for (const conn of this.registry.all) {
      if (conn.helloDone) {
        this.registry.close(conn, CloseCode.TRY_AGAIN_LATER, 'server state lost, reconnect');
        closed++;
      }
    }
    this.log.error({ closed }, 'Redis lost its data: clients told to reconnect and re-register');
  }

  deliver(m: NodeMessage): void {
    const conn = this.registry.find(m.uaid);
    if (!conn || conn.closed) return;
    if (conn.early) {
      conn.early.push(m); // hello in flight: the hello handler merges these after its reply
      return;
    }
    if (m.epoch !== conn.epoch) return; // for another connection of this UAID
    if (m.t === 'kick') {
      metrics.ghostsClosed.inc();
      this.registry.close(conn, CloseCode.REPLACED, 'replaced by a newer connection');
      return;
    }
    conn.protocol?.fromNode(conn, m);
  }

  /** Leaves the cluster: no more messages, and the registry no longer lists this node. */
  async leave(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.bus.stop();
    await this.nodes.remove(this.config.NODE_ID).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leave();
  }
}
