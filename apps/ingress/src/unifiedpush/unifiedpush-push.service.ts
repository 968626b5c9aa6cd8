import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { ChannelRepository } from '@herald/storage';
import { EndpointClaims, EndpointTokenCodec } from '@herald/tokens';
import { DISCOVERY, parseUnifiedPush } from '@herald/unifiedpush';
import { Errno, sendFull, sendPushError } from '../http/push-error';
import { pushHeaderValues } from '../webpush/push-request';
import { WebPushPushService } from '../webpush/webpush-push.service';
import { VapidGate } from '../webpush/vapid-gate';
import { RateLimits, sendRateLimited } from '../http/rate-limits';

/** Which URL the push came in on: `/up/<token>` or the seed's `/push/id/<id>`. */
export type UnifiedPushPath = 'up' | 'seed';

/**
 * A UnifiedPush endpoint is a Web Push channel with another URL: the same token codec, the same
 * message store and routing (WebPushPushService), under UnifiedPush's rules — no header required,
 * 1–4096 bytes delivered byte for byte, 201 with `TTL: 0`, 429 per endpoint.
 */
@Injectable()
export class UnifiedPushService {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly tokens: EndpointTokenCodec,
    private readonly channels: ChannelRepository,
    private readonly limits: RateLimits,
    private readonly pusher: WebPushPushService,
    private readonly vapid: VapidGate,
  ) {}

  /**
   * The claims of a UnifiedPush token; on `/up/` also of a key-bound Web Push token (the D-Bus
   * distributor's registrations made with a VAPID key), which then requires VAPID with that key.
   */
  claimsOf(path: UnifiedPushPath, token: string): EndpointClaims | null {
    const claims = this.tokens.decode(token);
    if (!claims) return null;
    if (claims.kind === 'unifiedpush') return claims;
    return path === 'up' && claims.kind === 'webpush-v2' ? claims : null;
  }

  /** `GET <endpoint>`: the discovery answer, 404 forged, 410 (seed: 404) no longer registered. */
  async discover(path: UnifiedPushPath, token: string, reply: FastifyReply) {
    const claims = this.claimsOf(path, token);
    if (!claims) return sendPushError(reply, 404, Errno.INVALID_TOKEN, 'unknown endpoint');
    let registered: boolean;
    try {
      registered = await this.channels.isRegistered(claims.uaid, claims.channelID);
    } catch {
      return sendPushError(reply, 503, Errno.STORAGE, 'storage unavailable, retry later');
    }
    if (!registered) {
      return path === 'seed'
        ? sendPushError(reply, 404, Errno.INVALID_TOKEN, 'nobody registered that endpoint')
        : sendPushError(reply, 410, Errno.GONE, 'endpoint unregistered');
    }
    return reply.code(200).type('application/json').send(DISCOVERY);
  }

  /** `POST <endpoint>`. */
  async push(
    path: UnifiedPushPath,
    token: string,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const done = (r: FastifyReply) => {
      metrics.unifiedpushPushes.inc({ path, status: String(r.statusCode) });
      return r;
    };
    const claims = this.claimsOf(path, token);
    if (!claims) {
      return done(sendPushError(reply, 404, Errno.INVALID_TOKEN, 'unknown endpoint'));
    }

    // VAPID is optional on UnifiedPush endpoints, but checked when sent, and required with the
    // bound key on a key-bound one.
    const vapid = await this.vapid.check(req, claims);
    if (!vapid.ok) return done(this.vapid.refuse(reply, vapid.reason));

    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseUnifiedPush(
      pushHeaderValues(req),
      body.length,
      this.config.UP_MESSAGE_TTL_SECONDS,
      path === 'seed' ? 413 : 400,
    );
    if (!parsed.ok) {
      const e = parsed.error;
      return done(sendPushError(reply, e.status, e.errno, e.message));
    }

    const retryAfter = await this.limits.endpoint(claims.channelID);
    if (retryAfter) {
      return done(
        sendRateLimited(reply, retryAfter, 'endpoint', 'too many pushes to this endpoint'),
      );
    }

    let outcome;
    try {
      outcome = await this.pusher.push(
        claims.uaid,
        claims.channelID,
        parsed.value,
        body,
        null,
        false,
      );
    } catch {
      return done(sendPushError(reply, 503, Errno.STORAGE, 'storage unavailable, retry later'));
    }
    if (outcome.kind === 'gone') {
      return done(
        path === 'seed'
          ? sendPushError(reply, 404, Errno.INVALID_TOKEN, 'no client with that id')
          : sendPushError(reply, 410, Errno.GONE, 'endpoint unregistered'),
      );
    }
    if (outcome.kind === 'full') return done(sendFull(reply, outcome.retryAfter));
    // SERV_1.2.0: 201 and `TTL: 0`, whatever TTL the message is kept with.
    return done(
      reply
        .code(201)
        .header('TTL', '0')
        .header('Location', `${this.config.PUBLIC_URL}/m/${outcome.id}`)
        .send(),
    );
  }
}
