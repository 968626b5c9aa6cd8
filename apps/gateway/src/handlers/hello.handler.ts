import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import {
  CloseCode,
  compareVersions,
  HelloFrame,
  helloReply,
  notificationBatch,
  redactUaid,
  registerReply,
  statusReply,
  VersionUpdate,
} from '@herald/protocol';
import {
  ChannelRepository,
  HelloResult,
  NodeMessage,
  RouteBus,
  UserRepository,
} from '@herald/storage';
import { Logger, metrics } from '@herald/observability';
import { WakeupPolicy } from '@herald/wakeup';
import { Connection } from '../connection/connection';
import { AddressLimits } from '../connection/address-limits';
import { ConnectionRegistry } from '../connection/connection-registry';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { BroadcastService } from './broadcast.service';
import { WebPushDelivery } from './webpush-delivery';

/**
 * hello: take ownership of the UAID (or issue a new one), close the connection it replaces on
 * whichever node holds it, answer, then send every pending latest version at once.
 */
@Injectable()
export class HelloHandler {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly users: UserRepository,
    private readonly channels: ChannelRepository,
    private readonly bus: RouteBus,
    private readonly wakeup: WakeupPolicy,
    private readonly limits: AddressLimits,
    private readonly webpush: WebPushDelivery,
    private readonly broadcasts: BroadcastService,
  ) {}

  async handle(conn: Connection, frame: HelloFrame): Promise<void> {
    if (!this.limits.tryHello(conn.remoteAddress, Date.now())) {
      metrics.addressLimited.inc({ limit: 'hellos' });
      return this.refuse(conn, 429, 'too many hellos from this address');
    }
    const given = frame.uaid;
    // Claim the UAID locally before Redis does: a notification published the instant the hello
    // script ran must find this connection (it is buffered in `early` until the reply is out).
    let older: Connection | undefined;
    if (given) {
      older = this.registry.claim(given, conn);
      conn.uaid = given;
    }
    conn.early = [];
    let result: HelloResult | null;
    // A new UAID is kept for USER_IDLE_TTL_SECONDS: each address has a budget of them. Spent, only
    // a known UAID is resumed.
    const mayCreate = this.limits.tryNewUaid(conn.remoteAddress, Date.now());
    try {
      const input = {
        uaid: given,
        nodeId: this.config.NODE_ID,
        proto: conn.mode,
        wakeup: frame.wakeup ? this.wakeup.admit(frame.wakeup.ip, frame.wakeup.port) : null,
        channelIDs: conn.mode === 'simplepush' ? frame.channelIDs : null,
        maxChannels: this.config.MAX_CHANNELS_PER_UAID,
      };
      result = mayCreate ? await this.users.hello(input) : await this.users.resume(input);
    } catch (err) {
      if (mayCreate) this.limits.returnNewUaid(conn.remoteAddress);
      if (given) this.registry.unclaim(given, conn, older);
      conn.uaid = null;
      conn.early = null;
      this.log.warn({ err: (err as Error).message }, 'hello failed: storage unavailable');
      return this.refuse(conn, 503, 'storage unavailable');
    }
    if (mayCreate && !result?.isNew) this.limits.returnNewUaid(conn.remoteAddress);
    if (!result) {
      if (given) this.registry.unclaim(given, conn, older);
      conn.uaid = null;
      conn.early = null;
      metrics.addressLimited.inc({ limit: 'new_uaids' });
      return this.refuse(conn, 429, 'too many new UAIDs from this address');
    }
    if (conn.closed) return;

    if (given && result.uaid !== given) {
      this.registry.unclaim(given, conn, older);
      older = undefined;
    }
    conn.uaid = result.uaid;
    conn.epoch = result.epoch;
    conn.touchedAt = Date.now(); // the hello set the user's idle expiry
    this.registry.awaitingHello.delete(conn);
    this.registry.claim(result.uaid, conn);
    if (older) {
      metrics.ghostsClosed.inc();
      this.registry.close(older, CloseCode.REPLACED, 'replaced by a newer connection');
    }
    if (result.previous && result.previous.nodeId !== this.config.NODE_ID) {
      const kick: NodeMessage = { t: 'kick', uaid: result.uaid, epoch: result.previous.epoch };
      this.bus.publish(result.previous.nodeId, kick).catch(() => undefined);
    }
    metrics.hellos.inc({ result: result.isNew ? 'new' : 'existing' });
    if (conn.mode === 'webpush') {
      // Web Push: the broadcasts the client follows that changed, then its stored messages.
      const b = this.broadcasts.subscribe(conn, frame.broadcasts ?? {});
      const broadcasts = Object.keys(b.errors).length
        ? { ...b.changed, errors: b.errors }
        : b.changed;
      this.registry.send(
        conn,
        helloReply({ uaid: result.uaid, status: 200, useWebpush: true, broadcasts }),
      );
      if (frame.broadcasts) metrics.broadcastsSent.inc({ path: 'hello' });
      const early = conn.early;
      conn.early = null;
      await this.webpush.afterHello(conn, early);
      return;
    }
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

    const updates = mergeEarly(result.pending, conn.early, conn.epoch);
    conn.early = null;
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

  /** A hello answered with an error status, then the socket closed: the client backs off. */
  private refuse(conn: Connection, status: 429 | 503, reason: string): void {
    metrics.hellos.inc({ result: 'rejected' });
    this.registry.close(
      conn,
      CloseCode.TRY_AGAIN_LATER,
      reason,
      statusReply('hello', status, reason),
    );
  }
}

/** Pending versions plus notifications that arrived during hello, newest per channel. */
function mergeEarly(
  pending: VersionUpdate[],
  early: unknown[] | null,
  epoch: string,
): VersionUpdate[] {
  if (!early || !early.length) return pending;
  const latest = new Map(pending.map((u) => [u.channelID, u.version]));
  for (const m of early as NodeMessage[]) {
    if (m.t !== 'notify' || m.epoch !== epoch) continue;
    const have = latest.get(m.update.channelID);
    if (have === undefined || compareVersions(m.update.version, have) > 0)
      latest.set(m.update.channelID, m.update.version);
  }
  return [...latest].map(([channelID, version]) => ({ channelID, version }));
}
