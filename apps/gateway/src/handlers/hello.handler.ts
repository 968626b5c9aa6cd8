import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode, HelloFrame, statusReply } from '@herald/protocol';
import { HelloResult, NodeMessage, RouteBus, UserRepository } from '@herald/storage';
import { Logger, metrics } from '@herald/observability';
import { WakeupPolicy } from '@herald/wakeup';
import { Connection } from '../connection/connection';
import { AddressLimits } from '../connection/address-limits';
import { ConnectionRegistry } from '../connection/connection-registry';
import { inOneWrite } from '../connection/one-write';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { MegaphonePoller } from '../megaphone/megaphone.poller';
import { Protocols } from '../protocols/protocols';

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
    private readonly bus: RouteBus,
    private readonly wakeup: WakeupPolicy,
    private readonly limits: AddressLimits,
    private readonly protocols: Protocols,
    private readonly megaphone: MegaphonePoller,
  ) {}

  async handle(conn: Connection, frame: HelloFrame): Promise<void> {
    // The one place the protocol is chosen; every later frame and node message goes through it.
    const protocol = this.protocols.chosenBy(conn);
    conn.protocol = protocol;
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
    // A Megaphone answer being applied is waited for (briefly) beside the hello script, so the
    // reply's broadcasts include it; node messages meanwhile are still buffered in `early`.
    const broadcastsSettled =
      frame.broadcasts && Object.keys(frame.broadcasts).length ? this.megaphone.settled() : null;
    let result: HelloResult | null;
    // A new UAID is kept for USER_IDLE_TTL_SECONDS: each address has a budget of them. Spent, only
    // a known UAID is resumed.
    const mayCreate = this.limits.tryNewUaid(conn.remoteAddress, Date.now());
    try {
      const input = {
        uaid: given,
        nodeId: this.config.NODE_ID,
        proto: protocol.name,
        wakeup: frame.wakeup ? this.wakeup.admit(frame.wakeup.ip, frame.wakeup.port) : null,
        channelIDs: protocol.helloChannels(frame),
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
    if (broadcastsSettled) await broadcastsSettled;
    if (conn.closed) return;

    if (given && result.uaid !== given) {
      this.registry.unclaim(given, conn, older);
      older = undefined;
    }
    conn.uaid = result.uaid;
    conn.epoch = result.epoch;
    conn.touchedAt = Date.now(); // the hello set the user's idle expiry
    this.registry.helloDone(conn);
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
    const early = conn.early ?? [];
    conn.early = null;
    await inOneWrite(conn.ws, () => protocol.afterHello(conn, frame, result, early));
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
