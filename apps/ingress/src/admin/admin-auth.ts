import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminAuth = 'ok' | 'disabled' | 'unauthorized';

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`. With no ADMIN_TOKEN configured the admin endpoints are
 * off (403), so a forgotten setting never leaves them open. Digests are compared in constant time.
 */
export function checkAdmin(configured: string | undefined, authorization: unknown): AdminAuth {
  if (!configured) return 'disabled';
  const m = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!m) return 'unauthorized';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(configured)) ? 'ok' : 'unauthorized';
}
