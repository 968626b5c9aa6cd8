import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode, registerFailure, registerReply, unregisterReply } from '@herald/protocol';
import { ChannelRepository, MessageRepository } from '@herald/storage';
import { EndpointTokenCodec } from '@herald/tokens';
import { applicationServerKeyHash, decodeApplicationServerKey } from '@herald/webpush';
import { Logger, metrics } from '@herald/observability';
import { Connection } from '../connection/connection';
import { ConnectionRegistry } from '../connection/connection-registry';
import { fullBudget, take } from '../connection/rate-budget';
import { GATEWAY_LOGGER } from '../gateway.tokens';

/** register / unregister: channel ownership in Redis, endpoints as authenticated tokens. */
@Injectable()
export class RegisterHandler {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly channels: ChannelRepository,
    private readonly tokens: EndpointTokenCodec,
    private readonly messages: MessageRepository,
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
    const uaid = conn.uaid as string;
    let reply: string;
    // Web Push: an application server key binds the endpoint to it (/wpush/v2/).
    const appKey = conn.mode === 'webpush' && key !== null ? decodeApplicationServerKey(key) : null;
    if (conn.mode === 'webpush' && key !== null && !appKey) {
      metrics.registrations.inc({ status: '400' });
      this.registry.send(
        conn,
        registerFailure(conn.mode, channelID, 400, 'key must be a P-256 public key in base64url'),
      );
      return;
    }
    try {
      const result = await this.channels.register(
        uaid,
        channelID,
        this.config.MAX_CHANNELS_PER_UAID,
      );
      switch (result) {
        case 'ok':
          reply = registerReply(
            channelID,
            200,
            this.endpoint(conn, uaid, channelID, appKey, unifiedpush),
          );
          break;
        case 'conflict':
          reply = registerFailure(
            conn.mode,
            channelID,
            409,
            'channelID is registered by another UAID',
          );
          break;
        case 'limit':
          reply = registerFailure(
            conn.mode,
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
            registerFailure(conn.mode, channelID, 410, 'UAID unknown'),
          );
          return;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'register failed');
      reply = registerFailure(conn.mode, channelID, 500, 'internal error');
    }
    metrics.registrations.inc({ status: /"status":(\d+)/.exec(reply)?.[1] ?? '500' });
    this.registry.send(conn, reply);
  }

  /** REGISTER_RATE_PER_SECOND per connection, with ten seconds of burst. */
  private withinRate(conn: Connection): boolean {
    const now = Date.now();
    const rate = this.config.REGISTER_RATE_PER_SECOND;
    conn.registerBudget ??= fullBudget(rate * 10, now);
    return take(conn.registerBudget, now, rate, rate * 10);
  }

  private endpoint(
    conn: Connection,
    uaid: string,
    channelID: string,
    appKey: Buffer | null,
    unifiedpush: boolean,
  ) {
    const base = this.config.PUBLIC_URL;
    if (conn.mode === 'simplepush') {
      return `${base}/update/${this.tokens.encode({ kind: 'simplepush', uaid, channelID })}`;
    }
    // A UnifiedPush registration (Herald's distributor): a `/up/` endpoint, key-bound when the
    // app gave a VAPID key (the ingress then requires VAPID with that key there).
    const up = unifiedpush ? `${base}/up/` : null;
    if (!appKey) {
      if (up) return up + this.tokens.encode({ kind: 'unifiedpush', uaid, channelID });
      return `${base}/wpush/v1/${this.tokens.encode({ kind: 'webpush', uaid, channelID })}`;
    }
    const keyHash = applicationServerKeyHash(appKey);
    const token = this.tokens.encode({ kind: 'webpush-v2', uaid, channelID, keyHash });
    return up ? up + token : `${base}/wpush/v2/${token}`;
  }

  async unregister(conn: Connection, channelID: string, code: number | null = null): Promise<void> {
    try {
      await this.channels.unregister(conn.uaid as string, channelID);
      metrics.unregistrations.inc();
      if (conn.mode === 'webpush') {
        metrics.webpushUnregistrations.inc({ code: code === null ? 'none' : String(code) });
        await this.messages.dropChannel(conn.uaid as string, channelID);
      }
      this.registry.send(conn, unregisterReply(channelID, 200));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'unregister failed');
      this.registry.send(conn, unregisterReply(channelID, 500, 'internal error'));
    }
  }
}
