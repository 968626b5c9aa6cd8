import { errors, importJWK, jwtVerify } from 'jose';
import { applicationServerJwk, decodeApplicationServerKey } from './application-server-key';
import { headerParam } from './push-headers';

/**
 * VAPID (RFC 8292): the application server signs a JWT (ES256) for the push service's origin
 * and names its public key. Parsing is ours; every cryptographic step is jose's.
 */
export type VapidScheme = 'vapid' | 'webpush' | 'bearer';

export interface VapidCredentials {
  scheme: VapidScheme;
  jwt: string;
  /** The public key as sent (base64url). */
  key: string;
}

/** 24 hours: RFC 8292 §2 forbids an `exp` further ahead than that. */
export const MAX_VAPID_EXPIRY_SECONDS = 24 * 3600;

export type VapidFailure =
  | 'malformed'
  | 'bad_key'
  | 'bad_signature'
  | 'bad_alg'
  | 'expired'
  | 'exp_too_far'
  | 'wrong_aud'
  | 'missing_claim'
  | 'bad_sub';

export type VapidResult =
  { ok: true; publicKey: Buffer; subject: string | null } | { ok: false; reason: VapidFailure };

/**
 * The credentials in `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292) or in the older
 * `Authorization: WebPush <JWT>` / `Authorization: Bearer <JWT>` + `Crypto-Key: p256ecdsa=<key>`
 * (the schemes autopush accepts, in any case). null when there is no VAPID at all; 'malformed'
 * when there is an attempt that cannot be read.
 */
export function parseVapidAuthorization(
  authorization: string | undefined,
  cryptoKey: string | undefined,
): VapidCredentials | null | 'malformed' {
  if (!authorization || !authorization.trim()) return null;
  const m = /^\s*(\S+)\s+(.*)$/s.exec(authorization);
  if (!m) return 'malformed';
  const scheme = m[1].toLowerCase();
  if (scheme === 'vapid') {
    const jwt = headerParam(m[2], 't');
    const key = headerParam(m[2], 'k');
    return jwt && key ? { scheme: 'vapid', jwt, key } : 'malformed';
  }
  if (scheme === 'webpush' || scheme === 'bearer') {
    const jwt = m[2].trim();
    const key = headerParam(cryptoKey, 'p256ecdsa');
    return jwt && key ? { scheme, jwt, key } : 'malformed';
  }
  return 'malformed';
}

export interface VapidCheck {
  /** The origin the JWT must be for: the push service's public origin. */
  audience: string;
  nowMs?: number;
  maxExpirySeconds?: number;
}

export async function verifyVapid(
  creds: VapidCredentials,
  check: VapidCheck,
): Promise<VapidResult> {
  const raw = decodeApplicationServerKey(creds.key);
  if (!raw) return { ok: false, reason: 'bad_key' };
  const now = check.nowMs ?? Date.now();
  let payload;
  try {
    const key = await importJWK(applicationServerJwk(raw), 'ES256');
    ({ payload } = await jwtVerify(creds.jwt, key, {
      algorithms: ['ES256'],
      audience: check.audience,
      // RFC 8292 §2: `aud` and `exp` are required; `sub` MAY be present (§2.1).
      requiredClaims: ['aud', 'exp'],
      currentDate: new Date(now),
    }));
  } catch (err) {
    return { ok: false, reason: failureOf(err) };
  }
  const maxExp = now / 1000 + (check.maxExpirySeconds ?? MAX_VAPID_EXPIRY_SECONDS);
  if (typeof payload.exp !== 'number' || payload.exp > maxExp) {
    return { ok: false, reason: 'exp_too_far' };
  }
  const sub = payload.sub;
  if (sub === undefined) return { ok: true, publicKey: raw, subject: null };
  // When present it must be the contact URI §2.1 describes.
  if (typeof sub !== 'string' || !/^(mailto:|https:)\S+$/i.test(sub)) {
    return { ok: false, reason: 'bad_sub' };
  }
  return { ok: true, publicKey: raw, subject: sub };
}

function failureOf(err: unknown): VapidFailure {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return 'missing_claim';
    if (err.claim === 'aud') return 'wrong_aud';
    return 'malformed';
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'bad_alg';
  return 'malformed';
}
