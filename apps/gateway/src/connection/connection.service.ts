import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { clientAddress, HERALD_CONFIG, HeraldConfig, trustProxyFn } from '@herald/config';
import { CloseCode, parseClientFrame, SessionLimits, step } from '@herald/protocol';
import { Logger, metrics } from '@herald/observability';
import { UserRepository } from '@herald/storage';
import { RedeliveryQueue } from '@herald/redelivery';
import { AckHandler } from '../handlers/ack.handler';
import { HelloHandler } from '../handlers/hello.handler';
import { RegisterHandler } from '../handlers/register.handler';
import { BroadcastService } from '../handlers/broadcast.service';
import { CONNECTION_CAP, GATEWAY_LOGGER } from '../gateway.tokens';
import { attach, Connection, connectionOf } from './connection';
import { AddressLimits } from './address-limits';
import { ConnectionRegistry } from './connection-registry';
import { BeforeClose, HeraldSocket } from './herald-socket';
import { AcceptGate } from './accept-gate';
import { charge, fullBudget, take } from './rate-budget';

/** What a queued frame costs beyond its text (the string and the array slot), in bytes. */
const FRAME_OVERHEAD = 64;
/** Time one connection's frames may hold the event loop before the others get a turn (ms). */
const SLICE_MS = 2;
/** What a frame read before the socket closed still does: what the client told us, no replies. */
const AFTER_CLOSE = new Set(['ack', 'unregister', 'nack']);

/**
 * Accepts sockets, turns their frames into protocol steps, and runs the one timer wheel of the
 * node (hello deadlines, keep-alive pings, hand-over of unacknowledged updates to the worker).
 */
@Injectable()
export class ConnectionService implements OnModuleInit, OnApplicationShutdown {
  private readonly limits: SessionLimits;
  private wheel: NodeJS.Timeout | null = null;
  private lastKeepalive = Date.now();
  private lastTouch = Date.now();
  /** Set while draining: new sockets are turned away, closed sockets keep their route. */
  draining = false;

  // Shared listeners: `this` is the socket, so no closure is allocated per connection.
  private readonly onMessage: (this: WebSocket, data: WebSocket.RawData, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket) => void;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onPing: (this: WebSocket, data: Buffer) => void;
  private readonly onError: (this: WebSocket, err: Error) => void;
  private readonly onPeerClose: BeforeClose;
  private readonly startDrain: (conn: Connection) => void;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    private readonly hello: HelloHandler,
    private readonly registrations: RegisterHandler,
    private readonly acks: AckHandler,
    private readonly users: UserRepository,
    private readonly redelivery: RedeliveryQueue,
    private readonly addressLimits: AddressLimits,
    private readonly broadcasts: BroadcastService,
    @Inject(CONNECTION_CAP) private readonly cap: number,
    private readonly gate: AcceptGate,
  ) {
    this.limits = { clientPingMinIntervalMs: config.CLIENT_PING_MIN_INTERVAL_MS };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const service = this;
    this.onMessage = function (data, isBinary) {
      const conn = connectionOf(this);
      if (conn) service.receive(conn, data, isBinary);
    };
    this.onClose = function () {
      const conn = connectionOf(this);
      if (conn) service.closed(conn);
    };
    this.onPong = function () {
      const conn = connectionOf(this);
      if (conn) conn.alive = true;
    };
    // Pings are answered here rather than by ws, under the same send budget as every frame.
    this.onPing = function (data) {
      const conn = connectionOf(this);
      if (conn) service.ping(conn, data);
    };
    this.startDrain = (conn) => void this.drainInbox(conn);
    this.onError = function (err) {
      // ws closes a frame over MAX_FRAME_BYTES itself (1009): counted with the closes we make.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.framesRejected.inc({ reason: 'message_too_big' });
      }
      service.log.debug({ err: err.message }, 'socket error');
    };
    // Runs when `ws` is about to answer a close it did not get from us (registry.close marks
    // the connection closed first): the client's close frame, or a frame `ws` refused.
    this.onPeerClose = function () {
      const conn = connectionOf(this);
      return conn && !conn.closed ? service.peerClosing(conn) : undefined;
    };
  }

  onModuleInit(): void {
    if (this.cap < this.config.MAX_CONNECTIONS) {
      this.log.warn(
        { maxConnections: this.config.MAX_CONNECTIONS, cap: this.cap },
        'MAX_CONNECTIONS is more than the open-files limit allows: capped',
      );
    }
    this.wheel = setInterval(() => this.tick(Date.now()), 1000);
    this.wheel.unref();
  }

  onApplicationShutdown(): void {
    if (this.wheel) clearInterval(this.wheel);
  }

  /** `webpushOnly`: the socket came in at `/autopush`, whose clients always speak Web Push. */
  accept(ws: WebSocket, req: IncomingMessage, webpushOnly = false): void {
    if (!this.gate.upgraded(req.socket)) {
      ws.close(CloseCode.POLICY_VIOLATION, 'too many connections from this address');
      return;
    }
    if (this.registry.size >= this.cap) {
      metrics.connectionsRefused.inc();
      ws.close(CloseCode.TRY_AGAIN_LATER, 'node full');
      return;
    }
    const address = this.clientAddress(req);
    // A socket from a peer that is no trusted proxy was counted at TCP accept (AcceptGate); one
    // from a trusted proxy is counted now, by the address the proxy names.
    const countAtUpgrade = !this.gate.countedAtAccept(req.socket);
    if (countAtUpgrade && !this.addressLimits.tryOpen(address)) {
      metrics.addressLimited.inc({ limit: 'connections' });
      ws.close(CloseCode.POLICY_VIOLATION, 'too many connections from this address');
      return;
    }
    const conn = new Connection(ws, Date.now(), address, webpushOnly);
    conn.countedAtUpgrade = countAtUpgrade;
    attach(ws, conn);
    if (ws instanceof HeraldSocket) ws.beforeClose = this.onPeerClose;
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    ws.on('pong', this.onPong);
    ws.on('ping', this.onPing);
    ws.on('error', this.onError);
    this.registry.add(conn);
    if (this.draining) this.registry.close(conn, CloseCode.GOING_AWAY, 'node draining');
  }

  /**
   * A client connected for longer than USER_IDLE_TTL_SECONDS is not idle: set its expiry again.
   * A user gone meanwhile (reset, or expired during a Redis outage) is told to reconnect, so its
   * hello gets a new UAID and it re-registers.
   */
  private touchHeld(now: number, every: number): void {
    for (const conn of this.registry.all) {
      if (!conn.helloDone || conn.closed || !conn.uaid || now - conn.touchedAt < every) continue;
      conn.touchedAt = now;
      this.users.touch(conn.uaid).then(
        (alive) => {
          if (!alive)
            this.registry.close(conn, CloseCode.TRY_AGAIN_LATER, 'unknown UAID, reconnect');
        },
        (err: Error) => this.log.debug({ err: err.message }, 'idle expiry refresh failed'),
      );
    }
  }

  /** The client's address: the socket's, or behind trusted proxies (TRUST_PROXY) the one they name. */
  private clientAddress(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? '';
    return clientAddress(
      trustProxyFn(this.config.TRUST_PROXY),
      peer,
      req.headers['x-forwarded-for'],
    );
  }

  private receive(conn: Connection, data: WebSocket.RawData, isBinary: boolean): void {
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
        await this.handle(conn, text);
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
  private ping(conn: Connection, data: Buffer): void {
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

  private async handle(conn: Connection, text: string): Promise<void> {
    const frame = this.parse(conn, text);
    if (!frame) return;
    const s = step(conn, frame, Date.now(), this.limits);
    if (conn.closed && !AFTER_CLOSE.has(s.do)) return;
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
        return this.acks.ack(conn, s.updates);
      case 'nack':
        metrics.webpushNacks.inc({ code: s.code === null ? 'none' : String(s.code) });
        return;
      case 'broadcast-subscribe':
        return this.broadcasts.subscribeReply(conn, s.broadcasts);
      case 'nothing':
        return;
    }
  }

  /**
   * The client began the close handshake: from now on its socket takes no pushes. The route is
   * released before the close is answered, so a push sent once the client saw its close complete
   * is stored (202), never reported routed to a socket that is gone.
   */
  private peerClosing(conn: Connection): Promise<unknown> | undefined {
    conn.closed = true;
    return this.releaseRoute(conn, this.registry.remove(conn));
  }

  private closed(conn: Connection): void {
    conn.closed = true;
    this.broadcasts.forget(conn);
    if (conn.countedAtUpgrade) this.addressLimits.closed(conn.remoteAddress);
    // remove() is false when peerClosing() already removed it (and released the route).
    void this.releaseRoute(conn, this.registry.remove(conn));
  }

  /**
   * Clears the route so the ingress knows at once the client is offline. While draining we skip
   * it (the herd of closes would all hit Redis at once; once the node has left the registry, the
   * first notification that reaches no subscriber clears a stale route).
   */
  private releaseRoute(conn: Connection, wasHolder: boolean): Promise<unknown> | undefined {
    if (!wasHolder || !conn.epoch || this.draining) return undefined;
    return this.users
      .releaseRoute(conn.uaid as string, this.config.NODE_ID, conn.epoch)
      .catch(() => undefined);
  }

  private tick(now: number): void {
    this.addressLimits.sweep(now);
    const touchEvery = this.users.touchEveryMs;
    if (touchEvery > 0 && now - this.lastTouch >= Math.min(touchEvery / 2, 60_000)) {
      this.lastTouch = now;
      this.touchHeld(now, touchEvery);
    }
    for (const conn of this.registry.awaitingHello) {
      if (now - conn.connectedAt < this.config.HELLO_TIMEOUT_MS) continue;
      this.registry.awaitingHello.delete(conn);
      if (!conn.helloDone)
        this.registry.close(conn, CloseCode.POLICY_VIOLATION, 'no hello in time');
    }
    const handOver = [];
    for (const conn of this.registry.awaitingAck) {
      if (conn.closed || conn.unackedSince <= 0) {
        this.registry.awaitingAck.delete(conn);
      } else if (now - conn.unackedSince >= this.config.REDELIVERY_DELAY_MS) {
        this.registry.awaitingAck.delete(conn);
        conn.unackedSince = -1;
        handOver.push({ uaid: conn.uaid as string, epoch: conn.epoch, attempt: 1 });
      }
    }
    if (handOver.length) {
      this.redelivery
        .schedule(handOver)
        .catch((err: Error) =>
          this.log.warn({ err: err.message }, 'could not schedule redelivery'),
        );
    }
    if (now - this.lastKeepalive >= this.config.KEEPALIVE_INTERVAL_MS) {
      this.lastKeepalive = now;
      for (const conn of this.registry.all) {
        if (!conn.alive) {
          conn.ws.terminate();
          continue;
        }
        conn.alive = false;
        if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
      }
    }
  }
}
