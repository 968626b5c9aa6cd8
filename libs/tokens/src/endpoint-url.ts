/**
 * The ingress's push routes, one per kind of endpoint: the gateway builds endpoints with them and
 * the ingress's controllers declare them, so the two roles cannot disagree on a path.
 */
export const PUSH_PATHS = {
  /** SimplePush: `PUT /update/<token>`. */
  simplepush: 'update',
  /** Web Push (RFC 8030) without an application server key. */
  webpushV1: 'wpush/v1',
  /** Web Push bound to an application server key (VAPID required with that key). */
  webpushV2: 'wpush/v2',
  /** UnifiedPush (Herald's distributor), key-bound or not. */
  unifiedpush: 'up',
} as const;

export type PushPath = keyof typeof PUSH_PATHS;

/** A push endpoint: where an application server sends to reach one channel. */
export function pushEndpoint(publicUrl: string, path: PushPath, token: string): string {
  return `${publicUrl}/${PUSH_PATHS[path]}/${token}`;
}
