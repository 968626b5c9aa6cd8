import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/**
 * A SimplePush v1 user agent written from ../shared/PROTOCOL.md part A alone: it imports nothing
 * from Herald, so the end-to-end tests check the protocol, not our own reading of it.
 * Every frame received is queued; tests wait on frames (events), never on time.
 */
export type Frame = Record<string, unknown> & { messageType?: string };

export interface Closed {
  code: number;
  reason: string;
}

export class SimplePushClient {
  readonly ws: WebSocket;
  readonly received: Frame[] = [];
  readonly rawReceived: string[] = [];
  private readonly waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> =
    [];
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;
  uaid = '';
  /** Latest version seen per channel, as decimal strings (no precision lost). */
  readonly versions = new Map<string, string>();

  constructor(url: string, protocols: string[] = ['push-notification']) {
    this.ws = new WebSocket(url, protocols);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data) => {
      const text = data.toString();
      this.rawReceived.push(text);
      // Keep every digit of big versions: quote bare integers of "version" before parsing.
      const frame = JSON.parse(text.replace(/("version":)(\d+)/g, '$1"$2"')) as Frame;
      if (frame.messageType === 'notification') {
        for (const u of (frame.updates as Array<{ channelID: string; version: string }>) ?? []) {
          const have = this.versions.get(u.channelID);
          if (have === undefined || BigInt(u.version) > BigInt(have))
            this.versions.set(u.channelID, u.version);
        }
      }
      this.received.push(frame);
      for (const w of [...this.waiters]) {
        if (w.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
  }

  static async connect(url: string, protocols?: string[]): Promise<SimplePushClient> {
    const c = new SimplePushClient(url, protocols);
    await c.opened;
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or future) matching, after `from` frames were seen. */
  next(match: (f: Frame) => boolean, timeoutMs = 10_000, from = 0): Promise<Frame> {
    const seen = this.received.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    const p = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(
          new Error(
            `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.rawReceived)}`,
          ),
        );
      }, timeoutMs);
      const w = {
        match,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      this.waiters.push(w);
    });
    // A test that fails before awaiting this must not also crash the run with an unhandled rejection.
    p.catch(() => undefined);
    return p;
  }

  /** Waits for a frame of this messageType that arrives after the current point. */
  nextOf(messageType: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.messageType === messageType, timeoutMs, this.received.length);
  }

  async hello(
    uaid = '',
    channelIDs: string[] = [],
    extra: Record<string, unknown> = {},
  ): Promise<Frame> {
    const reply = this.nextOf('hello');
    this.send({ messageType: 'hello', uaid, channelIDs, ...extra });
    const f = await reply;
    if (f.status === 200) this.uaid = f.uaid as string;
    return f;
  }

  async register(
    channelID: string = randomUUID(),
  ): Promise<Frame & { channelID: string; pushEndpoint: string }> {
    const reply = this.next(
      (f) => f.messageType === 'register' && f.channelID === channelID,
      10_000,
      this.received.length,
    );
    this.send({ messageType: 'register', channelID });
    return (await reply) as Frame & { channelID: string; pushEndpoint: string };
  }

  async unregister(channelID: string): Promise<Frame> {
    const reply = this.next(
      (f) => f.messageType === 'unregister' && f.channelID === channelID,
      10_000,
      this.received.length,
    );
    this.send({ messageType: 'unregister', channelID });
    return reply;
  }

  /** Waits until the latest version seen for the channel is at least `version`. */
  async waitForVersion(
    channelID: string,
    version: string | number,
    timeoutMs = 10_000,
  ): Promise<void> {
    const reached = () => {
      const v = this.versions.get(channelID);
      return v !== undefined && BigInt(v) >= BigInt(version);
    };
    if (reached()) return;
    await this.next(() => reached(), timeoutMs, this.received.length);
  }

  ack(updates: Array<{ channelID: string; version: string | number }>): void {
    // Versions are written as bare integers, digit for digit.
    const body = updates
      .map((u) => `{"channelID":"${u.channelID}","version":${u.version}}`)
      .join(',');
    this.send(`{"messageType":"ack","updates":[${body}]}`);
  }

  /** Acks every update of a notification frame. */
  ackFrame(frame: Frame): void {
    this.ack(frame.updates as Array<{ channelID: string; version: string }>);
  }

  close(): void {
    this.ws.close();
  }
}

/** The AppServer side: `PUT <endpoint>` with `version=N`. */
export async function putVersion(
  endpoint: string,
  version?: string | number | null,
  body?: string,
) {
  const res = await fetch(endpoint, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body ?? (version === undefined || version === null ? '' : `version=${version}`),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}
