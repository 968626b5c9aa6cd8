import { Controller, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { countRejection } from '@herald/observability';
import { EndpointKind, EndpointTokenCodec, PUSH_PATHS } from '@herald/tokens';
import { parsePushHeaders, ReceiptIdCodec } from '@herald/webpush';
import { Errno, sendFull, sendPushError } from '../http/push-error';
import { PushExceptionFilter } from '../http/push-exception.filter';
import type { PushReply, PushRequest } from '../http/push-http';
import { header, prefersAsync, pushHeaderValues, receiptIdOf } from './push-request';
import { RateLimits, sendRateLimited } from '../http/rate-limits';
import { WebPushNotifier } from './webpush-notifier';
import { VapidGate } from './vapid-gate';

/**
 * RFC 8030 push: `POST /wpush/v1/<token>` and, bound to the application server's key,
 * `POST /wpush/v2/<token>`. 201 (202 with `Prefer: respond-async`) with `Location: /m/<id>` and
 * the TTL honoured; 400 bad headers, 401 VAPID, 404 forged token, 410 unsubscribed, 413 too
 * large, 429 rate limited or too many messages waiting (Retry-After), 503 storage unavailable.
 */
@Controller()
@UseFilters(new PushExceptionFilter('webpush'))
export class WebPushController {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly tokens: EndpointTokenCodec,
    private readonly receipts: ReceiptIdCodec,
    private readonly limits: RateLimits,
    private readonly pusher: WebPushNotifier,
    private readonly vapid: VapidGate,
  ) {}

  @Post(`${PUSH_PATHS.webpushV1}/:token`)
  v1(@Param('token') token: string, @Req() req: PushRequest, @Res() reply: PushReply) {
    return this.push('webpush', token, req, reply);
  }

  @Post(`${PUSH_PATHS.webpushV2}/:token`)
  v2(@Param('token') token: string, @Req() req: PushRequest, @Res() reply: PushReply) {
    return this.push('webpush-v2', token, req, reply);
  }

  private async push(
    kind: EndpointKind,
    token: string,
    req: PushRequest,
    reply: PushReply,
  ): Promise<PushReply> {
    const claims = this.tokens.decode(token);
    if (!claims || claims.kind !== kind) {
      countRejection('webpush', 'invalid_token');
      return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'invalid push endpoint');
    }

    const vapid = await this.vapid.check(req, claims);
    if (!vapid.ok) return this.vapid.refuse(reply, vapid.reason);
    const senderKey = vapid.senderKey;

    const sender = senderKey ? `k:${senderKey.toString('base64url')}` : `ip:${req.ip}`;
    const retryAfter = await this.limits.sender(sender);
    if (retryAfter) {
      const by = senderKey ? 'vapid' : 'ip';
      return sendRateLimited(reply, retryAfter, by, 'too many pushes, slow down');
    }
    const endpointRetryAfter = await this.limits.subscription(claims.uaid, claims.channelID);
    if (endpointRetryAfter) {
      return sendRateLimited(
        reply,
        endpointRetryAfter,
        'endpoint',
        'too many pushes to this subscription, slow down',
      );
    }

    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parsePushHeaders(pushHeaderValues(req), body.length, {
      maxPayload: this.config.WEBPUSH_MAX_DATA_BYTES,
    });
    if (!parsed.ok) {
      countRejection('webpush', `errno_${parsed.error.errno}`);
      return sendPushError(reply, parsed.error.status, parsed.error.errno, parsed.error.message);
    }

    let receipt: string | null = null;
    const receiptUrl = header(req, 'push-receipt');
    if (receiptUrl !== undefined) {
      receipt = receiptIdOf(receiptUrl);
      if (!receipt || !this.receipts.isGenuine(receipt)) {
        countRejection('webpush', 'invalid_receipt');
        return sendPushError(
          reply,
          400,
          Errno.INVALID_RECEIPT,
          'Push-Receipt must be a receipt subscription URL from POST /receipts',
        );
      }
    }

    const respondAsync = prefersAsync(req);
    const outcome = await this.pusher.push(
      claims.uaid,
      claims.channelID,
      parsed.value,
      body,
      receipt,
      respondAsync,
    );
    if (outcome.kind === 'gone') {
      countRejection('webpush', 'gone');
      return sendPushError(reply, 410, Errno.GONE, 'subscription unregistered');
    }
    if (outcome.kind === 'full') return sendFull(reply, outcome.retryAfter);
    if (respondAsync) reply.header('Preference-Applied', 'respond-async');
    return reply
      .code(respondAsync ? 202 : 201)
      .header('Location', `${this.config.PUBLIC_URL}/m/${outcome.id}`)
      .header('TTL', String(parsed.value.ttl))
      .send();
  }
}
