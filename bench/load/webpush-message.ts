import { createECDH, ECDH, randomBytes } from 'node:crypto';
import { encrypt } from 'web-push';

// http_ece ships no types: the one call used here, typed by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as {
  decrypt(data: Buffer, params: Record<string, unknown>): Buffer;
};

/**
 * The bench's Web Push message, end to end as RFC 8291 has it: the client subscribes with its own
 * P-256 key pair and 16-byte auth secret (as a browser does), the putter encrypts each message for
 * that subscription (aes128gcm, `web-push`), the client decrypts it (`http_ece`) and checks the
 * plaintext before counting it delivered. The plaintext names the subscription and the putter's
 * sequence number, from which the orchestrator joins the POST time the putter recorded.
 */

/** What the application server holds of a subscription (PushSubscription.toJSON() keys). */
export interface BenchSubscription {
  channelID: string;
  endpoint: string;
  /** Uncompressed P-256 public key, base64url. */
  p256dh: string;
  /** 16-byte auth secret, base64url. */
  auth: string;
}

/** The user agent's private half of a subscription. */
export interface SubscriptionSecret {
  ecdh: ECDH;
  auth: Buffer;
}

/** A new subscription's private half: its own key pair and auth secret, as a browser makes. */
export function newSecret(): SubscriptionSecret {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, auth: randomBytes(16) };
}

/** The public half, for the application server. */
export function subscriptionOf(
  channelID: string,
  endpoint: string,
  secret: SubscriptionSecret,
): BenchSubscription {
  return {
    channelID,
    endpoint,
    p256dh: secret.ecdh.getPublicKey().toString('base64url'),
    auth: secret.auth.toString('base64url'),
  };
}

/** Who sent a message and which one: putter process index and its sequence number. */
export interface MessageId {
  putter: number;
  seq: number;
}

const PREFIX = 'herald-bench';

/** The plaintext: fixed prefix, putter, sequence number, and the channel it was meant for. */
export function plaintextOf(channelID: string, id: MessageId): string {
  return `${PREFIX} ${id.putter} ${id.seq} ${channelID}`;
}

/** The aes128gcm body (header + one record) for a subscription; a fresh sender key and salt each. */
export function seal(sub: BenchSubscription, id: MessageId): Buffer {
  return encrypt(sub.p256dh, sub.auth, plaintextOf(sub.channelID, id), 'aes128gcm').cipherText;
}

/** Why a message did not count as delivered. */
export type OpenFailure = 'no data' | 'decrypt' | 'plaintext';

/**
 * Decrypts a notification's `data` (base64url aes128gcm) for the subscription of `channelID` and
 * checks the plaintext is a bench message meant for that channel.
 */
export function open(
  secret: SubscriptionSecret,
  channelID: string,
  data: string | undefined,
): MessageId | OpenFailure {
  if (!data) return 'no data';
  let text: string;
  try {
    text = ece
      .decrypt(Buffer.from(data, 'base64url'), {
        version: 'aes128gcm',
        privateKey: secret.ecdh,
        authSecret: secret.auth,
      })
      .toString('utf8');
  } catch {
    return 'decrypt';
  }
  const [prefix, putter, seq, chid, ...rest] = text.split(' ');
  const digits = /^\d{1,15}$/;
  if (
    prefix !== PREFIX ||
    chid !== channelID ||
    rest.length > 0 ||
    !digits.test(putter ?? '') ||
    !digits.test(seq ?? '')
  )
    return 'plaintext';
  return { putter: Number(putter), seq: Number(seq) };
}
