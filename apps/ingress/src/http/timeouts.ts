import type { Socket } from 'node:net';
import type { HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { Errno, errorBody } from '@herald/webpush';

/**
 * How long the ingress lets a client take. Node's defaults hold a request whose body trickles in
 * for ever (requestTimeout 0 under Fastify) and slow headers for a minute, so a few hundred slow
 * clients could use up the process's descriptors. Every phase where the client owes bytes is
 * bounded here; the seed protocol's streams are not cut, as their request is complete at the
 * headers and only the response is long.
 */
export function ingressTimeouts(config: HeraldConfig) {
  const request = config.INGRESS_REQUEST_TIMEOUT_MS;
  return {
    /** Headers and body must have arrived by then: 408 and the socket is closed. */
    requestTimeout: request,
    /** An idle keep-alive socket is closed after this (above load balancers' 60 s idle time). */
    keepAliveTimeout: config.INGRESS_KEEPALIVE_TIMEOUT_MS,
    /**
     * A socket with no bytes either way for this long is destroyed: the backstop for a client that
     * stops reading. Seed streams write a keep-alive every SEED_KEEPALIVE_MS, so it stays above.
     */
    connectionTimeout: Math.max(60_000, 2 * config.SEED_KEEPALIVE_MS + request),
    http: {
      headersTimeout: request,
      requestTimeout: request,
      // Node checks both timeouts every 30 s by default, which would let a 10 s limit run 40 s.
      connectionsCheckingInterval: Math.min(1_000, request),
    },
    clientErrorHandler: answerClientError,
  };
}

const STATUS: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
};

/**
 * A request Node gave up on before it reached Fastify: a slow client past the request timeout
 * (counted, so an operator sees slow-loris traffic), oversized headers, or bytes that are no HTTP.
 * Answered as Fastify would, in our error shape, and the socket closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    metrics.clientBudget.inc({ budget: 'ingress_request_time' });
  }
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = STATUS[err.code ?? ''] ?? 400;
  const body = errorBody(code, Errno.INTERNAL, 'request not read');
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${code} ${body.error}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
