import type { PushHeaderValues } from '@herald/webpush';
import type { PushRequest } from '../http/push-http';

/** One request header as a string (the first, if repeated). */
export function header(req: PushRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function pushHeaderValues(req: PushRequest): PushHeaderValues {
  return {
    ttl: header(req, 'ttl'),
    topic: header(req, 'topic'),
    urgency: header(req, 'urgency'),
    contentEncoding: header(req, 'content-encoding'),
    encryption: header(req, 'encryption'),
    cryptoKey: header(req, 'crypto-key'),
  };
}

/** `Prefer: respond-async` (RFC 7240), among other preferences. */
export function prefersAsync(req: PushRequest): boolean {
  const v = header(req, 'prefer');
  return !!v && v.split(',').some((p) => p.split(';')[0].trim().toLowerCase() === 'respond-async');
}

/** The receipt subscription id in a `Push-Receipt: <url>` header, or null. */
export function receiptIdOf(url: string): string | null {
  const m = /\/receipts\/([A-Za-z0-9_-]+)\/?$/.exec(url.trim());
  return m ? m[1] : null;
}
