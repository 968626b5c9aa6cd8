import { parseVersion, versionFromClock } from '@herald/protocol';

/**
 * What nearly every AppServer sends: `version=N` alone, N a safe integer written canonically.
 * Then N is the canonical version as it stands (no form decoding, no BigInt).
 */
const PLAIN_VERSION = /^version=(0|[1-9][0-9]{0,14})$/;

/**
 * The AppServer's `PUT` body: `version=N` as a form. No version means "now" (UTC seconds), as
 * SimplePush specifies. Returns the canonical version or null for an invalid one.
 */
export function versionOfUpdate(
  body: Buffer | undefined,
  query: Record<string, unknown>,
  nowMs: number,
): string | null {
  const text = body && body.length ? body.toString('latin1') : '';
  const plain = PLAIN_VERSION.exec(text);
  if (plain) return plain[1];
  const form = new URLSearchParams(text);
  const given = form.get('version') ?? (typeof query.version === 'string' ? query.version : null);
  if (given === null || given === '') return versionFromClock(nowMs);
  return parseVersion(given);
}
