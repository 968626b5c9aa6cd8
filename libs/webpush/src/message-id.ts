import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { channelIdFromBytes, channelIdToBytes } from '@herald/protocol';

/**
 * Web Push message ids (the notification's `version`, the `/m/<id>` of the Location header):
 * authenticated encryption (AES-256-GCM) of uaid + channelID + a random message key. Whoever
 * holds an id can name the stored message it stands for, nothing more: a forged id fails
 * authentication with no Redis lookup, and an id reveals neither the UAID nor the channel.
 * The nonce is derived from the plaintext (as endpoint tokens do), so a message has one id and
 * the id need not be stored.
 */
export interface MessageIdClaims {
  uaid: string;
  channelID: string;
  /** 32 hex characters: names the message among the user's stored ones. */
  key: string;
}

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
const PLAIN = 1 + 16 + 16 + 16;
const ENCODED_LENGTH = Math.ceil(((NONCE + PLAIN + TAG) * 4) / 3);

export function newMessageKey(): string {
  return randomBytes(16).toString('hex');
}

export class MessageIdCodec {
  private readonly encKey: Buffer;
  private readonly nonceKey: Buffer;

  constructor(secret: Buffer) {
    this.encKey = Buffer.from(hkdfSync('sha256', secret, 'herald', 'message-id/enc', 32));
    this.nonceKey = Buffer.from(hkdfSync('sha256', secret, 'herald', 'message-id/nonce', 32));
  }

  encode(claims: MessageIdClaims): string {
    const plain = Buffer.concat([
      Buffer.of(VERSION),
      Buffer.from(claims.uaid, 'hex'),
      channelIdToBytes(claims.channelID),
      Buffer.from(claims.key, 'hex'),
    ]);
    if (plain.length !== PLAIN) throw new Error('uaid and key must be 32 hex characters each');
    const nonce = createHmac('sha256', this.nonceKey).update(plain).digest().subarray(0, NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, nonce);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The claims of a genuine id, or null for anything forged, truncated or malformed. */
  decode(id: string): MessageIdClaims | null {
    if (typeof id !== 'string' || id.length !== ENCODED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) {
      return null;
    }
    const raw = Buffer.from(id, 'base64url');
    if (raw.length !== NONCE + PLAIN + TAG) return null;
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encKey, raw.subarray(0, NONCE));
      decipher.setAuthTag(raw.subarray(raw.length - TAG));
      plain = Buffer.concat([
        decipher.update(raw.subarray(NONCE, raw.length - TAG)),
        decipher.final(),
      ]);
    } catch {
      return null;
    }
    if (plain[0] !== VERSION) return null;
    return {
      uaid: plain.subarray(1, 17).toString('hex'),
      channelID: channelIdFromBytes(plain.subarray(17, 33)),
      key: plain.subarray(33, 49).toString('hex'),
    };
  }
}
