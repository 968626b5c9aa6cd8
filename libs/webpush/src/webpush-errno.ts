/**
 * autopush's errno values for Web Push failures, so application servers that already read
 * Mozilla's error bodies {code, errno, error, message} understand ours.
 */
export const WebPushErrno = {
  /** aesgcm body without its `Encryption: salt=` / `Crypto-Key: dh=` headers. */
  MISSING_CRYPTO_KEYS: 101,
  INVALID_TOKEN: 102,
  GONE: 103,
  TOO_LARGE: 104,
  /** VAPID missing (where required), malformed, expired, for another audience, or not verifying. */
  INVALID_AUTH: 109,
  /** A body without a supported Content-Encoding, or aesgcm parameters that cannot be used. */
  INVALID_ENCODING: 110,
  /** TTL missing or not a non-negative integer. */
  INVALID_TTL: 111,
  INVALID_TOPIC: 113,
  INVALID_URGENCY: 114,
  INVALID_RECEIPT: 115,
  RATE_LIMITED: 429,
} as const;
