import WebSocket from 'ws';

/** Work to finish before a socket's close frame is written; undefined: none, close at once. */
export type BeforeClose = (this: HeraldSocket) => Promise<unknown> | undefined;

/** The close frame waits at most this long for that work: a Redis outage must not hold sockets. */
export const BEFORE_CLOSE_WAIT_MS = 1_000;

/**
 * A `ws` server socket that lets the gateway act before the close frame goes out. When the
 * client's close frame arrives, `ws` answers it at once, and the client sees its close handshake
 * complete (its 'close' event) before the server socket's own 'close' event: work done there (the
 * route's release) comes too late for a push sent by the client's side right then. `ws` answers
 * through close(), so that is where the answer waits.
 */
export class HeraldSocket extends WebSocket {
  /** A shared function (no closure per socket); cleared once it ran. */
  beforeClose: BeforeClose | null = null;

  override close(code?: number, data?: string | Buffer): void {
    const hook = this.beforeClose;
    this.beforeClose = null;
    const work = hook && this.readyState === WebSocket.OPEN ? hook.call(this) : undefined;
    if (!work) return super.close(code, data);
    // `ws` passes the reason as a view into a socket buffer: keep a copy for the wait.
    const reason = Buffer.isBuffer(data) ? Buffer.from(data) : data;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((resolve) => {
      timer = setTimeout(resolve, BEFORE_CLOSE_WAIT_MS);
    });
    void Promise.race([work.catch(() => undefined), bound]).then(() => {
      clearTimeout(timer);
      super.close(code, reason); // a no-op when the peer's TCP close came first
    });
  }
}
