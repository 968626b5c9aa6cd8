import type { AckUpdate, Dialect, HelloFrame, Mode, VersionUpdate } from '@herald/protocol';
import type { HelloResult, NodeMessage } from '@herald/storage';
import type { Connection } from '../connection/connection';

/**
 * What the gateway does differently per protocol, chosen once at hello: the shared handlers
 * (hello, register, ack, the node link) do the common part and hand the rest to the connection's
 * protocol. A new protocol is a folder under `protocols/` with one class implementing this.
 */
export interface GatewayProtocol {
  /** As stored with the user (the hello script's `proto`). */
  readonly name: Mode;
  /** The pure side: ack parsing, the register failure frame. */
  readonly dialect: Dialect;
  /** The channel ids the hello script reconciles (SimplePush lists them; others do not). */
  helloChannels(frame: HelloFrame): string[] | null;
  /**
   * The hello succeeded in storage: answer it and send what waits, merged with the node messages
   * that arrived while the hello was in flight (`early`, for this connection or not).
   */
  afterHello(
    conn: Connection,
    frame: HelloFrame,
    result: HelloResult,
    early: NodeMessage[],
  ): Promise<void>;
  /** The client acknowledged these. */
  ack(conn: Connection, updates: AckUpdate[]): Promise<void>;
  /** A node message for this connection (same epoch); kicks are handled by the node link. */
  fromNode(conn: Connection, m: NodeMessage): void;
  /** This node's subscription came back: send what was stored meanwhile (`pending` as stored). */
  resume(conn: Connection, pending: VersionUpdate[]): Promise<void>;
  /** The endpoint of a new registration, or null when `key` is not a valid key. */
  endpoint(
    uaid: string,
    channelID: string,
    key: string | null,
    unifiedpush: boolean,
  ): string | null;
  /** The channel was unregistered in storage: what else this protocol forgets. */
  unregistered(conn: Connection, channelID: string, code: number | null): Promise<void>;
}
