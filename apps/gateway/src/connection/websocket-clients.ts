import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode } from '@herald/protocol';
import { metrics } from '@herald/observability';
import { NodeMessage, UserRepository } from '@herald/storage';
import type { ClientHolder, HeldUser } from '../node/client-holder';
import { ConnectionRegistry } from './connection-registry';

/** The WebSocket clients of this node as the node membership sees them ({@link ClientHolder}). */
@Injectable()
export class WebSocketClients implements ClientHolder {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly registry: ConnectionRegistry,
    private readonly users: UserRepository,
  ) {}

  deliver(m: NodeMessage): boolean {
    const conn = this.registry.find(m.uaid);
    if (!conn) return false;
    if (conn.closed) return true;
    if (conn.early) {
      conn.early.push(m); // hello in flight: the hello handler merges these after its reply
      return true;
    }
    if (m.epoch !== conn.epoch) return true; // for another connection of this UAID
    if (m.t === 'kick') {
      metrics.ghostsClosed.inc();
      this.registry.close(conn, CloseCode.REPLACED, 'replaced by a newer connection');
      return true;
    }
    conn.protocol?.fromNode(conn, m);
    return true;
  }

  async repair(): Promise<number> {
    let repaired = 0;
    for (const conn of [...this.registry.all]) {
      if (!conn.helloDone || !conn.epoch || conn.closed || conn.early) continue;
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
    }
    return repaired;
  }

  touchDue(now: number, every: number): HeldUser[] {
    const due: HeldUser[] = [];
    for (const conn of this.registry.all) {
      if (!conn.helloDone || conn.closed || !conn.uaid || now - conn.touchedAt < every) continue;
      conn.touchedAt = now;
      due.push({
        uaid: conn.uaid,
        gone: () => this.registry.close(conn, CloseCode.TRY_AGAIN_LATER, 'unknown UAID, reconnect'),
      });
    }
    return due;
  }

  /**
   * Closes every socket that said hello (one that did so after the loss merely reconnects with
   * its new, valid UAID).
   */
  stateLost(): number {
    let closed = 0;
    for (const conn of this.registry.all) {
      if (conn.helloDone) {
        this.registry.close(conn, CloseCode.TRY_AGAIN_LATER, 'server state lost, reconnect');
        closed++;
      }
    }
    return closed;
  }
}
