import { Controller, Param, Put, Query, Req, Res, UseFilters } from '@nestjs/common';
import { countRejection, metrics } from '@herald/observability';
import { EndpointTokenCodec, PUSH_PATHS } from '@herald/tokens';
import { Errno, sendPushError } from '../http/push-error';
import { PushExceptionFilter } from '../http/push-exception.filter';
import type { PushReply, PushRequest } from '../http/push-http';
import { SimplePushNotifier } from './simplepush-notifier';
import { versionOfUpdate } from './update-body';

/**
 * SimplePush AppServer endpoint: `PUT /update/<token>` with `version=N`.
 * 200 routed to a live gateway, 202 stored for later (or not newer than what is stored),
 * 400 bad version, 404 unknown or forged token, 410 unregistered, 413 oversized body, 429
 * (with Retry-After) beyond SIMPLEPUSH_RATE_LIMIT_PER_MINUTE for the endpoint,
 * 503 (with Retry-After) when storage is unavailable.
 */
@Controller(PUSH_PATHS.simplepush)
@UseFilters(new PushExceptionFilter('simplepush'))
export class UpdateController {
  constructor(
    private readonly tokens: EndpointTokenCodec,
    private readonly notifier: SimplePushNotifier,
  ) {}

  @Put(':token')
  async update(
    @Param('token') token: string,
    @Query() query: Record<string, unknown>,
    @Req() req: PushRequest,
    @Res() reply: PushReply,
  ) {
    const claims = this.tokens.decode(token);
    if (!claims || claims.kind !== 'simplepush') {
      countRejection('simplepush', 'invalid_token');
      return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'invalid push endpoint');
    }
    const version = versionOfUpdate(req.body as Buffer | undefined, query, Date.now());
    if (version === null) {
      countRejection('simplepush', 'invalid_version');
      return sendPushError(
        reply,
        400,
        Errno.INVALID_VERSION,
        'version must be an integer from 0 to 9223372036854775807',
      );
    }
    const outcome = await this.notifier.notify(claims.uaid, claims.channelID, version);
    switch (outcome.kind) {
      case 'limited':
        countRejection('simplepush', 'rate_limited');
        reply.header('Retry-After', String(outcome.retryAfterSeconds));
        return sendPushError(reply, 429, Errno.RATE_LIMITED, 'too many updates for this endpoint');
      case 'gone':
        countRejection('simplepush', 'gone');
        return sendPushError(reply, 410, Errno.GONE, 'channel unregistered');
      case 'accepted': {
        const { result } = outcome;
        metrics.accepted.inc({ result });
        return reply.code(result === 'routed' ? 200 : 202).send({ status: result, version });
      }
    }
  }
}
