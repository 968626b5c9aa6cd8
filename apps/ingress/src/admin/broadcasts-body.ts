import { broadcastEntryError } from '@herald/protocol';

/**
 * The body of `PUT /admin/broadcasts`: a JSON object `{ "<id>": "<version>" }` (a number is taken
 * as its decimal text). Returns the pairs or an error message.
 */
export function parseBroadcastsBody(body: unknown): Record<string, string> | string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body ?? ''));
  } catch {
    return 'body must be a JSON object {"<id>": "<version>"}';
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return 'body must be a JSON object {"<id>": "<version>"}';
  }
  const out: Record<string, string> = {};
  for (const [id, v] of Object.entries(value as Record<string, unknown>)) {
    const version = typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
    const error = broadcastEntryError(id, version);
    if (error) return error;
    out[id] = version as string;
  }
  return Object.keys(out).length ? out : 'no broadcasts given';
}
