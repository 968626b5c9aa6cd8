import { normaliseAesgcmParams } from './aesgcm-params';
import { Errno } from './webpush-errno';

/**
 * RFC 8030 / 8291 request headers of a push, parsed into typed options or a protocol error.
 * Pure: the ingress hands in header values and the body length, and maps the error to HTTP.
 */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high';
export const URGENCIES: readonly Urgency[] = ['very-low', 'low', 'normal', 'high'];
export type ContentEncoding = 'aes128gcm' | 'aesgcm';

/** 30 days: RFC 8030 lets the push service cap the TTL it honours (and echo the capped value). */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;
/** RFC 8030 §7.2: a push service must accept at least 4096 bytes of payload. */
export const MAX_PAYLOAD_BYTES = 4096;
/**
 * The Web Push body limit by default, autopush's `max_data_bytes`: a 4096-byte payload encrypted
 * still fits (its settings: 4096 bytes encrypt to 4216 with pywebpush). Applied, as autopush's
 * request body limit is, to the raw body, not to its base64 encoding.
 */
export const DEFAULT_MAX_DATA_BYTES = 5630;

export interface PushHeaderValues {
  ttl?: string;
  topic?: string;
  urgency?: string;
  contentEncoding?: string;
  encryption?: string;
  cryptoKey?: string;
}

/** What the user agent needs to decrypt (sent in the notification frame's `headers`). */
export interface PayloadHeaders {
  encoding: ContentEncoding;
  encryption?: string;
  crypto_key?: string;
}

export interface PushOptions {
  /** Seconds, capped at {@link MAX_TTL_SECONDS}. */
  ttl: number;
  topic: string | null;
  urgency: Urgency;
  /** Only when the push has a body. */
  headers: PayloadHeaders | null;
}

export interface PushHeaderError {
  status: 400 | 413;
  errno: number;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: PushHeaderError };

const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
const TTL = /^[0-9]+$/;

const fail = (status: 400 | 413, errno: number, message: string): Parsed<never> => ({
  ok: false,
  error: { status, errno, message },
});

/** `TTL` is required: a non-negative integer of seconds, capped (not refused) above 30 days. */
export function parseTtl(value: string | undefined, maxTtl = MAX_TTL_SECONDS): Parsed<number> {
  const text = value?.trim();
  if (text === undefined || text === '') {
    return fail(400, Errno.INVALID_TTL, 'missing TTL header');
  }
  if (!TTL.test(text)) {
    return fail(400, Errno.INVALID_TTL, 'TTL must be a non-negative integer of seconds');
  }
  // Very long digit strings are simply "more than the cap"; no need to parse them exactly.
  const ttl = text.length > 12 ? maxTtl : Math.min(Number(text), maxTtl);
  return { ok: true, value: ttl };
}

export function parseTopic(value: string | undefined): Parsed<string | null> {
  if (value === undefined) return { ok: true, value: null };
  if (!TOPIC.test(value)) {
    return fail(
      400,
      Errno.INVALID_TOPIC,
      'Topic must be 1 to 32 characters of the URL-safe base64 alphabet',
    );
  }
  return { ok: true, value };
}

export function parseUrgency(value: string | undefined): Parsed<Urgency> {
  if (value === undefined) return { ok: true, value: 'normal' };
  const u = value.trim().toLowerCase() as Urgency;
  if (!URGENCIES.includes(u)) {
    return fail(400, Errno.INVALID_URGENCY, `Urgency must be one of ${URGENCIES.join(', ')}`);
  }
  return { ok: true, value: u };
}

/** The value of one `name=value` parameter in a `;`- or `,`-separated header, or null. */
export function headerParam(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(/[;,]/)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === name) {
      const v = part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      return v || null;
    }
  }
  return null;
}

/**
 * A body needs a supported encoding: `aes128gcm` (RFC 8291: salt and key travel in the body) or
 * the older `aesgcm` (draft-ietf-webpush-encryption-04), whose salt and dh travel in headers,
 * delivered normalised so that Firefox can decode them (see aesgcm-params.ts).
 */
export function parsePayloadHeaders(
  h: PushHeaderValues,
  bodyLength: number,
  maxPayload = DEFAULT_MAX_DATA_BYTES,
): Parsed<PayloadHeaders | null> {
  if (bodyLength > maxPayload) {
    return fail(413, Errno.TOO_LARGE, `payload larger than ${maxPayload} bytes`);
  }
  if (bodyLength === 0) return { ok: true, value: null };
  const encoding = h.contentEncoding?.trim().toLowerCase();
  if (encoding === 'aes128gcm') return { ok: true, value: { encoding } };
  if (encoding === 'aesgcm') {
    if (!headerParam(h.encryption, 'salt') || !headerParam(h.cryptoKey, 'dh')) {
      return fail(
        400,
        Errno.MISSING_CRYPTO_KEYS,
        'aesgcm needs Encryption: salt=… and Crypto-Key: dh=…',
      );
    }
    const params = normaliseAesgcmParams(h.encryption as string, h.cryptoKey as string);
    if (!params.ok) {
      // autopush's errno for an encryption header it cannot use.
      return fail(400, Errno.BAD_BODY, params.message);
    }
    return {
      ok: true,
      value: { encoding, encryption: params.encryption, crypto_key: params.cryptoKey },
    };
  }
  return fail(400, Errno.BAD_BODY, 'a body needs Content-Encoding: aes128gcm (or aesgcm)');
}

/** All of a push's headers at once; the first error wins, in the order autopush checks them. */
export function parsePushHeaders(
  h: PushHeaderValues,
  bodyLength: number,
  limits: { maxTtl?: number; maxPayload?: number } = {},
): Parsed<PushOptions> {
  const ttl = parseTtl(h.ttl, limits.maxTtl);
  if (!ttl.ok) return ttl;
  const topic = parseTopic(h.topic);
  if (!topic.ok) return topic;
  const urgency = parseUrgency(h.urgency);
  if (!urgency.ok) return urgency;
  const headers = parsePayloadHeaders(h, bodyLength, limits.maxPayload);
  if (!headers.ok) return headers;
  return {
    ok: true,
    value: { ttl: ttl.value, topic: topic.value, urgency: urgency.value, headers: headers.value },
  };
}
