import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { clientAddress, HERALD_CONFIG, HeraldConfig, trustProxyFn } from '@herald/config';
import { CloseCode } from '@herald/protocol';
import { Logger, metrics } from '@herald/observability';
import { UserRepository } from '@herald/storage';
import { BroadcastService } from '../handlers/broadcast.service';
import { CONNECTION_CAP, GATEWAY_LOGGER } from '../gateway.tokens';
import { attach, Connection, connectionOf } from './connection';
import { AddressLimits } from './address-limits';
import { ConnectionRegistry } from './connection-registry';
import { BeforeClose, HeraldSocket } from './herald-socket';
import { AcceptGate } from './accept-gate';
import { FrameDispatcher } from './frame-dispatcher';

/**
 * Accepts sockets (within the node's cap and the per-address limit), wires their events to the
 * frame dispatcher with shared listeners, and ends them: the route is released when the client
 * closes, before its close is answered.
 */
@Injectable()
export class ConnectionAcceptor implements OnModuleInit {
  /** Set while draining: new sockets are turned away, closed sockets keep their route. */
  draining = false;

  // Shared listeners: `this` is the socket, so no closure is allocated per connection.
  private readonly onMessage: (this: WebSocket, data: WebSocket.RawData, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket) => void;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onPing: (this: WebSocket, data: Buffer) => void;
  private readonly onError: (this: WebSocket, err: Error) => void;
  private readonly onPeerClose: BeforeClose;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registry: ConnectionRegistry,
    frames: FrameDispatcher,
    private readonly users: UserRepository,
    private readonly addressLimits: AddressLimits,
    private readonly broadcasts: BroadcastService,
    @Inject(CONNECTION_CAP) private readonly cap: number,
    private readonly gate: AcceptGate,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const acceptor = this;
    this.onMessage = function (data, isBinary) {
      const conn = connectionOf(this);
      if (conn) frames.receive(conn, data, isBinary);
    };
    this.onClose = function () {
      const conn = connectionOf(this);
      if (conn) acceptor.closed(conn);
    };
    this.onPong = function () {
      const conn = connectionOf(this);
      if (conn) conn.alive = true;
    };
    // Pings are answered by the dispatcher rather than by ws, under the same send budget.
    this.onPing = function (data) {
      const conn = connectionOf(this);
      if (conn) frames.ping(conn, data);
    };
    this.onError = function (err) {
      // ws closes a frame over MAX_FRAME_BYTES itself (1009): counted with the closes we make.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.framesRejected.inc({ reason: 'message_too_big' });
      }
      acceptor.log.debug({ err: err.message }, 'socket error');
    };
    // Runs when `ws` is about to answer a close it did not get from us (registry.close marks
    // the connection closed first): the client's close frame, or a frame `ws` refused.
    this.onPeerClose = function () {
      const conn = connectionOf(this);
      return conn && !conn.closed ? acceptor.peerClosing(conn) : undefined;
    };
  }

  onModuleInit(): void {
    if (this.cap < this.config.MAX_CONNECTIONS) {
      this.log.warn(
        { maxConnections: this.config.MAX_CONNECTIONS, cap: this.cap },
        'MAX_CONNECTIONS is more than the open-files limit allows: capped',
      );
    }
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

  /** The client's address: the socket's, or behind trusted proxies (TRUST_PROXY) the one they name. */
  private clientAddress(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? '';
    return clientAddress(
      trustProxyFn(this.config.TRUST_PROXY),
      peer,
      req.headers['x-forwarded-for'],
    );
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
}
