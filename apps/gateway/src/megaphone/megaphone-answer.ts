import { broadcastEntryError } from '@herald/protocol';

/**
 * Megaphone's answer to `GET <MEGAPHONE_API_URL>`: `{"code":200,"broadcasts":{"<id>":"<version>"}}`.
 * Only `broadcasts` is read, as autopush's `MegaphoneResponse` reads it, and its versions must be
 * strings, as autopush requires. Returns the versions, or why the answer is refused: one bad entry
 * refuses the whole answer, so a half-understood answer never moves some ids and not others.
 */
export function parseMegaphoneAnswer(text: string): Record<string, string> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const broadcasts = isObject(value) ? value.broadcasts : undefined;
  if (!isObject(broadcasts)) return 'no "broadcasts" object';
  const out: Record<string, string> = {};
  for (const [id, version] of Object.entries(broadcasts)) {
    const error = broadcastEntryError(id, version);
    if (error) return error;
    out[id] = version as string;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
