/** Server frames of the Web Push flavor (Firefox's PushServiceWebSocket). */

export interface WebPushNotification {
  channelID: string;
  /** The message id: an opaque string the client acks with. */
  version: string;
  /** base64url body; absent when the push had none. */
  data?: string;
  /** encoding (+ encryption and crypto_key for aesgcm); only with data. */
  headers?: Record<string, string>;
}

export function webpushNotification(n: WebPushNotification): string {
  return JSON.stringify({
    messageType: 'notification',
    channelID: n.channelID,
    version: n.version,
    ...(n.data ? { data: n.data, headers: n.headers ?? {} } : {}),
  });
}

/**
 * Broadcast versions the client does not have yet; unknown ids come back under `errors`, nested
 * in the same map as autopush does (Firefox ignores keys it has no listener for).
 */
export function broadcastFrame(
  changed: Record<string, string>,
  errors: Record<string, string> = {},
): string {
  return JSON.stringify({
    messageType: 'broadcast',
    broadcasts: Object.keys(errors).length ? { ...changed, errors } : changed,
  });
}
