import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { broadcastFrame } from '@herald/protocol';
import { Logger, metrics } from '@herald/observability';
import { BroadcastRepository } from '@herald/storage';
import { Connection } from '../connection/connection';
import { ConnectionRegistry } from '../connection/connection-registry';
import { GATEWAY_LOGGER } from '../gateway.tokens';

/** Broadcast ids one connection may follow (a bound on per-socket memory). */
const MAX_SUBSCRIPTIONS = 64;
const NOT_FOUND = 'Broadcast not found';

export interface BroadcastAnswer {
  changed: Record<string, string>;
  errors: Record<string, string>;
}

/**
 * Broadcasts (autopush's megaphone): this node keeps every current version in memory, learns
 * changes from the one cluster-wide pub/sub channel, and tells each subscribed client about the
 * ids it follows whose version it does not have.
 */
@Injectable()
export class BroadcastService implements OnApplicationBootstrap {
  private readonly current = new Map<string, string>();
  private readonly subscribers = new Map<Connection, Map<string, string>>();

  constructor(
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly broadcasts: BroadcastRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Subscribe before reading, so no change falls between the read and the subscription.
    await this.broadcasts.listen((changed) => this.changed(changed));
    for (const [id, v] of Object.entries(await this.broadcasts.all())) {
      if (!this.current.has(id)) this.current.set(id, v);
    }
  }

  /**
   * The client follows these ids (hello or broadcast_subscribe, `{id: version it has}`): answers
   * the ones whose current version differs, and the unknown ones as errors.
   */
  subscribe(conn: Connection, wanted: Record<string, string>): BroadcastAnswer {
    const answer: BroadcastAnswer = { changed: {}, errors: {} };
    let follows = this.subscribers.get(conn);
    for (const [id, has] of Object.entries(wanted)) {
      const cur = this.current.get(id);
      if (cur === undefined) {
        answer.errors[id] = NOT_FOUND;
        continue;
      }
      if (cur !== has) answer.changed[id] = cur;
      if (!follows) {
        follows = new Map();
        this.subscribers.set(conn, follows);
      }
      if (follows.size < MAX_SUBSCRIPTIONS || follows.has(id)) follows.set(id, cur);
    }
    return answer;
  }

  /** The broadcast frame answering a broadcast_subscribe. */
  subscribeReply(conn: Connection, wanted: Record<string, string>): void {
    const { changed, errors } = this.subscribe(conn, wanted);
    if (this.registry.send(conn, broadcastFrame(changed, errors))) {
      metrics.broadcastsSent.inc({ path: 'subscribe' });
    }
  }

  /**
   * Versions this node learnt itself (its Megaphone poll), applied at once, before Redis and the
   * pub/sub echo have them: the echo then finds nothing new. Returns the ids that changed here.
   */
  apply(versions: Record<string, string>): Record<string, string> {
    const changed: Record<string, string> = {};
    for (const [id, v] of Object.entries(versions)) {
      if (this.current.get(id) !== v) changed[id] = v;
    }
    if (Object.keys(changed).length) this.changed(changed);
    return changed;
  }

  forget(conn: Connection): void {
    this.subscribers.delete(conn);
  }

  private changed(changed: Record<string, string>): void {
    for (const [id, v] of Object.entries(changed)) this.current.set(id, v);
    let sent = 0;
    for (const [conn, follows] of this.subscribers) {
      if (conn.closed) {
        this.subscribers.delete(conn);
        continue;
      }
      const out: Record<string, string> = {};
      for (const [id, v] of Object.entries(changed)) {
        if (follows.has(id) && follows.get(id) !== v) {
          out[id] = v;
          follows.set(id, v);
        }
      }
      if (Object.keys(out).length && this.registry.send(conn, broadcastFrame(out))) sent++;
    }
    if (sent) metrics.broadcastsSent.inc({ path: 'live' }, sent);
    this.log.debug({ ids: Object.keys(changed), clients: sent }, 'broadcast changed');
  }
}
