import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { channelIdFromBytes, channelIdToBytes } from '@herald/protocol';

/**
 * Push endpoint tokens: authenticated encryption (AES-256-GCM) of uaid + channelID (+ for key-bound
 * Web Push endpoints, the SHA-256 of the application server key), under a server secret. A forged
 * or altered token fails authentication, so the ingress rejects it without asking Redis, and the
 * token reveals nothing of the UAID, which is the client's bearer secret.
 *
 * The nonce is derived from the plaintext (HMAC, as in SIV constructions), so one channel always
 * has one endpoint: re-registering, or restoring a lost channel, gives the same URL.
 */
export type EndpointKind = 'simplepush' | 'webpush' | 'webpush-v2' | 'unifiedpush';

const KIND_BYTE: Record<EndpointKind, number> = {
  simplepush: 1,
  webpush: 2,
  'webpush-v2': 3,
  unifiedpush: 4,
};
const KIND_OF = new Map(Object.entries(KIND_BYTE).map(([k, v]) => [v, k as EndpointKind]));

export interface EndpointClaims {
  kind: EndpointKind;
  uaid: string;
  channelID: string;
  /** SHA-256 of the raw application server key; only for 'webpush-v2'. */
  keyHash?: Buffer;
}

const NONCE = 12;
const RECENT_MAX = 10_000;
const TAG = 16;

export class EndpointTokenCodec {
  private readonly encKey: Buffer;
  private readonly nonceKey: Buffer;
  /** Insertion-ordered: the oldest entry goes first when full. */
  private readonly recent = new Map<string, EndpointClaims>();

  constructor(secret: Buffer) {
    this.encKey = Buffer.from(hkdfSync('sha256', secret, 'herald', 'endpoint-token/enc', 32));
    this.nonceKey = Buffer.from(hkdfSync('sha256', secret, 'herald', 'endpoint-token/nonce', 32));
  }

  encode(claims: EndpointClaims): string {
    const withKey = claims.kind === 'webpush-v2';
    if (withKey !== Boolean(claims.keyHash && claims.keyHash.length === 32)) {
      throw new Error('a key hash of 32 bytes is required for, and only for, webpush-v2 tokens');
    }
    const plain = Buffer.concat([
      Buffer.of(KIND_BYTE[claims.kind]),
      Buffer.from(claims.uaid, 'hex'),
      channelIdToBytes(claims.channelID),
      ...(withKey ? [claims.keyHash as Buffer] : []),
    ]);
    const nonce = createHmac('sha256', this.nonceKey).update(plain).digest().subarray(0, NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, nonce);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The claims of a genuine token, or null for anything forged, truncated or malformed. */
  decode(token: string): EndpointClaims | null {
    // Busy endpoints are pushed to again and again: remember recent genuine tokens (AES-GCM setup
    // was ~9 % of the ingress's CPU). Only successes are kept, so forgeries cannot fill it.
    const cached = this.recent.get(token);
    if (cached) return cached;
    const claims = this.open(token);
    if (claims) {
      if (this.recent.size >= RECENT_MAX)
        this.recent.delete(this.recent.keys().next().value as string);
      this.recent.set(token, claims);
    }
    return claims;
  }

  private open(token: string): EndpointClaims | null {
    if (token.length < 60 || token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== NONCE + 33 + TAG && raw.length !== NONCE + 65 + TAG) return null;
    const nonce = raw.subarray(0, NONCE);
    const body = raw.subarray(NONCE, raw.length - TAG);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encKey, nonce);
      decipher.setAuthTag(raw.subarray(raw.length - TAG));
      plain = Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      return null;
    }
    const kind = KIND_OF.get(plain[0]);
    if (!kind || (kind === 'webpush-v2') !== (plain.length === 65)) return null;
    return {
      kind,
      uaid: plain.subarray(1, 17).toString('hex'),
      channelID: channelIdFromBytes(plain.subarray(17, 33)),
      ...(kind === 'webpush-v2' ? { keyHash: Buffer.from(plain.subarray(33, 65)) } : {}),
    };
  }
}
