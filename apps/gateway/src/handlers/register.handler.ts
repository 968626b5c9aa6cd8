import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode, registerReply, unregisterReply } from '@herald/protocol';
import { ChannelRepository } from '@herald/storage';
import { Logger, metrics } from '@herald/observability';
import { Connection } from '../connection/connection';
import { ConnectionRegistry } from '../connection/connection-registry';
import { fullBudget, take } from '../connection/rate-budget';
import { GATEWAY_LOGGER } from '../gateway.tokens';

/**
 * register / unregister: channel ownership in Redis, endpoints as authenticated tokens (each
 * protocol builds its own endpoint and failure frame).
 */
@Injectable()
export class RegisterHandler {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly channels: ChannelRepository,
  ) {}

  async register(
    conn: Connection,
    channelID: string,
    key: string | null = null,
    unifiedpush = false,
  ): Promise<void> {
    if (!this.withinRate(conn)) {
      metrics.registrations.inc({ status: '429' });
      this.registry.send(conn, registerReply(channelID, 429, undefined, 'too many registrations'));
      return;
    }
    // No closure per register: it would live across the Redis round trip (and be promoted).
    const dialect = conn.speaks.dialect;
    const protocol = conn.speaks;
    const uaid = conn.uaid as string;
    // Web Push: an application server key binds the endpoint to it; a bad key is refused first.
    const endpoint = protocol.endpoint(uaid, channelID, key, unifiedpush);
    if (endpoint === null) {
      metrics.registrations.inc({ status: '400' });
      this.registry.send(
        conn,
        dialect.registerFailure(channelID, 400, 'key must be a P-256 public key in base64url'),
      );
      return;
    }
    let status: number;
    let reply: string;
    try {
      const result = await this.channels.register(
        uaid,
        channelID,
        this.config.MAX_CHANNELS_PER_UAID,
      );
      switch (result) {
        case 'ok':
          status = 200;
          reply = registerReply(channelID, 200, endpoint);
          break;
        case 'conflict':
          status = 409;
          reply = dialect.registerFailure(
            channelID,
            409,
            'channelID is registered by another UAID',
          );
          break;
        case 'limit':
          status = 413;
          reply = dialect.registerFailure(
            channelID,
            413,
            `at most ${this.config.MAX_CHANNELS_PER_UAID} channels per UAID`,
          );
          break;
        case 'unknown-user':
          // The server lost this UAID: reconnecting gets a new one, and the client re-registers.
          metrics.registrations.inc({ status: '410' });
          this.registry.close(
            conn,
            CloseCode.TRY_AGAIN_LATER,
            'UAID lost, reconnect',
            dialect.registerFailure(channelID, 410, 'UAID unknown'),
          );
          return;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'register failed');
      status = 500;
      reply = dialect.registerFailure(channelID, 500, 'internal error');
    }
    metrics.registrations.inc({ status: String(status) });
    this.registry.send(conn, reply);
  }

  /** REGISTER_RATE_PER_SECOND per connection, with ten seconds of burst. */
  private withinRate(conn: Connection): boolean {
    const now = Date.now();
    const rate = this.config.REGISTER_RATE_PER_SECOND;
    conn.registerBudget ??= fullBudget(rate * 10, now);
    return take(conn.registerBudget, now, rate, rate * 10);
  }

  async unregister(conn: Connection, channelID: string, code: number | null = null): Promise<void> {
    try {
      await this.channels.unregister(conn.uaid as string, channelID);
      metrics.unregistrations.inc();
      await conn.speaks.unregistered(conn, channelID, code);
      this.registry.send(conn, unregisterReply(channelID, 200));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'unregister failed');
      this.registry.send(conn, unregisterReply(channelID, 500, 'internal error'));
    }
  }
}
