import { createECDH, ECDH, randomBytes, randomUUID } from 'node:crypto';
import { Frame, SimplePushClient } from './simplepush-client';

// http_ece ships no types: the two calls used here, typed by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as {
  decrypt(data: Buffer, params: Record<string, unknown>): Buffer;
};

/**
 * A Web Push user agent written from ../shared/PROTOCOL.md part B alone (it imports nothing from
 * Herald): hello with `use_webpush`, register with an optional application server key, and for
 * each subscription its own P-256 key pair and auth secret, so pushes encrypted by a real
 * application server (RFC 8291) are decrypted here and their plaintext checked.
 */
export interface Subscription {
  channelID: string;
  endpoint: string;
  /** What an application server needs (PushSubscription.toJSON()). */
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  auth: Buffer;
}

export interface WebPushNotification extends Frame {
  channelID: string;
  version: string;
  data?: string;
  headers?: Record<string, string>;
}

function param(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(/[;,]/)) {
    const [k, v] = part.split('=');
    if (k && v && k.trim().toLowerCase() === name) return v.trim();
  }
  return undefined;
}

export class WebPushClient extends SimplePushClient {
  readonly subscriptions = new Map<string, Subscription>();

  static override async connect(url: string, protocols?: string[]): Promise<WebPushClient> {
    const c = new WebPushClient(url, protocols);
    await c.opened;
    return c;
  }

  /** Firefox's hello: `uaid` only when it has one, no channelIDs, its broadcasts. */
  async helloWebPush(uaid = '', broadcasts?: Record<string, string>): Promise<Frame> {
    const reply = this.nextOf('hello');
    this.send({
      messageType: 'hello',
      use_webpush: true,
      ...(uaid ? { uaid } : {}),
      ...(broadcasts ? { broadcasts } : {}),
    });
    const f = await reply;
    if (f.status === 200) this.uaid = f.uaid as string;
    return f;
  }

  /** register, with `key` (an application server key) when given; keeps the subscription keys. */
  async subscribe(key?: string, channelID: string = randomUUID()): Promise<Subscription> {
    const reply = this.next(
      (f) => f.messageType === 'register' && f.channelID === channelID,
      10_000,
      this.received.length,
    );
    this.send({ messageType: 'register', channelID, ...(key ? { key } : {}) });
    const f = await reply;
    if (f.status !== 200) throw new Error(`register failed: ${JSON.stringify(f)}`);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const sub: Subscription = {
      channelID,
      endpoint: f.pushEndpoint as string,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
      ecdh,
      auth,
    };
    this.subscriptions.set(channelID, sub);
    return sub;
  }

  /** The next notification (received from now on) matching `match`. */
  nextNotification(
    match: (n: WebPushNotification) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<WebPushNotification> {
    return this.next(
      (f) => f.messageType === 'notification' && match(f as WebPushNotification),
      timeoutMs,
      this.received.length,
    ) as Promise<WebPushNotification>;
  }

  notifications(): WebPushNotification[] {
    return this.received.filter((f) => f.messageType === 'notification') as WebPushNotification[];
  }

  /** RFC 8291 decryption with the subscription's private key and auth secret. */
  decrypt(n: WebPushNotification): string {
    const sub = this.subscriptions.get(n.channelID);
    if (!sub) throw new Error(`no subscription for ${n.channelID}`);
    if (!n.data) return '';
    const body = Buffer.from(n.data, 'base64url');
    const encoding = n.headers?.encoding;
    if (encoding === 'aes128gcm') {
      return ece
        .decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth })
        .toString('utf8');
    }
    if (encoding === 'aesgcm') {
      return ece
        .decrypt(body, {
          version: 'aesgcm',
          privateKey: sub.ecdh,
          authSecret: sub.auth,
          dh: param(n.headers?.crypto_key, 'dh'),
          salt: param(n.headers?.encryption, 'salt'),
        })
        .toString('utf8');
    }
    throw new Error(`unknown encoding ${String(encoding)}`);
  }

  /** Acks notifications with a code (100 delivered, 101 decryption error, 102 not delivered). */
  ackWebPush(notes: WebPushNotification[], code = 100): void {
    this.send({
      messageType: 'ack',
      updates: notes.map((n) => ({ channelID: n.channelID, version: n.version, code })),
    });
  }

  /**
   * A barrier: the server handles one connection's frames in order, so once the reply to this
   * ping arrives, everything the server sent before handling it has arrived too.
   */
  async barrier(): Promise<void> {
    const from = this.received.length;
    this.send('{}');
    await this.next((f) => Object.keys(f).length === 0, 10_000, from);
  }
}
