import {
  MAX_PAYLOAD_BYTES,
  parsePayloadHeaders,
  parseTopic,
  parseTtl,
  parseUrgency,
  Parsed,
  PushHeaderValues,
  PushOptions,
  Errno,
} from '@herald/webpush';

/**
 * A push to a UnifiedPush endpoint (UnifiedPush SERV_1.2.0), parsed into the options the Web Push
 * message store takes, or a protocol error. Pure.
 *
 * The body is 1–4096 bytes and reaches the app byte for byte. Unlike RFC 8030 no header is
 * required; the Web Push headers current UnifiedPush apps send (TTL, Topic, Urgency,
 * Content-Encoding aes128gcm / aesgcm) are honoured when present and never change the body.
 */

/** The discovery answer of every endpoint (`GET <endpoint>`). */
export const DISCOVERY = { unifiedpush: { version: 1 } } as const;
export const MAX_MESSAGE_BYTES = MAX_PAYLOAD_BYTES;

export function parseUnifiedPush(
  h: PushHeaderValues,
  bodyLength: number,
  defaultTtl: number,
  /** The status of an empty body: 400 on /up (a bad request), 413 on the seed's /push/id. */
  emptyStatus: 400 | 413 = 400,
): Parsed<PushOptions> {
  if (bodyLength > MAX_MESSAGE_BYTES) {
    return fail(413, Errno.TOO_LARGE, `a message is 1 to ${MAX_MESSAGE_BYTES} bytes`);
  }
  if (bodyLength === 0) {
    return fail(emptyStatus, Errno.BAD_BODY, `a message is 1 to ${MAX_MESSAGE_BYTES} bytes`);
  }
  let ttl = defaultTtl;
  if (h.ttl !== undefined) {
    const parsed = parseTtl(h.ttl);
    if (!parsed.ok) return parsed;
    ttl = parsed.value;
  }
  const topic = parseTopic(h.topic);
  if (!topic.ok) return topic;
  const urgency = parseUrgency(h.urgency);
  if (!urgency.ok) return urgency;
  // An RFC 8291 body keeps its decryption headers (the app decrypts); anything else is opaque.
  const encoding = h.contentEncoding?.trim().toLowerCase();
  let headers: PushOptions['headers'] = null;
  if (encoding === 'aes128gcm' || encoding === 'aesgcm') {
    const parsed = parsePayloadHeaders(h, bodyLength, MAX_MESSAGE_BYTES);
    if (!parsed.ok) return parsed;
    headers = parsed.value;
  }
  return { ok: true, value: { ttl, topic: topic.value, urgency: urgency.value, headers } };
}

function fail(status: 400 | 413, errno: number, message: string): Parsed<never> {
  return { ok: false, error: { status, errno, message } };
}
