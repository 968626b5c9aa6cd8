import { EventEmitter, once } from 'node:events';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the fake answers to an authorized poll (after `delayMs`); 'hang' never answers. */
export type MegaphoneAnswer = { status: number; body: string; delayMs?: number } | 'hang';

/**
 * A Megaphone service as autopush-rs's integration tests fake it: `GET /v1/broadcasts` answers
 * `{"code":200,"broadcasts":{…}}` when `Authorization` is exactly `Bearer <token>` (401 otherwise),
 * and `/v1/broadcasts/` redirects there (307) as FastAPI does for a trailing slash. A real HTTP
 * server on a free port; it can be stopped and started again on the same port.
 */
export class FakeMegaphone {
  answer: MegaphoneAnswer = { status: 200, body: '{"code":200,"broadcasts":{}}' };
  /** Every Authorization header received, in order (redirects included). */
  readonly authorizations: Array<string | undefined> = [];
  /** Polls answered (authorized requests to /v1/broadcasts), whatever the answer. */
  polls = 0;
  private readonly events = new EventEmitter();
  private server: Server;
  private port = 0;

  private constructor(private readonly token: string) {
    this.server = this.create();
  }

  static async start(token: string): Promise<FakeMegaphone> {
    const m = new FakeMegaphone(token);
    await m.listen();
    return m;
  }

  /** The URL autopush's settings give (`megaphone_api_url`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1/broadcasts`;
  }

  /** Answer these versions from now on. */
  serve(broadcasts: Record<string, string>): void {
    this.answer = { status: 200, body: JSON.stringify({ code: 200, broadcasts }) };
  }

  /** Resolves once a poll that arrives after this call has been answered (or left hanging). */
  nextPoll(timeoutMs = 10_000): Promise<unknown> {
    return once(this.events, 'poll', { signal: AbortSignal.timeout(timeoutMs) });
  }

  /**
   * Resolves when the next poll arrives, before it is answered: the moment autopush-rs's tests
   * take for "Megaphone was polled" (their fake sets its event in the request handler).
   */
  nextArrival(timeoutMs = 10_000): Promise<unknown> {
    return once(this.events, 'arrival', { signal: AbortSignal.timeout(timeoutMs) });
  }

  /** Down: connections refused until start(). Hanging polls are cut. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** Up again on the same port. */
  async restart(): Promise<void> {
    this.server = this.create();
    await this.listen();
  }

  private create(): Server {
    return createServer((req, res) => {
      this.authorizations.push(req.headers.authorization);
      if (req.url === '/v1/broadcasts/') {
        res.writeHead(307, { location: '/v1/broadcasts' }).end();
        return;
      }
      if (req.url !== '/v1/broadcasts' || req.method !== 'GET') {
        res.writeHead(404).end();
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        res.writeHead(401).end('{"code":401,"error":"Unauthorized"}');
        return;
      }
      this.polls++;
      this.events.emit('arrival');
      const a = this.answer;
      if (a !== 'hang' && a.delayMs) {
        setTimeout(() => {
          this.reply(res, a);
          this.events.emit('poll');
        }, a.delayMs);
        return;
      }
      this.reply(res, a);
      this.events.emit('poll');
    });
  }

  private reply(res: ServerResponse, a: MegaphoneAnswer): void {
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  }

  private async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
}
