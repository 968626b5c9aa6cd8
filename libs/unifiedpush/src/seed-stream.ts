/**
 * Output framing of the seed's server–distributor protocol (MayeulC/PyUPush
 * `UnifiedPush/server.py`), for Herald's streams. Pure.
 *
 * - `/client/id/<id>`: each body as it arrives, followed by a blank line.
 * - `/client/multi_id/<id>&<id>…`: one JSON object per line (`\r\n`), ids → arrays of base64
 *   bodies. Standard base64 with padding: the seed's distributor decodes with Python's
 *   `codecs.decode(…, 'base64')`, which drops `-` and `_` silently.
 */

/** The most ids one multi stream may hold (the URL stays under Node's 16 KiB header limit). */
export const MAX_IDS_PER_STREAM = 100;

export type SeedStreamKind = 'text' | 'multi';

/** One body on a `/client/id` stream. */
export function textChunk(body: Buffer): Buffer {
  return Buffer.concat([body, Buffer.from('\n\n')]);
}

/** One event line on a `/client/multi_id` stream. */
export function multiLine(bodies: ReadonlyMap<string, readonly Buffer[]>): string {
  const event: Record<string, string[]> = {};
  for (const [id, list] of bodies) {
    if (list.length) event[id] = list.map((b) => b.toString('base64'));
  }
  return `${JSON.stringify(event)}\r\n`;
}

/**
 * Keep-alive output for idle streams, so proxies do not cut them. A multi stream gets an empty
 * object (the seed's distributor parses every non-empty line as JSON: `{}` carries no message);
 * a text stream a lone newline.
 */
export function keepAlive(kind: SeedStreamKind): string {
  return kind === 'multi' ? '{}\r\n' : '\n';
}

/** The ids of a multi stream's path (`a&b&c`): distinct, non-empty, at most the limit; or null. */
export function parseMultiIds(text: string): string[] | null {
  const ids = [...new Set(text.split('&').filter(Boolean))];
  return ids.length && ids.length <= MAX_IDS_PER_STREAM ? ids : null;
}
