import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { metrics } from '@herald/observability';
import { Errno } from '@herald/webpush';

/** The statuses the seed routes answer with, in the error shape of the ingress. */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** An error body as every Herald HTTP answer has it: {code, errno, error, message}. */
export function seedErrorBody(code: number, errno: number, message: string) {
  return { code, errno, error: STATUS_TEXT[code] ?? 'Error', message };
}

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
    .send(seedErrorBody(code, errno, message));
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
  raw.end(JSON.stringify(seedErrorBody(code, errno, message)));
}
