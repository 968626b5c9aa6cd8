/**
 * Herald's one errno table, in autopush's numbering, for every error body the ingress answers
 * ({code, errno, error, message}), so application servers that already read Mozilla's error
 * bodies understand ours. `errno` tells apart errors sharing a status; each number means one thing.
 */
export const Errno = {
  /** aesgcm body without its `Encryption: salt=` / `Crypto-Key: dh=` headers. */
  MISSING_CRYPTO_KEYS: 101,
  /** The endpoint token is unknown, forged or malformed. */
  INVALID_TOKEN: 102,
  /** The endpoint is no longer registered. */
  GONE: 103,
  TOO_LARGE: 104,
  /** SimplePush: the version is missing or not a number. */
  INVALID_VERSION: 107,
  /** VAPID missing (where required), malformed, expired, for another audience, or not verifying. */
  INVALID_AUTH: 109,
  /**
   * The body cannot be used as sent: no supported Content-Encoding, aesgcm parameters that cannot
   * be used, or a malformed request body (autopush's "bad body").
   */
  BAD_BODY: 110,
  /** TTL missing or not a non-negative integer. */
  INVALID_TTL: 111,
  INVALID_TOPIC: 113,
  INVALID_URGENCY: 114,
  INVALID_RECEIPT: 115,
  /** Herald's own: the subscription's user holds WEBPUSH_MAX_MESSAGES_PER_UAID messages. */
  FULL: 116,
  /** Herald's own: storage (Redis) is unavailable; retry after Retry-After. */
  STORAGE: 201,
  RATE_LIMITED: 429,
  INTERNAL: 999,
} as const;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error body in autopush's shape, {code, errno, error, message}: every Herald HTTP error. */
export function errorBody(code: number, errno: number, message: string) {
  return { code, errno, error: STATUS_TEXT[code] ?? 'Error', message };
}
