import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { EndpointClaims } from '@herald/tokens';
import {
  applicationServerKeyHash,
  parseVapidAuthorization,
  verifyVapid,
  Errno,
} from '@herald/webpush';
import { sendPushError } from '../http/push-error';
import type { PushReply, PushRequest } from '../http/push-http';
import { header } from './push-request';

export type VapidOutcome = { ok: true; senderKey: Buffer | null } | { ok: false; reason: string };

/**
 * VAPID (RFC 8292) on a push: optional, but verified when sent; required, with the very key the
 * subscription was made with, on a key-bound (v2) endpoint. One gate for Web Push and UnifiedPush.
 */
@Injectable()
export class VapidGate {
  /** VAPID tokens are for the push service's origin, as the application server sees it. */
  private readonly audience: string;

  constructor(@Inject(HERALD_CONFIG) config: HeraldConfig) {
    this.audience = new URL(config.PUBLIC_URL).origin;
  }

  /** The SHA-256 of the sender's key (null when the push carried no VAPID), or why it fails. */
  async check(req: PushRequest, claims: EndpointClaims): Promise<VapidOutcome> {
    const creds = parseVapidAuthorization(header(req, 'authorization'), header(req, 'crypto-key'));
    if (creds === 'malformed') return { ok: false, reason: 'malformed' };
    let senderKey: Buffer | null = null;
    if (creds) {
      const vapid = await verifyVapid(creds, { audience: this.audience });
      if (!vapid.ok) return { ok: false, reason: vapid.reason };
      senderKey = applicationServerKeyHash(vapid.publicKey);
    }
    if (claims.kind === 'webpush-v2') {
      if (!senderKey) return { ok: false, reason: 'missing' };
      if (!claims.keyHash || !senderKey.equals(claims.keyHash))
        return { ok: false, reason: 'key_mismatch' };
    }
    return { ok: true, senderKey };
  }

  /** 401 with the reason, counted. */
  refuse<R extends PushReply>(reply: R, reason: string): R {
    metrics.vapidFailures.inc({ reason });
    const message =
      reason === 'missing'
        ? 'this endpoint requires VAPID (Authorization: vapid t=…, k=…)'
        : reason === 'key_mismatch'
          ? 'VAPID key differs from the key this subscription was made with'
          : `VAPID authorization failed (${reason})`;
    return sendPushError(reply, 401, Errno.INVALID_AUTH, message);
  }
}
