import webpush from 'web-push';
import { insecureAgent } from './tls-front';

/**
 * The application server side of the tests: the npm `web-push` library, unmodified, as every
 * Web Push sender uses it, plus raw requests for what a library would never send.
 */
export interface PushResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type VapidKeys = { publicKey: string; privateKey: string };

export const newVapidKeys = (): VapidKeys => webpush.generateVAPIDKeys();

export interface Target {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export async function sendWebPush(
  sub: Target,
  payload: string | Buffer | null,
  opts: webpush.RequestOptions & { vapid?: VapidKeys | null } = {},
): Promise<PushResult> {
  const { vapid, ...rest } = opts;
  try {
    const r = await webpush.sendNotification({ endpoint: sub.endpoint, keys: sub.keys }, payload, {
      TTL: 60,
      agent: insecureAgent,
      ...(vapid ? { vapidDetails: { subject: 'mailto:ops@example.net', ...vapid } } : {}),
      ...rest,
    });
    return { status: r.statusCode, headers: r.headers, body: r.body };
  } catch (err) {
    if (err instanceof webpush.WebPushError) {
      return { status: err.statusCode, headers: err.headers, body: err.body };
    }
    throw err;
  }
}

/** VAPID headers as web-push makes them, for raw requests. */
export function vapidHeaders(
  audience: string,
  keys: VapidKeys,
  encoding: 'aes128gcm' | 'aesgcm' = 'aes128gcm',
  expiration?: number,
): Record<string, string> {
  return webpush.getVapidHeaders(
    audience,
    'mailto:ops@example.net',
    keys.publicKey,
    keys.privateKey,
    encoding,
    expiration,
  ) as Record<string, string>;
}
