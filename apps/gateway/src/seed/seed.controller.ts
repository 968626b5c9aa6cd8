import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from '@herald/observability';
import { Errno } from '@herald/webpush';
import { MAX_IDS_PER_STREAM, parseMultiIds, SeedStreamKind } from '@herald/unifiedpush';
import { GATEWAY_LOGGER } from '../gateway.tokens';
import { sendRegistrationLimited, sendSeedError, writeSeedError } from './seed-http';
import { SeedRegistrations } from './seed-registrations';
import { SeedStreamRegistry } from './seed-stream.registry';

/**
 * The client side of the seed's server–distributor protocol (MayeulC/PyUPush
 * `UnifiedPush/server.py`), so its distributor can use Herald unchanged but for the URL:
 * `GET /client/register` → `{"id":"…"}`; `GET /client/id/<id>` and
 * `GET /client/multi_id/<id>&<id>…` stream messages. The streams are client connections, so they
 * live on the gateway beside the WebSocket paths; the push endpoint `GET|POST /push/id/<id>` is
 * the ingress's. As in the seed, the id is both the push endpoint and the read capability.
 */
@Controller('client')
export class SeedController {
  constructor(
    @Inject(GATEWAY_LOGGER) private readonly log: Logger,
    private readonly registrations: SeedRegistrations,
    private readonly streams: SeedStreamRegistry,
  ) {}

  @Get('register')
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    let outcome;
    try {
      outcome = await this.registrations.register(req.ip);
    } catch {
      return sendSeedError(reply, 503, Errno.STORAGE, 'storage unavailable, retry later');
    }
    if (outcome.kind === 'limited') return sendRegistrationLimited(reply, outcome.retryAfter);
    return reply.code(200).type('application/json').send({ id: outcome.id });
  }

  @Get('id/:id')
  text(@Param('id') id: string, @Res() reply: FastifyReply) {
    return this.stream('text', [id], reply);
  }

  @Get('multi_id/*')
  multi(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const ids = parseMultiIds((req.params as Record<string, string>)['*'] ?? '');
    if (!ids) {
      return sendSeedError(
        reply,
        400,
        Errno.BAD_BODY,
        `1 to ${MAX_IDS_PER_STREAM} ids joined by &`,
      );
    }
    return this.stream('multi', ids, reply);
  }

  private async stream(kind: SeedStreamKind, ids: string[], reply: FastifyReply) {
    const decoded: Array<{ id: string; uaid: string }> = [];
    const unknown: string[] = [];
    for (const id of ids) {
      const uaid = this.registrations.uaidOf(id);
      if (uaid) decoded.push({ id, uaid });
      else unknown.push(id);
    }
    if (unknown.length) {
      return sendSeedError(reply, 404, Errno.INVALID_TOKEN, `unknown id: ${unknown.join(' ')}`);
    }
    // The response is written by the stream from here on, not by Fastify.
    reply.hijack();
    try {
      const r = await this.streams.open(kind, decoded, reply.raw);
      // An id that is not (or no longer) a seed id: 404, unless the stream already began.
      if (r === 'unknown') {
        writeSeedError(reply.raw, 404, Errno.INVALID_TOKEN, `unknown id among: ${ids.join(' ')}`);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'seed stream failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '5' });
      }
      reply.raw.end();
    }
  }
}
