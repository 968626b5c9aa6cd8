import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Server } from 'node:http';
import type { ServerOptions } from 'ws';
import { HeraldSocket } from './herald-socket';

/** Firefox offers this subprotocol; select it when offered, never require it. */
export const PUSH_SUBPROTOCOL = 'push-notification';

/** ws options its typings lag behind on (ws ≥ 8.18). */
export interface HeraldWsOptions extends ServerOptions {
  /** How long a closing socket may take to answer the close frame. */
  closeTimeout?: number;
}

/**
 * Nest's ws adapter, trimmed for a node holding tens of thousands of idle sockets: no per-socket
 * rxjs message pipeline (frames go straight to the protocol state machine), no
 * permessage-deflate (its zlib context costs ~300 KB per socket), a frame size limit, and
 * sockets that can act before answering a close ({@link HeraldSocket}).
 * Pings are answered by the FrameDispatcher under the send budget (ws would queue a pong for every
 * ping of a client that never reads), and the HTTP server is handed over to watch raw sockets.
 */
export class HeraldWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly wsOptions: HeraldWsOptions,
    private readonly onHttpServer?: (server: Server) => void,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> = {}) {
    if (this.httpServer) this.onHttpServer?.(this.httpServer as Server);
    return super.create(port, {
      ...options,
      ...this.wsOptions,
      autoPong: false,
      perMessageDeflate: false,
      WebSocket: HeraldSocket,
      handleProtocols: (protocols: Set<string>) =>
        protocols.has(PUSH_SUBPROTOCOL) ? PUSH_SUBPROTOCOL : false,
    });
  }

  override bindMessageHandlers(): void {
    // Frames are read by the FrameDispatcher; Nest's {event, data} routing does not apply.
  }

  override bindClientDisconnect(): void {
    // ConnectionAcceptor listens for 'close' with one shared function; Nest's hook would add a
    // closure and a listener to every socket for a handleDisconnect we do not have.
  }

  override bindErrorHandler(server: { on(event: string, cb: (err: Error) => void): void }) {
    // Per-socket errors are handled by ConnectionAcceptor without a closure per socket.
    server.on('error', () => undefined);
    return server;
  }
}
