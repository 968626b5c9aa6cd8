import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import {
  AckUpdate,
  compareVersions,
  HelloFrame,
  helloReply,
  notificationBatch,
  redactUaid,
  registerReply,
  simplePushDialect,
  VersionUpdate,
} from '@herald/protocol';
import { ChannelRepository, HelloResult, NodeMessage } from '@herald/storage';
import { EndpointTokenCodec, pushEndpoint } from '@herald/tokens';
import { Logger, metrics } from '@herald/observability';
import { Connection } from '../../connection/connection';
import { ConnectionRegistry } from '../../connection/connection-registry';
import { GATEWAY_LOGGER } from '../../gateway.tokens';
import { GatewayProtocol } from '../gateway-protocol';

/**
 * SimplePush on this node: the latest version per channel, sent as one batch after hello, live
 * as the ingress routes them here, again when the retry worker finds them unacknowledged; acks
 * record what the client has. Its state lives in Redis (channel versions), none here.
 */
@Injectable()
export class SimplePushProtocol implements GatewayProtocol {
  readonly name = 'simplepush' as const;
  readonly dialect = simplePushDialect;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly channels: ChannelRepository,
    private readonly tokens: EndpointTokenCodec,
  ) {}

  helloChannels(frame: HelloFrame): string[] | null {
    return frame.channelIDs;
  }

  async afterHello(
    conn: Connection,
    _frame: HelloFrame,
    result: HelloResult,
    early: NodeMessage[],
  ): Promise<void> {
    this.registry.send(conn, helloReply({ uaid: result.uaid, status: 200 }));
    // Channels past MAX_CHANNELS_PER_UAID were not restored: answered as a register would be.
    for (const channelID of result.over) {
      metrics.registrations.inc({ status: '413' });
      this.registry.send(
        conn,
        registerReply(
          channelID,
          413,
          undefined,
          `at most ${this.config.MAX_CHANNELS_PER_UAID} channels per UAID`,
        ),
      );
    }
    const updates = mergeEarly(result.pending, early, conn.epoch);
    if (updates.length && this.registry.send(conn, notificationBatch(updates))) {
      metrics.delivered.inc({ path: 'resync' }, updates.length);
      this.registry.armRedelivery(conn, Date.now());
    }
    if (result.dropped.length || result.restored.length) {
      this.channels
        .settleReconcile(result.uaid, result.dropped, result.restored)
        .then((lost) => {
          if (lost.length)
            this.log.info(
              { uaid: redactUaid(result.uaid), lost: lost.length },
              'channels owned elsewhere were not restored',
            );
        })
        .catch((err: Error) => this.log.warn({ err: err.message }, 'reconcile settle failed'));
    }
  }

  /** Records what the client has; when nothing is left pending, stops redelivery. */
  async ack(conn: Connection, updates: AckUpdate[]): Promise<void> {
    try {
      const { acked, pending } = await this.channels.ack(conn.uaid as string, updates);
      metrics.acked.inc(acked);
      if (pending === 0) this.registry.settled(conn);
    } catch (err) {
      // Not fatal: the version stays pending and is sent again (redelivery or next hello).
      this.log.warn({ err: (err as Error).message }, 'ack failed');
    }
  }

  fromNode(conn: Connection, m: NodeMessage): void {
    if (m.t === 'notify') {
      const now = Date.now();
      if (this.registry.send(conn, notificationBatch([m.update]))) {
        metrics.delivered.inc({ path: 'live' });
        metrics.deliveryLatency.observe(Math.max(0, now - m.ts) / 1000);
        this.registry.armRedelivery(conn, now);
      }
    } else if (m.t === 'redeliver') {
      if (m.updates.length && this.registry.send(conn, notificationBatch(m.updates))) {
        metrics.delivered.inc({ path: 'redelivery' }, m.updates.length);
      }
    }
  }

  resume(conn: Connection, pending: VersionUpdate[]): Promise<void> {
    if (pending.length && this.registry.send(conn, notificationBatch(pending))) {
      metrics.delivered.inc({ path: 'resync' }, pending.length);
      this.registry.armRedelivery(conn, Date.now());
    }
    return Promise.resolve();
  }

  endpoint(uaid: string, channelID: string): string {
    const token = this.tokens.encode({ kind: 'simplepush', uaid, channelID });
    return pushEndpoint(this.config.PUBLIC_URL, 'simplepush', token);
  }

  unregistered(): Promise<void> {
    return Promise.resolve();
  }
}

/** Pending versions plus notifications that arrived during hello, newest per channel. */
function mergeEarly(
  pending: VersionUpdate[],
  early: NodeMessage[],
  epoch: string,
): VersionUpdate[] {
  if (!early.length) return pending;
  const latest = new Map(pending.map((u) => [u.channelID, u.version]));
  for (const m of early) {
    if (m.t !== 'notify' || m.epoch !== epoch) continue;
    const have = latest.get(m.update.channelID);
    if (have === undefined || compareVersions(m.update.version, have) > 0)
      latest.set(m.update.channelID, m.update.version);
  }
  return [...latest].map(([channelID, version]) => ({ channelID, version }));
}
