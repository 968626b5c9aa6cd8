import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress, TrustProxyFn } from '@herald/config';
import type { PushReply, PushRequest } from './push-http';

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** A request on the fast path: its body already read, the client address worked out if asked. */
export class RawPushRequest implements PushRequest {
  private address: string | undefined;

  constructor(
    private readonly raw: IncomingMessage,
    readonly body: Buffer,
    private readonly trusted: TrustProxyFn,
  ) {}

  get method(): string {
    return this.raw.method ?? '';
  }

  get url(): string {
    return this.raw.url ?? '';
  }

  get headers(): IncomingHttpHeaders {
    return this.raw.headers;
  }

  get ip(): string {
    return (this.address ??= clientAddress(
      this.trusted,
      this.raw.socket.remoteAddress ?? '',
      this.raw.headers['x-forwarded-for'],
    ));
  }
}

/**
 * A reply on the fast path, written as Fastify writes the same reply (its `send`): objects as
 * JSON with `application/json; charset=utf-8`, a charset added to a JSON type that has none,
 * `Content-Length: 0` for an empty body (but not on a 204), one `writeHead` and one `end`.
 */
export class RawPushReply implements PushReply {
  statusCode = 200;
  private readonly headers: Record<string, string> = {};
  private sent = false;

  constructor(private readonly res: ServerResponse) {}

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  header(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  type(contentType: string): this {
    this.headers['content-type'] = contentType;
    return this;
  }

  send(payload?: unknown): this {
    if (this.sent) return this;
    this.sent = true;
    const status = this.statusCode;
    if (payload === undefined || payload === null) {
      if (status >= 200 && status !== 204 && status !== 304) this.headers['content-length'] = '0';
      this.res.writeHead(status, this.headers).end();
      return this;
    }
    const type = this.headers['content-type'];
    let text: string;
    if (typeof payload === 'string') {
      text = payload;
      if (type === undefined) this.headers['content-type'] = TEXT_TYPE;
      else this.withCharset(type);
    } else {
      text = JSON.stringify(payload);
      if (type === undefined) this.headers['content-type'] = JSON_TYPE;
      else this.withCharset(type);
    }
    if (status === 204) {
      delete this.headers['content-type'];
      this.res.writeHead(status, this.headers).end();
      return this;
    }
    this.headers['content-length'] = String(Buffer.byteLength(text));
    this.res.writeHead(status, this.headers).end(text);
    return this;
  }

  private withCharset(type: string): void {
    if (type.includes('json') && !/;\s*charset=/i.test(type)) {
      this.headers['content-type'] = `${type}; charset=utf-8`;
    }
  }
}
