import { Inject, Injectable } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { CONNECTION_CAP } from '../gateway.tokens';
import { AddressLimits } from './address-limits';
import { ConnectionRegistry } from './connection-registry';

const ADDRESS = Symbol('herald.acceptedFrom');
type Tagged = Socket & { [ADDRESS]?: string };

/**
 * The gateway's TCP sockets from accept() on, before any WebSocket exists: each counts against its
 * address's limit and the node's cap from the first byte (a socket that never upgrades holds a
 * descriptor all the same), and one that neither upgrades nor makes an HTTP request within
 * UPGRADE_TIMEOUT_MS is cut. Behind a trusted proxy every socket comes from the proxy: addresses
 * are then counted at upgrade, from X-Forwarded-For.
 */
@Injectable()
export class AcceptGate {
  /** Accepted, not yet upgraded nor serving a request: socket → accepted at (ms). */
  readonly pending = new Map<Socket, number>();
  private readonly watched = new WeakSet<Server>();
  private readonly onAccept: (socket: Socket) => void;
  private readonly onClose: (this: Socket) => void;
  private readonly onRequest: (req: { socket: Socket }) => void;

  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly registry: ConnectionRegistry,
    private readonly limits: AddressLimits,
    @Inject(CONNECTION_CAP) private readonly cap: number,
  ) {
    this.onAccept = (socket) => this.accepted(socket);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gate = this;
    this.onClose = function () {
      gate.pending.delete(this);
      const address = (this as Tagged)[ADDRESS];
      if (address !== undefined) gate.limits.closed(address);
    };
    // A plain HTTP request (probes, metrics) is governed by Node's own keep-alive timeout.
    this.onRequest = (req) => this.pending.delete(req.socket);
  }

  watch(server: Server): void {
    if (this.watched.has(server)) return;
    this.watched.add(server);
    server.on('connection', this.onAccept);
    server.on('request', this.onRequest);
  }

  /** The socket became a WebSocket: the connection's own deadlines take over. */
  upgraded(socket: Socket): void {
    this.pending.delete(socket);
  }

  private accepted(socket: Socket): void {
    if (this.registry.size + this.pending.size >= this.cap) {
      metrics.connectionsRefused.inc();
      socket.destroy();
      return;
    }
    if (!this.config.TRUST_PROXY) {
      const address = socket.remoteAddress ?? '';
      if (!this.limits.tryOpen(address)) {
        metrics.addressLimited.inc({ limit: 'connections' });
        socket.destroy();
        return;
      }
      (socket as Tagged)[ADDRESS] = address;
    }
    this.pending.set(socket, Date.now());
    socket.once('close', this.onClose);
  }

  /** Cuts sockets that have not upgraded in time (called by the connection wheel each second). */
  sweep(now: number): void {
    for (const [socket, at] of this.pending) {
      if (now - at < this.config.UPGRADE_TIMEOUT_MS) break; // in accept order
      this.pending.delete(socket);
      metrics.clientBudget.inc({ budget: 'upgrade_time' });
      socket.destroy();
    }
  }
}
