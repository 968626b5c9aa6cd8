import { Inject, Injectable } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { HERALD_CONFIG, HeraldConfig, trustProxyFn } from '@herald/config';
import { metrics } from '@herald/observability';
import { CONNECTION_CAP } from '../gateway.tokens';
import { AddressLimits } from './address-limits';
import { ConnectionRegistry } from './connection-registry';

/**
 * Sockets taken past the connection cap before their first request: probes and a scrape must
 * still get through to a full node (they fit in the descriptors RESERVED_DESCRIPTORS keeps).
 */
export const ACCEPT_HEADROOM = 64;
/** How long a socket over its address's limit may take to upgrade (then refused 1008) or ask. */
export const OVER_LIMIT_GRACE_MS = 1_000;

const ADDRESS = Symbol('herald.acceptedFrom');
const OVER = Symbol('herald.overAddressLimit');
type Tagged = Socket & { [ADDRESS]?: string; [OVER]?: true };

/**
 * The gateway's TCP sockets from accept() on, before any WebSocket exists. Each counts against
 * its address's limit from the first byte (a socket that never upgrades holds a descriptor all
 * the same); one that neither upgrades nor makes an HTTP request within UPGRADE_TIMEOUT_MS is
 * cut, by its own socket timer (a sweep would cut them in batches, and their reconnects come
 * back as a burst of accepts). A socket over its address's limit gets a second to show what it
 * is: a probe is answered, an upgrade closed (1008), silence cut. A socket from a trusted proxy
 * (TRUST_PROXY) carries many clients: its clients are counted at upgrade, from X-Forwarded-For.
 */
@Injectable()
export class AcceptGate {
  /** Accepted, neither upgraded nor serving a request yet. */
  readonly pending = new Set<Socket>();
  private readonly watched = new WeakSet<Server>();
  private readonly onAccept: (socket: Socket) => void;
  private readonly onClose: (this: Socket) => void;
  private readonly onTimeout: (this: Socket) => void;
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
    this.onTimeout = function () {
      if (!gate.pending.delete(this)) return;
      if ((this as Tagged)[OVER]) metrics.addressLimited.inc({ limit: 'connections' });
      else metrics.clientBudget.inc({ budget: 'upgrade_time' });
      this.destroy();
    };
    // A plain HTTP request (probes, metrics) is governed by Node's own keep-alive timeout.
    this.onRequest = (req) => this.settled(req.socket);
  }

  watch(server: Server): void {
    if (this.watched.has(server)) return;
    this.watched.add(server);
    server.on('connection', this.onAccept);
    server.on('request', this.onRequest);
  }

  /**
   * The socket became a WebSocket: the connection's own deadlines take over. False when its
   * address was over the limit at accept: the caller refuses it.
   */
  upgraded(socket: Socket): boolean {
    this.settled(socket);
    if (!(socket as Tagged)[OVER]) return true;
    metrics.addressLimited.inc({ limit: 'connections' });
    return false;
  }

  /** Counted against its own address at accept (not a trusted proxy's socket). */
  countedAtAccept(socket: Socket): boolean {
    return (socket as Tagged)[ADDRESS] !== undefined || (socket as Tagged)[OVER] === true;
  }

  private settled(socket: Socket): void {
    if (!this.pending.delete(socket)) return;
    socket.removeListener('timeout', this.onTimeout);
    socket.setTimeout(0);
  }

  private accepted(socket: Socket): void {
    if (this.registry.size + this.pending.size >= this.cap + ACCEPT_HEADROOM) {
      metrics.connectionsRefused.inc();
      socket.destroy();
      return;
    }
    let timeout = this.config.UPGRADE_TIMEOUT_MS;
    const address = socket.remoteAddress ?? '';
    // A trusted proxy's sockets carry many clients: they are counted at upgrade, by the address
    // the proxy names. Everyone else's count from the first byte.
    if (!trustProxyFn(this.config.TRUST_PROXY)(address, 0)) {
      if (this.limits.tryOpen(address)) {
        (socket as Tagged)[ADDRESS] = address;
      } else {
        (socket as Tagged)[OVER] = true;
        timeout = Math.min(OVER_LIMIT_GRACE_MS, timeout);
      }
    }
    this.pending.add(socket);
    // on(), not once(): once() wraps the listener in a closure and a state object per socket, and
    // the 'close' one lives as long as the connection. Each handler runs once anyway ('close' is
    // emitted once; the timeout listener is removed when the socket settles, and its handler
    // does nothing for a socket no longer pending).
    socket.on('close', this.onClose);
    socket.on('timeout', this.onTimeout);
    socket.setTimeout(timeout);
  }
}
