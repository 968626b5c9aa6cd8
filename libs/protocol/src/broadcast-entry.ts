const ID = /^[A-Za-z0-9_./:-]{1,128}$/;
const MAX_VERSION_LENGTH = 200;

/**
 * Why a broadcast `id: version` pair may not be stored, or null when it may. One rule for every
 * source (the admin endpoint, Megaphone): an id is what a client's `broadcasts` map may hold, never
 * `errors` (the key under which a broadcast frame nests unknown ids); a version is a short string.
 */
export function broadcastEntryError(id: string, version: unknown): string | null {
  if (!ID.test(id) || id === 'errors') return `invalid broadcast id "${id.slice(0, 40)}"`;
  if (typeof version !== 'string' || !version || version.length > MAX_VERSION_LENGTH) {
    return `version of "${id}" must be a non-empty string of at most ${MAX_VERSION_LENGTH} characters`;
  }
  return null;
}
