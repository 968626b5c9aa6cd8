import { parseVersion, versionFromClock } from '@herald/protocol';

/**
 * The AppServer's `PUT` body: `version=N` as a form. No version means "now" (UTC seconds), as
 * SimplePush specifies. Returns the canonical version or null for an invalid one.
 */
export function versionOfUpdate(
  body: Buffer | undefined,
  query: Record<string, unknown>,
  nowMs: number,
): string | null {
  const form = new URLSearchParams(body && body.length ? body.toString('latin1') : '');
  const given = form.get('version') ?? (typeof query.version === 'string' ? query.version : null);
  if (given === null || given === '') return versionFromClock(nowMs);
  return parseVersion(given);
}
