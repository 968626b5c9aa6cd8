import { Inject, Injectable } from '@nestjs/common';
import WebSocket from 'ws';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { CloseCode, parseClientFrame, SessionLimits, step } from '@herald/protocol';
import { Logger, metrics } from '@herald/observability';
import { HelloHandler } from '../handlers/hello.handler';
import { RegisterHandler } from '../handlers/register.handler';
import { BroadcastService } from '../handlers/broadcast.service';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { charge, fullBudget, take } from './rate-budget';

/** What a queued frame costs beyond its text (the string and the array slot), in bytes. */
const FRAME_OVERHEAD = 64;
/** Time one connection's frames may hold the event loop before the others get a turn (ms). */
const SLICE_MS = 2;
/** What a frame read before the socket closed still does: what the client told us, no replies. */
const AFTER_CLOSE = new Set(['ack', 'unregister', 'nack']);

/**
 * Turns a connection's frames into protocol steps and carries them out, one frame after the
 * other, within the inbound budgets (queued bytes, parse time, ping frames). Hello, register and
 * broadcasts go to their handlers; acks to the protocol the hello chose.
 */
@Injectable()
export class FrameDispatcher {
  private readonly limits: SessionLimits;
  private readonly startDrain: (conn: Connection) => void;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly hello: HelloHandler,
    private readonly registrations: RegisterHandler,
    private readonly broadcasts: BroadcastService,
  ) {
    this.limits = { clientPingMinIntervalMs: config.CLIENT_PING_MIN_INTERVAL_MS };
    this.startDrain = (conn) => void this.drainInbox(conn);
  }

  /** A frame read from the socket: queued, and handled in order. */
  receive(conn: Connection, data: WebSocket.RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (isBinary) {
      this.registry.close(conn, CloseCode.UNSUPPORTED_DATA, 'binary frames are not supported');
      return;
    }
    const text = data.toString();
    conn.inboxBytes += text.length + FRAME_OVERHEAD;
    if (conn.inbox) {
      conn.inbox.push(text);
      this.bound(conn);
      return;
    }
    conn.inbox = [text];
    // Not now: ws hands over every frame libuv read in this turn (up to 32 reads of 64 KiB from
    // one socket), so one client's frames would be handled back to back before anyone else's.
    setImmediate(this.startDrain, conn);
  }

  /**
   * Frames arrive faster than they are handled: stop reading (the client's TCP window fills up
   * and it waits). What ws had already read still arrives (one read, up to 64 KiB: a client may
   * pipeline hundreds of small frames); only bytes past twice the budget close it.
   */
  private bound(conn: Connection): void {
    const inbox = conn.inbox as string[];
    const { MAX_QUEUED_FRAMES, MAX_QUEUED_BYTES } = this.config;
    if (conn.inboxBytes > 2 * MAX_QUEUED_BYTES) {
      metrics.clientBudget.inc({ budget: 'inbound_overflow' });
      this.cut(conn, 'too many frames queued');
      return;
    }
    if (
      !conn.paused &&
      (inbox.length >= MAX_QUEUED_FRAMES || conn.inboxBytes >= MAX_QUEUED_BYTES)
    ) {
      metrics.clientBudget.inc({ budget: 'inbound_queue' });
      conn.paused = true;
      conn.ws.pause();
    }
  }

  /** Frames of one connection are handled one after the other, each with its I/O finished. */
  private async drainInbox(conn: Connection): Promise<void> {
    let slice = performance.now();
    // A closed connection's frames already read are still drained: acks the client sent before
    // its close frame (often in the same TCP read) are its word that it has those versions.
    while (conn.inbox && conn.inbox.length) {
      // Frames answered without I/O never leave this loop: after a slice, let others be read.
      if (performance.now() - slice > SLICE_MS) {
        await new Promise(setImmediate);
        slice = performance.now();
        if (!conn.inbox) break;
      }
      const text = conn.inbox.shift() as string;
      conn.inboxBytes -= text.length + FRAME_OVERHEAD;
      if (conn.paused && conn.inbox.length === 0) {
        conn.paused = false;
        conn.ws.resume();
      }
      try {
        // Only frames with I/O return a promise: the others cost no await (nor its microtasks).
        const io = this.handle(conn, text);
        if (io) await io;
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'frame handling failed');
        this.registry.close(conn, CloseCode.INTERNAL_ERROR, 'internal error');
      }
    }
    conn.inbox = null;
    conn.inboxBytes = 0;
  }

  /**
   * Parses a frame within the connection's parse-time budget: a client whose frames are costly
   * to parse (long digit runs take the lossless parser) is closed before it starves the others.
   */
  private parse(conn: Connection, text: string) {
    const started = performance.now();
    const frame = parseClientFrame(text);
    const now = Date.now();
    const spent = performance.now() - started;
    const rate = this.config.FRAME_PARSE_BUDGET_MS;
    conn.parseBudget ??= fullBudget(rate, now);
    if (!charge(conn.parseBudget, now, rate, rate, spent)) {
      metrics.clientBudget.inc({ budget: 'parse_time' });
      this.cut(conn, 'frames too costly to parse');
      return null;
    }
    return frame;
  }

  /**
   * A WebSocket ping frame: answered, within PING_FRAMES_PER_SECOND. Each costs a pong and a trip
   * through ws; a client flooding them is cut without a close frame.
   */
  ping(conn: Connection, data: Buffer): void {
    if (conn.closed) return; // ws still emits the pings it had read
    const now = Date.now();
    const rate = this.config.PING_FRAMES_PER_SECOND;
    conn.pingBudget ??= fullBudget(rate * 10, now);
    if (take(conn.pingBudget, now, rate, rate * 10)) {
      this.registry.pong(conn, data);
      return;
    }
    metrics.clientBudget.inc({ budget: 'pings' });
    conn.closed = true;
    conn.ws.terminate();
  }

  /**
   * Closes (1008) a client past a budget and reads nothing more from it: ws would otherwise read
   * (and unmask) all it sends until the close handshake ends. CLOSE_TIMEOUT_MS then cuts it.
   */
  private cut(conn: Connection, reason: string): void {
    this.registry.close(conn, CloseCode.POLICY_VIOLATION, reason);
    conn.ws.pause();
    conn.inbox = null; // nor handles what it had queued: past a budget, its word counts no more
    conn.inboxBytes = 0;
  }

  /** Carries out one frame: a promise when it does I/O (the next frame waits for it). */
  private handle(conn: Connection, text: string): Promise<void> | undefined {
    const frame = this.parse(conn, text);
    if (!frame) return;
    const s = step(conn, frame, Date.now(), this.limits);
    // A closed connection's acks count only if its hello went through (a refused hello closes it
    // with no protocol chosen).
    if (conn.closed && (!AFTER_CLOSE.has(s.do) || !conn.protocol)) return;
    switch (s.do) {
      case 'close':
        this.registry.close(conn, s.code, s.reason, s.reply);
        return;
      case 'reply':
        this.registry.send(conn, s.frame);
        return;
      case 'hello':
        return this.hello.handle(conn, s.frame);
      case 'register':
        return this.registrations.register(conn, s.channelID, s.key, s.unifiedpush === true);
      case 'unregister':
        return this.registrations.unregister(conn, s.channelID, s.code);
      case 'ack':
        return conn.speaks.ack(conn, s.updates);
      case 'nack':
        metrics.webpushNacks.inc({ code: s.code === null ? 'none' : String(s.code) });
        return;
      case 'broadcast-subscribe':
        this.broadcasts.subscribeReply(conn, s.broadcasts);
        return;
      case 'nothing':
        return;
    }
  }
}
