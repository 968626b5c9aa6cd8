import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode } from '@herald/protocol';
import { Logger, Readiness } from '@herald/observability';
import { ConnectionRegistry } from './connection/connection-registry';
import { ConnectionAcceptor } from './connection/connection-acceptor';
import { NodeMembership } from './node/node-membership.service';
import { SeedStreamRegistry } from './seed/seed-stream.registry';
import { GATEWAY_LOGGER } from './gateway.tokens';

/**
 * Rolling deploys: turn unready, turn new sockets away, close the held ones in batches spread
 * over most of the drain time (with jitter, so the fleet is not hit by a thundering herd), then
 * leave the cluster. Nothing is lost: every version is in Redis and each client resyncs on the
 * gateway it reconnects to.
 */
@Injectable()
export class DrainService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly readiness: Readiness,
    private readonly registry: ConnectionRegistry,
    private readonly connections: ConnectionAcceptor,
    private readonly streams: SeedStreamRegistry,
    private readonly membership: NodeMembership,
  ) {}

  async drain(): Promise<void> {
    this.readiness.draining = true;
    this.connections.draining = true;
    const conns = [...this.registry.all];
    const batch = this.config.DRAIN_BATCH_SIZE;
    const batches = Math.ceil(conns.length / batch);
    const spread = this.config.DRAIN_TIMEOUT_MS * 0.7;
    const gap = batches > 1 ? spread / batches : 0;
    this.log.info({ connections: conns.length, batches, gapMs: Math.round(gap) }, 'draining');
    for (let i = 0; i < conns.length; i += batch) {
      for (const conn of conns.slice(i, i + batch)) {
        this.registry.close(conn, CloseCode.GOING_AWAY, 'node draining');
      }
      if (gap) await sleep(gap * (0.5 + Math.random()));
    }
    // Seed streams end last: their distributors reconnect at once, to another gateway.
    this.streams.closeAll();
    await this.membership.leave();
    this.log.info('drained');
  }
}
