import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the push routes read of a request and write of a reply: the part of Fastify's request and
 * reply they use, so that the same route code serves both Fastify (every request Fastify routes)
 * and the ingress's own `node:http` fast path (hot-routes.ts).
 */
export interface PushRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body (a Buffer), or undefined when the request had none. */
  readonly body: unknown;
  /** The client address, X-Forwarded-For honoured only from TRUST_PROXY's proxies. */
  readonly ip: string;
}

export interface PushReply {
  readonly statusCode: number;
  code(status: number): PushReply;
  header(name: string, value: string): PushReply;
  type(contentType: string): PushReply;
  send(payload?: unknown): PushReply;
}
