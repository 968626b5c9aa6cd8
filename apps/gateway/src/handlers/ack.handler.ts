import { Inject, Injectable } from '@nestjs/common';
import { AckUpdate } from '@herald/protocol';
import { ChannelRepository } from '@herald/storage';
import { Logger, metrics } from '@herald/observability';
import { Connection } from '../connection/connection';
import { ConnectionRegistry } from '../connection/connection-registry';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { WebPushDelivery } from './webpush-delivery';

/** ack: record what the client has; when nothing is left pending, stop redelivery. */
@Injectable()
export class AckHandler {
  constructor(
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly channels: ChannelRepository,
    private readonly webpush: WebPushDelivery,
  ) {}

  async ack(conn: Connection, updates: AckUpdate[]): Promise<void> {
    if (conn.mode === 'webpush') return this.webpush.ack(conn, updates);
    try {
      const { acked, pending } = await this.channels.ack(conn.uaid as string, updates);
      metrics.acked.inc(acked);
      if (pending === 0) {
        conn.unackedSince = 0;
        this.registry.awaitingAck.delete(conn);
      }
    } catch (err) {
      // Not fatal: the version stays pending and is sent again (redelivery or next hello).
      this.log.warn({ err: (err as Error).message }, 'ack failed');
    }
  }
}
