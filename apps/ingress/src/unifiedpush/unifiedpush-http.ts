import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { countRejection, metrics } from '@herald/observability';
import { DISCOVERY } from '@herald/unifiedpush';
import { Errno, sendFull, sendPushError } from '../http/push-error';
import { sendRateLimited } from '../http/rate-limits';
import type { PushReply } from '../http/push-http';
import { VapidGate } from '../webpush/vapid-gate';
import type { DiscoveryOutcome, UnifiedPushOutcome, UnifiedPushPath } from './unifiedpush-notifier';

/**
 * UnifiedPush outcomes as HTTP, for both URLs a UnifiedPush endpoint has (`/up/<token>` and the
 * seed's `/push/id/<id>`): on the seed's, an unknown or unregistered id is 404 (never 410).
 */
@Injectable()
export class UnifiedPushHttp {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly vapid: VapidGate,
  ) {}

  /** 200 with the discovery answer, 404 forged, 410 (seed: 404) no longer registered. */
  discovery<R extends PushReply>(reply: R, path: UnifiedPushPath, outcome: DiscoveryOutcome): R {
    switch (outcome.kind) {
      case 'unknown':
        return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'unknown endpoint');
      case 'gone':
        return path === 'seed'
          ? sendPushError(reply, 404, Errno.INVALID_TOKEN, 'nobody registered that endpoint')
          : sendPushError(reply, 410, Errno.GONE, 'endpoint unregistered');
      case 'found':
        reply.code(200).type('application/json').send(DISCOVERY);
        return reply;
    }
  }

  /** The answer to a push, counted by path and status (and, refused, by reason). */
  push<R extends PushReply>(reply: R, path: UnifiedPushPath, outcome: UnifiedPushOutcome): R {
    this.answer(reply, path, outcome);
    if (outcome.kind !== 'accepted') countRejection('unifiedpush', reasonOf(outcome));
    metrics.unifiedpushPushes.inc({ path, status: String(reply.statusCode) });
    return reply;
  }

  private answer(reply: PushReply, path: UnifiedPushPath, outcome: UnifiedPushOutcome): PushReply {
    switch (outcome.kind) {
      case 'unknown':
        return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'unknown endpoint');
      case 'unauthorized':
        return this.vapid.refuse(reply, outcome.reason);
      case 'invalid':
        return sendPushError(reply, outcome.status, outcome.errno, outcome.message);
      case 'limited':
        return sendRateLimited(
          reply,
          outcome.retryAfter,
          'endpoint',
          'too many pushes to this endpoint',
        );
      case 'gone':
        return path === 'seed'
          ? sendPushError(reply, 404, Errno.INVALID_TOKEN, 'no client with that id')
          : sendPushError(reply, 410, Errno.GONE, 'endpoint unregistered');
      case 'full':
        return sendFull(reply, outcome.retryAfter);
      case 'accepted':
        // SERV_1.2.0: 201 and `TTL: 0`, whatever TTL the message is kept with.
        return reply
          .code(201)
          .header('TTL', '0')
          .header('Location', `${this.config.PUBLIC_URL}/m/${outcome.id}`)
          .send();
    }
  }
}

function reasonOf(outcome: Exclude<UnifiedPushOutcome, { kind: 'accepted' }>): string {
  switch (outcome.kind) {
    case 'unknown':
      return 'invalid_token';
    case 'unauthorized':
      return 'vapid';
    case 'invalid':
      return `errno_${outcome.errno}`;
    case 'limited':
      return 'rate_limited';
    default:
      return outcome.kind;
  }
}
