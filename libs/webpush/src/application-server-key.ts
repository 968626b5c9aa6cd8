import { createHash, createPublicKey } from 'node:crypto';

/**
 * An application server key (VAPID public key): an uncompressed P-256 point, 65 bytes starting
 * 0x04, written in base64url with or without padding (Firefox pads it, web-push does not).
 * Returns the raw bytes, or null when it is not such a point (including points off the curve,
 * which Node's key import rejects).
 */
export function decodeApplicationServerKey(text: string | null | undefined): Buffer | null {
  if (typeof text !== 'string' || text.length > 100) return null;
  const unpadded = text.trim().replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]+$/.test(unpadded)) return null;
  const raw = Buffer.from(unpadded, 'base64url');
  if (raw.length !== 65 || raw[0] !== 0x04) return null;
  try {
    createPublicKey({ key: applicationServerJwk(raw), format: 'jwk' });
  } catch {
    return null;
  }
  return raw;
}

/** The JWK of a raw uncompressed P-256 point. */
export function applicationServerJwk(raw: Buffer): {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
} {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: raw.subarray(1, 33).toString('base64url'),
    y: raw.subarray(33, 65).toString('base64url'),
  };
}

/** What a `/wpush/v2/` endpoint token binds to: SHA-256 of the raw key bytes. */
export function applicationServerKeyHash(raw: Buffer): Buffer {
  return createHash('sha256').update(raw).digest();
}
