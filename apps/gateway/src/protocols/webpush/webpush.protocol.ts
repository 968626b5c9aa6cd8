import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import {
  AckUpdate,
  HelloFrame,
  helloReply,
  webPushDialect,
  webpushNotification,
} from '@herald/protocol';
import { Logger, metrics } from '@herald/observability';
import { HelloResult, MessageRepository, NodeMessage, StoredMessage } from '@herald/storage';
import { EndpointTokenCodec, pushEndpoint } from '@herald/tokens';
import {
  applicationServerKeyHash,
  decodeApplicationServerKey,
  MessageIdCodec,
} from '@herald/webpush';
import { Connection } from '../../connection/connection';
import { ConnectionRegistry } from '../../connection/connection-registry';
import { GATEWAY_LOGGER } from '../../gateway.tokens';
import { BroadcastService } from '../../handlers/broadcast.service';
import { GatewayProtocol } from '../gateway-protocol';

/** Per Web Push connection: how far stored messages were read, and what awaits an ack. */
interface DeliveryState {
  /** Highest arrival sequence read from the store. */
  cursor: number;
  /** Keys sent and not yet acked on this connection. */
  inflight: Set<string>;
  /** The last read filled a batch: more may be stored. */
  more: boolean;
}

const ACK_CODES = new Set([100, 101, 102]);

/**
 * Web Push (as Firefox and autopush's clients speak it, UnifiedPush over WebSocket included) on
 * this node: stored messages after hello in batches (the next after the acks of the last, as
 * autopush does), live ones as they are routed here, redeliveries from the retry worker; acks
 * delete them. A message whose TTL ran out is never sent. Holds each connection's read cursor
 * and messages in flight.
 */
@Injectable()
export class WebPushProtocol implements GatewayProtocol {
  readonly name = 'webpush' as const;
  readonly dialect = webPushDialect;
  private readonly state = new WeakMap<Connection, DeliveryState>();

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly messages: MessageRepository,
    private readonly ids: MessageIdCodec,
    private readonly tokens: EndpointTokenCodec,
    private readonly broadcasts: BroadcastService,
  ) {}

  /** Web Push's hello carries no channel list: its channels are only what was registered. */
  helloChannels(): null {
    return null;
  }

  /**
   * The hello reply (with the followed broadcasts that changed), the first stored batch, then
   * what was routed here during hello.
   */
  async afterHello(
    conn: Connection,
    frame: HelloFrame,
    result: HelloResult,
    early: NodeMessage[],
  ): Promise<void> {
    const b = this.broadcasts.subscribe(conn, frame.broadcasts ?? {});
    const broadcasts = Object.keys(b.errors).length
      ? { ...b.changed, errors: b.errors }
      : b.changed;
    this.registry.send(
      conn,
      helloReply({ uaid: result.uaid, status: 200, useWebpush: true, broadcasts }),
    );
    if (frame.broadcasts) metrics.broadcastsSent.inc({ path: 'hello' });
    const st: DeliveryState = { cursor: 0, inflight: new Set(), more: false };
    this.state.set(conn, st);
    await this.nextBatch(conn, st);
    for (const m of early) {
      if (m.epoch === conn.epoch) this.fromNode(conn, m);
    }
  }

  /** After this node's subscription came back: send what was stored meanwhile (read here). */
  async resume(conn: Connection): Promise<void> {
    const st = this.state.get(conn);
    if (st && !st.inflight.size) await this.nextBatch(conn, st);
  }

  /** A node message for a Web Push connection ('push' or 'repush'). */
  fromNode(conn: Connection, m: NodeMessage): void {
    const st = this.state.get(conn);
    if (!st) return;
    const now = Date.now();
    if (m.t === 'push') {
      if (st.inflight.has(m.message.key) || !deliverable(m.message, now)) return;
      if (this.send(conn, st, m.message)) {
        metrics.delivered.inc({ path: 'live' });
        metrics.deliveryLatency.observe(Math.max(0, now - m.ts) / 1000);
        this.registry.armRedelivery(conn, now);
      }
    } else if (m.t === 'repush') {
      let sent = 0;
      for (const msg of m.messages) {
        if (deliverable(msg, now) && this.send(conn, st, msg)) sent++;
      }
      if (sent) metrics.delivered.inc({ path: 'redelivery' }, sent);
    }
  }

  async ack(conn: Connection, updates: AckUpdate[]): Promise<void> {
    const st = this.state.get(conn);
    const uaid = conn.uaid as string;
    let left = 0;
    for (const u of updates) {
      const code = u.code ?? 100;
      metrics.webpushAcks.inc({ code: ACK_CODES.has(code) ? String(code) : 'other' });
      const claims = this.ids.decode(u.version);
      // Only this user's messages: an id is a capability, but not across users.
      if (!claims || claims.uaid !== uaid || claims.channelID !== u.channelID) continue;
      st?.inflight.delete(claims.key);
      try {
        const r = await this.messages.delete(uaid, claims.key);
        left = r.left;
        if (r.existed) metrics.acked.inc();
        if (r.existed && r.receipt && code === 100) {
          await this.messages.recordReceipt(r.receipt, {
            message: `${this.config.PUBLIC_URL}/m/${u.version}`,
            status: 'delivered',
            at: Date.now(),
          });
          metrics.receipts.inc({ event: 'recorded' });
        }
      } catch (err) {
        // Not fatal: the message stays stored and is sent again (redelivery or next hello).
        this.log.warn({ err: (err as Error).message }, 'web push ack failed');
      }
    }
    if (!st || st.inflight.size) return;
    if (st.more || left > 0) await this.nextBatch(conn, st);
    if (!st.inflight.size) this.registry.settled(conn);
  }

  /**
   * `/wpush/v1/`, or bound to the application server key when one is given (`/wpush/v2/`). A
   * UnifiedPush registration (Herald's distributor) gets a `/up/` endpoint, key-bound when the
   * app gave a VAPID key (the ingress then requires VAPID with that key there).
   */
  endpoint(uaid: string, channelID: string, key: string | null, unifiedpush: boolean) {
    const base = this.config.PUBLIC_URL;
    if (key === null) {
      if (unifiedpush) {
        const token = this.tokens.encode({ kind: 'unifiedpush', uaid, channelID });
        return pushEndpoint(base, 'unifiedpush', token);
      }
      return pushEndpoint(
        base,
        'webpushV1',
        this.tokens.encode({ kind: 'webpush', uaid, channelID }),
      );
    }
    const appKey = decodeApplicationServerKey(key);
    if (!appKey) return null;
    const keyHash = applicationServerKeyHash(appKey);
    const token = this.tokens.encode({ kind: 'webpush-v2', uaid, channelID, keyHash });
    return pushEndpoint(base, unifiedpush ? 'unifiedpush' : 'webpushV2', token);
  }

  /** Its stored messages go with it. */
  async unregistered(conn: Connection, channelID: string, code: number | null): Promise<void> {
    metrics.webpushUnregistrations.inc({ code: code === null ? 'none' : String(code) });
    await this.messages.dropChannel(conn.uaid as string, channelID);
  }

  /** Sends the next stored batch; skips past batches with nothing left to send. */
  private async nextBatch(conn: Connection, st: DeliveryState): Promise<void> {
    const limit = this.config.WEBPUSH_BATCH_SIZE;
    for (;;) {
      const { messages } = await this.messages.read(conn.uaid as string, st.cursor, limit);
      st.more = messages.length === limit;
      const now = Date.now();
      let sent = 0;
      for (const m of messages) {
        st.cursor = Math.max(st.cursor, m.seq);
        if (st.inflight.has(m.key) || !deliverable(m, now)) continue;
        if (!this.send(conn, st, m)) return;
        sent++;
      }
      if (sent) {
        metrics.delivered.inc({ path: 'resync' }, sent);
        this.registry.armRedelivery(conn, now);
      }
      if (sent || st.inflight.size || !st.more || conn.closed) return;
    }
  }

  private send(conn: Connection, st: DeliveryState, m: StoredMessage): boolean {
    const version = this.ids.encode({
      uaid: conn.uaid as string,
      channelID: m.channelID,
      key: m.key,
    });
    const frame = webpushNotification({
      channelID: m.channelID,
      version,
      ...(m.data ? { data: m.data, headers: m.headers ?? {} } : {}),
    });
    if (!this.registry.send(conn, frame)) return false;
    st.inflight.add(m.key);
    return true;
  }
}

/** TTL 0 messages are routed but never stored: deliverable only on arrival. */
function deliverable(m: StoredMessage, now: number): boolean {
  return m.ttl === 0 || now < m.exp;
}
