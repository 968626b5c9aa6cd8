import WebSocket from 'ws';
import type { Logger } from 'pino';
import { backoffMs, GatewayFrame } from './routing';

/**
 * The one WebSocket to a Herald gateway: reconnects with backoff for ever; `onOpen` runs on each
 * new connection (the distributor sends its hello), `onFrame` for each JSON frame.
 */
export class GatewayLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly onOpen: () => void,
    private readonly onFrame: (f: GatewayFrame) => void,
    private readonly onClose: () => void,
  ) {}

  start(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url, ['push-notification']);
    this.ws = ws;
    ws.on('open', () => {
      this.log.info({ url: this.url }, 'gateway connected');
      this.onOpen();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        const text = (data as Buffer).toString('utf8');
        const f = JSON.parse(text) as GatewayFrame;
        if (f && typeof f === 'object') this.onFrame(f);
      } catch {
        this.log.warn('unparseable frame from the gateway');
      }
    });
    ws.on('error', (err) => this.log.debug({ err: err.message }, 'gateway socket error'));
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onClose();
      if (this.stopped) return;
      const delay = backoffMs(this.attempt++);
      this.log.warn({ code, retryInMs: delay }, 'gateway connection lost');
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  /** A hello was accepted: the connection is good, the next drop starts the backoff afresh. */
  healthy(): void {
    this.attempt = 0;
  }

  send(text: string): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Closes the connection and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000, 'distributor stopping');
  }
}
