import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, metrics } from '@herald/observability';
import { newUaid } from '@herald/protocol';
import { SeedRepository } from '@herald/storage';
import { EndpointTokenCodec } from '@herald/tokens';
import { MAX_IDS_PER_STREAM, parseMultiIds, SeedStreamKind } from '@herald/unifiedpush';
import { Errno, sendPushError } from '../http/push-error';
import { PushExceptionFilter } from '../http/push-exception.filter';
import { RateLimits, sendRateLimited } from '../http/rate-limits';
import { INGRESS_LOGGER } from '../ingress.tokens';
import { UnifiedPushHttp } from '../unifiedpush/unifiedpush-http';
import { UnifiedPushNotifier } from '../unifiedpush/unifiedpush-notifier';
import { SeedStreamService } from './seed-stream.service';

/**
 * The seed's server–distributor protocol (MayeulC/PyUPush `UnifiedPush/server.py`), so its
 * distributor can use Herald unchanged but for the URL:
 * `GET /client/register` → `{"id":"…"}`; `GET /client/id/<id>` and
 * `GET /client/multi_id/<id>&<id>…` stream messages; `GET|POST /push/id/<id>` is the endpoint.
 *
 * An id is a UnifiedPush endpoint token (AES-GCM of a fresh UAID and channel: unguessable and
 * refused without Redis when forged). As in the seed, the id is both the push endpoint and the
 * read capability.
 */
@Controller()
export class SeedController {
  constructor(
    @Inject(INGRESS_LOGGER) private readonly log: Logger,
    private readonly tokens: EndpointTokenCodec,
    private readonly seeds: SeedRepository,
    private readonly streams: SeedStreamService,
    private readonly up: UnifiedPushNotifier,
    private readonly upHttp: UnifiedPushHttp,
    private readonly limits: RateLimits,
  ) {}

  @Get('client/register')
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const retryAfter = await this.limits.registration(req.ip);
    if (retryAfter) {
      return sendRateLimited(reply, retryAfter, 'ip', 'too many registrations from this address');
    }
    const uaid = newUaid();
    const channelID = randomUUID();
    try {
      await this.seeds.create(uaid, channelID);
    } catch {
      return sendPushError(reply, 503, Errno.STORAGE, 'storage unavailable, retry later');
    }
    metrics.seedRegistrations.inc();
    const id = this.tokens.encode({ kind: 'unifiedpush', uaid, channelID });
    return reply.code(200).type('application/json').send({ id });
  }

  @Get('client/id/:id')
  text(@Param('id') id: string, @Res() reply: FastifyReply) {
    return this.stream('text', [id], reply);
  }

  @Get('client/multi_id/*')
  multi(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const ids = parseMultiIds((req.params as Record<string, string>)['*'] ?? '');
    if (!ids) {
      return sendPushError(
        reply,
        400,
        Errno.BAD_BODY,
        `1 to ${MAX_IDS_PER_STREAM} ids joined by &`,
      );
    }
    return this.stream('multi', ids, reply);
  }

  @Get('push/id/:id')
  async discover(@Param('id') id: string, @Res() reply: FastifyReply) {
    return this.upHttp.discovery(reply, 'seed', await this.up.discover('seed', id));
  }

  @Post('push/id/:id')
  @UseFilters(new PushExceptionFilter('unifiedpush'))
  async push(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.upHttp.push(reply, 'seed', await this.up.push('seed', id, req));
  }

  private async stream(kind: SeedStreamKind, ids: string[], reply: FastifyReply) {
    const decoded: Array<{ id: string; uaid: string }> = [];
    const unknown: string[] = [];
    for (const id of ids) {
      const claims = this.up.claimsOf('seed', id);
      if (claims) decoded.push({ id, uaid: claims.uaid });
      else unknown.push(id);
    }
    if (unknown.length) return this.unknown(reply, unknown);
    // The response is written by the stream from here on, not by Fastify.
    reply.hijack();
    try {
      const r = await this.streams.open(kind, decoded, reply.raw);
      if (r === 'unknown') this.writeUnknown(reply, ids);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'seed stream failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '5' });
      }
      reply.raw.end();
    }
  }

  private unknown(reply: FastifyReply, ids: string[]) {
    return sendPushError(reply, 404, Errno.INVALID_TOKEN, `unknown id: ${ids.join(' ')}`);
  }

  /** The stream found an id that is not (or no longer) a seed id: 404, unless it already began. */
  private writeUnknown(reply: FastifyReply, ids: string[]) {
    const raw = reply.raw;
    if (!raw.headersSent && !raw.destroyed) {
      raw.writeHead(404, { 'Content-Type': 'application/json' });
      raw.end(
        JSON.stringify({
          code: 404,
          errno: Errno.INVALID_TOKEN,
          error: 'Not Found',
          message: `unknown id among: ${ids.join(' ')}`,
        }),
      );
    }
  }
}
