import { createServer, IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { TrustProxyFn } from '@herald/config';
import type { PushProtocol } from '@herald/observability';
import { answerPushException } from './push-exception.filter';
import type { PushReply, PushRequest } from './push-http';
import { RawPushReply, RawPushRequest } from './raw-push-http';

/** Fastify's handler of a request that came to its server. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** One push route served on the fast path: the same code its Fastify controller runs. */
export interface HotRoute {
  protocol: PushProtocol;
  handle(token: string, req: PushRequest, reply: PushReply): Promise<unknown>;
}

/** What Fastify passes a serverFactory: the options it would build its own server with. */
interface FastifyServerOptions {
  http?: ServerOptions;
  keepAliveTimeout?: number;
  requestTimeout?: number;
  connectionTimeout?: number;
}

/** A route token: what the token codecs produce, within the router's parameter length. */
const TOKEN = /^[\w-]{1,1024}$/;

/**
 * The push routes (a PUT or POST per notification) served straight from `node:http`, in front of
 * Fastify: Fastify's routing, body parser (an AsyncResource per request on Node 20), reply
 * machinery and Nest's router cost the ingress more CPU than its own work. Only the plain case
 * comes here — a known `<method> /<prefix>/<token>` with no query, a Content-Length within the
 * body limit — and everything else (413, chunked bodies, encoded or overlong tokens, other
 * routes, a closing server) goes to Fastify, which answers it as before. The route code is the
 * controllers' own, and an error is answered as PushExceptionFilter answers it.
 */
export class HotRoutes {
  private readonly routes = new Map<string, HotRoute>();
  private closing = false;

  constructor(
    private readonly maxBodyBytes: number,
    private readonly trusted: TrustProxyFn,
  ) {}

  /** `key` is `<METHOD> /<prefix>/`, e.g. `PUT /update/`. */
  add(key: string, route: HotRoute): void {
    this.routes.set(key, route);
  }

  /** From now on every request goes to Fastify (which answers 503 while it closes). */
  close(): void {
    this.closing = true;
  }

  /** A Fastify `serverFactory`: the server Fastify would build, with this in front of it. */
  createServer(fastify: RequestHandler, opts: FastifyServerOptions): Server {
    const server = createServer(opts.http ?? {}, (req, res) => {
      if (!this.serve(req, res)) fastify(req, res);
    });
    // As Fastify sets up the server it builds itself (lib/server.js getServerInstance).
    if (opts.keepAliveTimeout !== undefined) server.keepAliveTimeout = opts.keepAliveTimeout;
    if (opts.requestTimeout !== undefined) server.requestTimeout = opts.requestTimeout;
    if (opts.connectionTimeout !== undefined) server.setTimeout(opts.connectionTimeout);
    return server;
  }

  /** Serves the request if it is a push route's plain case; false hands it to Fastify. */
  private serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closing || this.routes.size === 0) return false;
    const url = req.url ?? '';
    const slash = url.lastIndexOf('/');
    if (slash <= 0) return false;
    const route = this.routes.get(`${req.method} ${url.slice(0, slash + 1)}`);
    if (!route) return false;
    const token = url.slice(slash + 1);
    if (!TOKEN.test(token)) return false;
    if (req.headers['transfer-encoding'] !== undefined) return false;
    const length = Number(req.headers['content-length'] ?? 0);
    if (!Number.isInteger(length) || length < 0 || length > this.maxBodyBytes) return false;
    this.readBody(req, length, (body) => this.run(route, token, req, res, body));
    return true;
  }

  private readBody(req: IncomingMessage, length: number, then: (body: Buffer) => void): void {
    if (length === 0) {
      // Nothing to read: let the request end by itself (Node discards what is left).
      req.resume();
      then(Buffer.alloc(0));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => then(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  }

  private run(
    route: HotRoute,
    token: string,
    raw: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): void {
    const req = new RawPushRequest(raw, body, this.trusted);
    const reply = new RawPushReply(res);
    route.handle(token, req, reply).catch((err: unknown) => {
      if (res.headersSent) return;
      answerPushException(err, route.protocol, req, reply);
    });
  }
}
