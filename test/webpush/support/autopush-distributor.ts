import { Frame } from '../../support/simplepush-client';
import { WebPushClient, WebPushNotification } from '../../support/webpush-client';

/**
 * A UnifiedPush distributor that talks to a Mozilla autopush server, frames as Sunup (Android,
 * kotlinx.serialization of its ClientMessage) and KUnifiedPush's AutopushProvider (KDE, Qt JSON)
 * send them. Autopush always speaks Web Push, so neither sends `use_webpush`:
 * - Sunup: hello `{"messageType":"hello","uaid":null}` the first time (a null is written out),
 *   then with its UAID; register with `key` (the app's VAPID key); on each notification an ack
 *   of `{channelID, version}` without `code`; its keep-alive ping is the bare `{}`. It requires
 *   `use_webpush` in the hello reply and `pushEndpoint` in every register reply (its parser throws
 *   without them), and re-registers everything when the hello reply gives another UAID.
 * - KUnifiedPush: hello `{"messageType":"hello"}`, with `uaid` only once it has one; register
 *   with `key` when the app gave one; it reads `data` of notifications and sends no acks.
 * Imports nothing from Herald; the subscription keys and decryption come from the test UA.
 */
export class AutopushDistributor extends WebPushClient {
  static override async connect(url: string): Promise<AutopushDistributor> {
    // Neither offers a subprotocol.
    const c = new AutopushDistributor(url, []);
    await c.opened;
    return c;
  }

  /** Sunup's hello: its UAID, or an explicit null when it has none yet. */
  helloAsSunup(uaid: string | null): Promise<Frame> {
    return this.sendHello({ messageType: 'hello', uaid });
  }

  /** KUnifiedPush's hello: `uaid` only when it has one. */
  helloAsKUnifiedPush(uaid?: string): Promise<Frame> {
    return this.sendHello({ messageType: 'hello', ...(uaid ? { uaid } : {}) });
  }

  /** Sunup's ack of one notification: channelID and version, no code. */
  ackAsSunup(n: WebPushNotification): void {
    this.send({ messageType: 'ack', updates: [{ channelID: n.channelID, version: n.version }] });
  }

  /** A register frame as both send it (`key` only when the app gave a VAPID key). */
  async registerRaw(channelID: string, key?: string): Promise<Frame> {
    const reply = this.next(
      (f) => f.messageType === 'register' && f.channelID === channelID,
      10_000,
      this.received.length,
    );
    this.send({ messageType: 'register', channelID, ...(key !== undefined ? { key } : {}) });
    return reply;
  }

  private async sendHello(frame: Record<string, unknown>): Promise<Frame> {
    const reply = this.nextOf('hello');
    this.send(frame);
    const f = await reply;
    if (f.status === 200) this.uaid = f.uaid as string;
    return f;
  }
}
