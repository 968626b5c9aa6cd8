import { randomUUID } from 'node:crypto';
import {
  newSecret,
  open,
  plaintextOf,
  seal,
  subscriptionOf,
} from '../../bench/load/webpush-message';
import { webPushLatencies } from '../../bench/support/webpush-latency';

// http_ece ships no types: the one call used here, typed by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as {
  decrypt(data: Buffer, params: Record<string, unknown>): Buffer;
};

/**
 * The bench's Web Push leg counts a message delivered only once the client decrypted it and
 * checked its plaintext (issue 14): the putter's `seal` and the client's `open` must be RFC 8291
 * aes128gcm for the subscription's own keys, and `open` must refuse what is not that message.
 */
describe('bench: Web Push message', () => {
  const chid = randomUUID();
  const secret = newSecret();
  const sub = subscriptionOf(chid, 'http://127.0.0.1/wpush/v1/x', secret);

  it('is aes128gcm for the subscription: a plain RFC 8291 decrypt reads the plaintext', () => {
    const body = seal(sub, { putter: 1, seq: 42 });
    // header: 16-byte salt, record size, key id length 65, the sender's uncompressed P-256 key
    expect(body.readUInt8(20)).toBe(65);
    const text = ece
      .decrypt(body, { version: 'aes128gcm', privateKey: secret.ecdh, authSecret: secret.auth })
      .toString('utf8');
    expect(text).toBe(plaintextOf(chid, { putter: 1, seq: 42 }));
  });

  it('opens with the subscription secret and gives back putter and sequence', () => {
    const body = seal(sub, { putter: 3, seq: 123456 });
    expect(open(secret, chid, body.toString('base64url'))).toEqual({ putter: 3, seq: 123456 });
  });

  it('a fresh sender key and salt per message: the same message never repeats its body', () => {
    const a = seal(sub, { putter: 0, seq: 1 });
    const b = seal(sub, { putter: 0, seq: 1 });
    expect(a.equals(b)).toBe(false);
  });

  it('refuses another subscription’s message, a tampered body, a wrong channel, no data', () => {
    const other = newSecret();
    const body = seal(sub, { putter: 0, seq: 7 });
    expect(open(other, chid, body.toString('base64url'))).toBe('decrypt');
    const tampered = Buffer.from(body);
    tampered[tampered.length - 1] ^= 1;
    expect(open(secret, chid, tampered.toString('base64url'))).toBe('decrypt');
    expect(open(secret, randomUUID(), body.toString('base64url'))).toBe('plaintext');
    expect(open(secret, chid, undefined)).toBe('no data');
  });

  it('joins arrivals with POST times by putter and sequence, skipping stragglers', () => {
    const sends = [
      { putter: 0, firstSeq: 10, sentUs: [1_000, 2_000] },
      { putter: 1, firstSeq: 0, sentUs: [5_000] },
    ];
    // [putter, seq, decrypted at µs]
    const arrivals = [0, 11, 2_500, 1, 0, 5_100, 0, 9, 3_000, 2, 0, 9_000, 0, 10, 1_700];
    expect(webPushLatencies(arrivals, sends)).toEqual([500, 100, 700]);
  });
});
