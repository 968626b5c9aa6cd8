import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { metrics } from '@herald/observability';
import { Errno, errorBody } from '@herald/webpush';

export function sendSeedError(
  reply: FastifyReply,
  code: number,
  errno: number,
  message: string,
): FastifyReply {
  if (code === 503) reply.header('Retry-After', '5');
  return reply
    .code(code)
    .type('application/json')
    .send(errorBody(code, errno, message));
}

/** 429 with Retry-After for an address over its registration limit, counted as by="ip". */
export function sendRegistrationLimited(reply: FastifyReply, retryAfter: number): FastifyReply {
  metrics.rateLimited.inc({ by: 'ip' });
  reply.header('Retry-After', String(retryAfter));
  return sendSeedError(reply, 429, Errno.RATE_LIMITED, 'too many registrations from this address');
}

/** The same error once the response was hijacked for a stream (nothing written yet). */
export function writeSeedError(
  raw: ServerResponse,
  code: number,
  errno: number,
  message: string,
): void {
  if (raw.headersSent || raw.destroyed) return;
  raw.writeHead(code, { 'Content-Type': 'application/json' });
  raw.end(JSON.stringify(errorBody(code, errno, message)));
}
