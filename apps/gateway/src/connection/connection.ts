import type WebSocket from 'ws';
import { Mode, SessionState } from '@herald/protocol';

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
  /** Node messages that arrived while hello was in flight. */
  early: unknown[] | null = null;
  closed = false;

  constructor(
    readonly ws: WebSocket,
    readonly connectedAt: number,
    readonly remoteAddress: string,
    /** Came in at `/autopush`: Web Push whatever the hello says. */
    readonly webpushOnly = false,
  ) {}
}

const CONNECTION = Symbol('herald.connection');
type Tagged = WebSocket & { [CONNECTION]?: Connection };

export function attach(ws: WebSocket, conn: Connection): void {
  (ws as Tagged)[CONNECTION] = conn;
}

export function connectionOf(ws: WebSocket): Connection | undefined {
  return (ws as Tagged)[CONNECTION];
}
