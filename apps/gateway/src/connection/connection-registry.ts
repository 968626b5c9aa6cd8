import { Inject, Injectable } from '@nestjs/common';
import WebSocket from 'ws';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode, CloseCodeValue } from '@herald/protocol';
import { metrics } from '@herald/observability';
import { Connection } from './connection';

// Metric labels must be a bounded set: the close code's name, not the free-text reason.
const CLOSE_NAMES = new Map<number, string>(
  Object.entries(CloseCode).map(([name, code]) => [code, name.toLowerCase()]),
);

/**
 * The connections of this node: uaid → connection, plus the sets the one timer wheel walks
 * (awaiting hello, awaiting acks), changed only through the methods here. Also the only place
 * that writes to or closes a socket.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly open = new Set<Connection>();
  private readonly awaitingHello = new Set<Connection>();
  private readonly awaitingAck = new Set<Connection>();
  private readonly byUaid = new Map<string, Connection>();

  constructor(@Inject(HERALD_CONFIG) private readonly config: HeraldConfig) {}

  get size(): number {
    return this.open.size;
  }

  /** Every open connection (a live view: copy it before closing while walking). */
  get all(): ReadonlySet<Connection> {
    return this.open;
  }

  add(conn: Connection): void {
    this.open.add(conn);
    this.awaitingHello.add(conn);
    metrics.connectionsOpen.set(this.open.size);
    metrics.connections.inc();
  }

  find(uaid: string): Connection | undefined {
    return this.byUaid.get(uaid);
  }

  /** Makes conn the holder of uaid on this node; returns the connection it displaced. */
  claim(uaid: string, conn: Connection): Connection | undefined {
    const older = this.byUaid.get(uaid);
    this.byUaid.set(uaid, conn);
    return older === conn ? undefined : older;
  }

  /** Undoes a claim (hello failed or gave another UAID), handing uaid back to `older`. */
  unclaim(uaid: string, conn: Connection, older?: Connection): void {
    if (this.byUaid.get(uaid) !== conn) return;
    if (older && !older.closed) this.byUaid.set(uaid, older);
    else this.byUaid.delete(uaid);
  }

  /** Forgets a closed connection; true when it was the holder of its UAID here. */
  remove(conn: Connection): boolean {
    if (!this.open.delete(conn)) return false;
    this.awaitingHello.delete(conn);
    this.awaitingAck.delete(conn);
    metrics.connectionsOpen.set(this.open.size);
    if (conn.uaid && this.byUaid.get(conn.uaid) === conn) {
      this.byUaid.delete(conn.uaid);
      return true;
    }
    return false;
  }

  /**
   * Writes a frame. A client that does not read fast enough is closed rather than buffered
   * without bound: its state is in Redis, and it resyncs when it reconnects.
   */
  send(conn: Connection, frame: string): boolean {
    if (conn.closed || conn.ws.readyState !== WebSocket.OPEN) return false;
    if (conn.ws.bufferedAmount > this.config.MAX_BUFFERED_BYTES) {
      this.close(conn, CloseCode.TRY_AGAIN_LATER, 'send queue full');
      return false;
    }
    conn.ws.send(frame);
    return true;
  }

  /**
   * Answers a client's ping. A client that pings without reading would have the pongs pile up:
   * past the send budget it is cut at once (a close frame would wait behind what it never read).
   */
  pong(conn: Connection, data: Buffer): void {
    if (conn.closed || conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.ws.bufferedAmount > this.config.MAX_BUFFERED_BYTES) {
      metrics.clientBudget.inc({ budget: 'pongs' });
      conn.closed = true;
      conn.ws.terminate();
      return;
    }
    conn.ws.pong(data);
  }

  /** The hello of conn succeeded: the wheel no longer holds it to the hello deadline. */
  helloDone(conn: Connection): void {
    this.awaitingHello.delete(conn);
  }

  /** Takes out the connections that have been waiting for a hello since before `connectedBefore`. */
  takeHelloOverdue(connectedBefore: number): Connection[] {
    const late: Connection[] = [];
    for (const conn of this.awaitingHello) {
      if (conn.connectedAt > connectedBefore) continue;
      this.awaitingHello.delete(conn);
      late.push(conn);
    }
    return late;
  }

  /**
   * Takes out the connections whose oldest unacknowledged update was sent before `sentBefore`:
   * they are handed to the retry worker (unackedSince -1 until the client acks again).
   */
  takeAckOverdue(sentBefore: number): Connection[] {
    const late: Connection[] = [];
    for (const conn of this.awaitingAck) {
      if (conn.closed || conn.unackedSince <= 0) {
        this.awaitingAck.delete(conn);
      } else if (conn.unackedSince <= sentBefore) {
        this.awaitingAck.delete(conn);
        conn.unackedSince = -1;
        late.push(conn);
      }
    }
    return late;
  }

  /** Nothing of conn awaits an ack any more: no redelivery. */
  settled(conn: Connection): void {
    conn.unackedSince = 0;
    this.awaitingAck.delete(conn);
  }

  /** Marks that conn has updates in flight, so the wheel can hand them to the retry worker. */
  armRedelivery(conn: Connection, now: number): void {
    if (conn.unackedSince > 0) return;
    conn.unackedSince = now;
    this.awaitingAck.add(conn);
  }

  close(conn: Connection, code: CloseCodeValue, reason: string, lastFrame?: string): void {
    if (conn.closed) return;
    if (lastFrame && conn.ws.readyState === WebSocket.OPEN) conn.ws.send(lastFrame);
    conn.closed = true;
    if (code !== CloseCode.NORMAL && code !== CloseCode.GOING_AWAY && code !== CloseCode.REPLACED) {
      metrics.framesRejected.inc({ reason: CLOSE_NAMES.get(code) ?? String(code) });
    }
    try {
      conn.ws.close(code, reason);
    } catch {
      conn.ws.terminate();
    }
  }
}
