import type WebSocket from 'ws';
import { Mode, SessionState } from '@herald/protocol';
import type { NodeMessage } from '@herald/storage';
import type { GatewayProtocol } from '../protocols/gateway-protocol';
import type { Budget } from './rate-budget';

/**
 * What the gateway keeps per client socket: kept small and closure-free (handlers are shared
 * functions that find this object from the socket), since a node holds tens of thousands.
 */
export class Connection implements SessionState {
  helloDone = false;
  /** When the user's idle expiry was last set (hello, or the gateway's refresh). */
  touchedAt = 0;
  mode: Mode = 'simplepush';
  lastPingAt = 0;
  /** Set by hello; '' until the hello script has returned. */
  uaid: string | null = null;
  epoch = '';
  /** Answered the last server ping. */
  alive = true;
  /** When the oldest unacknowledged update was sent (ms); 0 none; -1 handed to the retry worker. */
  unackedSince = 0;
  /** Frames waiting while an earlier frame's I/O runs: each connection is handled in order. */
  inbox: string[] | null = null;
  /** Bytes of the frames in `inbox` (plus a per-frame overhead): bounded by MAX_QUEUED_BYTES. */
  inboxBytes = 0;
  /** Reading is paused until the inbox drains (TCP backpressure on the client). */
  paused = false;
  /** Parse time left (ms), registrations and ping frames left; made on first use. */
  parseBudget: Budget | null = null;
  registerBudget: Budget | null = null;
  pingBudget: Budget | null = null;
  /** Counted in the per-address limit at upgrade (behind a trusted proxy), not at TCP accept. */
  countedAtUpgrade = false;
  /** Node messages that arrived while hello was in flight (null when none is). */
  early: NodeMessage[] | null = null;
  /** What this connection speaks, chosen at hello: the protocol holds its own per-socket state. */
  protocol: GatewayProtocol | null = null;
  closed = false;

  constructor(
    readonly ws: WebSocket,
    readonly connectedAt: number,
    readonly remoteAddress: string,
    /** Came in at `/autopush`: Web Push whatever the hello says. */
    readonly webpushOnly = false,
  ) {}

  /** The protocol chosen at hello: every frame past hello is handled after it was chosen. */
  get speaks(): GatewayProtocol {
    if (!this.protocol) throw new Error('no protocol before hello');
    return this.protocol;
  }
}

const CONNECTION = Symbol('herald.connection');
type Tagged = WebSocket & { [CONNECTION]?: Connection };

export function attach(ws: WebSocket, conn: Connection): void {
  (ws as Tagged)[CONNECTION] = conn;
}

export function connectionOf(ws: WebSocket): Connection | undefined {
  return (ws as Tagged)[CONNECTION];
}
