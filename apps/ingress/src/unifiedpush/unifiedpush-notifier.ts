import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { ChannelRepository } from '@herald/storage';
import { EndpointClaims, EndpointTokenCodec } from '@herald/tokens';
import { parseUnifiedPush } from '@herald/unifiedpush';
import { pushHeaderValues } from '../webpush/push-request';
import { WebPushNotifier } from '../webpush/webpush-notifier';
import { VapidGate } from '../webpush/vapid-gate';
import { RateLimits } from '../http/rate-limits';
import type { PushRequest } from '../http/push-http';

/** Which URL the push came in on: `/up/<token>` or the seed's `/push/id/<id>`. */
export type UnifiedPushPath = 'up' | 'seed';

/** What a discovery (`GET <endpoint>`) found. */
export type DiscoveryOutcome = { kind: 'found' } | { kind: 'unknown' } | { kind: 'gone' };

/** What became of a UnifiedPush push: the controller turns it into HTTP (unifiedpush-http.ts). */
export type UnifiedPushOutcome =
  /** The token is forged or not a UnifiedPush one. */
  | { kind: 'unknown' }
  | { kind: 'unauthorized'; reason: string }
  | { kind: 'invalid'; status: number; errno: number; message: string }
  | { kind: 'limited'; retryAfter: number }
  | { kind: 'gone' }
  | { kind: 'full'; retryAfter: number }
  | { kind: 'accepted'; id: string };

/**
 * A UnifiedPush endpoint is a Web Push channel with another URL: the same token codec, the same
 * message store and routing (WebPushNotifier), under UnifiedPush's rules — no header required,
 * 1–4096 bytes delivered byte for byte, 201 with `TTL: 0`, 429 per endpoint.
 */
@Injectable()
export class UnifiedPushNotifier {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly tokens: EndpointTokenCodec,
    private readonly channels: ChannelRepository,
    private readonly limits: RateLimits,
    private readonly pusher: WebPushNotifier,
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

  /** `GET <endpoint>`: whether the endpoint is genuine and still registered. */
  async discover(path: UnifiedPushPath, token: string): Promise<DiscoveryOutcome> {
    const claims = this.claimsOf(path, token);
    if (!claims) return { kind: 'unknown' };
    const registered = await this.channels.isRegistered(claims.uaid, claims.channelID);
    return registered ? { kind: 'found' } : { kind: 'gone' };
  }

  /** `POST <endpoint>`. */
  async push(path: UnifiedPushPath, token: string, req: PushRequest): Promise<UnifiedPushOutcome> {
    const claims = this.claimsOf(path, token);
    if (!claims) return { kind: 'unknown' };

    // VAPID is optional on UnifiedPush endpoints, but checked when sent, and required with the
    // bound key on a key-bound one.
    const vapid = await this.vapid.check(req, claims);
    if (!vapid.ok) return { kind: 'unauthorized', reason: vapid.reason };

    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseUnifiedPush(
      pushHeaderValues(req),
      body.length,
      this.config.UP_MESSAGE_TTL_SECONDS,
      path === 'seed' ? 413 : 400,
    );
    if (!parsed.ok) return { kind: 'invalid', ...parsed.error };

    const retryAfter = await this.limits.endpoint(claims.channelID);
    if (retryAfter) return { kind: 'limited', retryAfter };

    const outcome = await this.pusher.push(
      claims.uaid,
      claims.channelID,
      parsed.value,
      body,
      null,
      false,
    );
    if (outcome.kind === 'accepted') return { kind: 'accepted', id: outcome.id };
    return outcome;
  }
}
