import { Injectable } from '@nestjs/common';
import { metrics } from '@herald/observability';
import { keys } from './keys';
import { StoreStatus } from './lua/script-results';
import { RedisConnections, runScript } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { orUnavailable } from './storage-unavailable';

/** A Web Push message as stored and as routed to the gateway that delivers it. */
export interface StoredMessage {
  /** 32 hex characters; with uaid and channelID it makes the message id. */
  key: string;
  channelID: string;
  /** Arrival order within the user. */
  seq: number;
  /** The body in base64url; '' when the push had none. */
  data: string;
  /** What the user agent needs to decrypt: encoding (+ encryption, crypto_key for aesgcm). */
  headers: Record<string, string> | null;
  /** Seconds, as accepted. */
  ttl: number;
  /** When the TTL runs out (ms since the epoch): never delivered at or after it. */
  exp: number;
  /** When the ingress accepted it (ms). */
  ts: number;
  topic: string | null;
  urgency: string;
  /** Receipt subscription to tell on delivery (RFC 8030 §5.1), if any. */
  receipt: string | null;
}

export type NewMessage = Omit<StoredMessage, 'seq' | 'exp' | 'ts'>;

export interface Route {
  nodeId: string;
  epoch: string;
}

export type StoreResult =
  | { kind: 'gone' }
  /** TTL 0: not stored; deliverable only if the client is connected now. */
  | { kind: 'unstored'; route: Route | null; message: StoredMessage }
  | { kind: 'stored'; route: Route | null; message: StoredMessage; replaced: boolean }
  /**
   * The user already holds the most messages allowed: this one is refused and they wait for
   * their client. `retryAfterMs`: until the first of them expires (-1 unknown).
   */
  | { kind: 'full'; retryAfterMs: number };

export interface ReadResult {
  route: Route | null;
  proto: string;
  messages: StoredMessage[];
}

/** A delivery receipt as the application server reads it. */
export interface Receipt {
  /** The message's URL (the Location of its push). */
  message: string;
  status: 'delivered';
  /** When the user agent acknowledged it (ms). */
  at: number;
}

/** How long undelivered receipts wait for their application server. */
const RECEIPT_RETENTION_MS = 7 * 24 * 3600 * 1000;
const RECEIPTS_KEPT = 1000;

const routeOf = (node: string, epoch: string): Route | null =>
  node ? { nodeId: node, epoch } : null;

function fieldsOf(m: NewMessage, exp: number, ts: number): string[] {
  return [
    'c',
    m.channelID,
    'd',
    m.data,
    'h',
    m.headers ? JSON.stringify(m.headers) : '',
    'ttl',
    String(m.ttl),
    'exp',
    String(exp),
    'ts',
    String(ts),
    't',
    m.topic ?? '',
    'u',
    m.urgency,
    'r',
    m.receipt ?? '',
  ];
}

function messageOf(key: string, flat: string[]): StoredMessage {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
  return {
    key,
    channelID: f.c,
    seq: Number(f.s),
    data: f.d ?? '',
    headers: f.h ? (JSON.parse(f.h) as Record<string, string>) : null,
    ttl: Number(f.ttl),
    exp: Number(f.exp),
    ts: Number(f.ts),
    topic: f.t || null,
    urgency: f.u || 'normal',
    receipt: f.r || null,
  };
}

/**
 * Web Push messages of a user: stored with a Redis expiry until acknowledged or expired, read in
 * arrival order, deleted by ack or by the application server; and the delivery receipts.
 */
@Injectable()
export class MessageRepository {
  constructor(
    private readonly redis: RedisConnections,
    private readonly replication: ReplicationBarrier,
  ) {}

  async store(
    uaid: string,
    m: NewMessage,
    maxMessages: number,
    now = Date.now(),
  ): Promise<StoreResult> {
    const exp = now + m.ttl * 1000;
    const r = await runScript<[number, string?, string?, ...Array<number | string>]>(
      this.redis.command,
      'STORE_MESSAGE',
      [
        keys.user(uaid),
        keys.channels(uaid),
        keys.messages(uaid),
        keys.messagePrefix(uaid) + m.key,
        keys.topics(uaid),
      ],
      [
        m.key,
        m.channelID,
        m.ttl * 1000,
        m.topic ?? '',
        maxMessages,
        keys.messagePrefix(uaid),
        ...fieldsOf(m, exp, now),
      ],
    );
    if (r[0] === StoreStatus.UNKNOWN) return { kind: 'gone' };
    const route = routeOf(r[1] ?? '', r[2] ?? '');
    const message: StoredMessage = { ...m, seq: Number(r[3] ?? 0), exp, ts: now };
    if (r[0] === StoreStatus.UNSTORED) return { kind: 'unstored', route, message };
    if (r[0] === StoreStatus.FULL) {
      const expired = Number(r[3]);
      metrics.webpushExpired.inc(expired);
      this.countStored(-expired);
      return { kind: 'full', retryAfterMs: Number(r[4]) };
    }
    await this.replication.confirm(keys.user(uaid));
    const replaced = r[4] === 1;
    const expired = Number(r[5] ?? 0);
    metrics.webpushExpired.inc(expired);
    this.countStored(1 - (replaced ? 1 : 0) - expired);
    return { kind: 'stored', route, message, replaced };
  }

  /** Up to `limit` messages after sequence `after` (0: from the start), oldest first. */
  async read(uaid: string, after: number, limit: number): Promise<ReadResult> {
    const [node, epoch, proto, expired, rows] = await runScript<
      [string, string, string, number, Array<[string, string[]]>]
    >(
      this.redis.command,
      'READ_MESSAGES',
      [keys.user(uaid), keys.messages(uaid), keys.topics(uaid)],
      [keys.messagePrefix(uaid), after, limit],
    );
    if (expired) {
      metrics.webpushExpired.inc(expired);
      this.countStored(-expired);
    }
    return {
      route: routeOf(node, epoch),
      proto,
      messages: rows.map(([key, flat]) => messageOf(key, flat)),
    };
  }

  /** Deletes a message (ack or cancel); tells whether it was there, its receipt, and what is left. */
  async delete(
    uaid: string,
    key: string,
  ): Promise<{ existed: boolean; receipt: string | null; left: number }> {
    const [existed, receipt, left] = await runScript<[number, string, number]>(
      this.redis.command,
      'DELETE_MESSAGE',
      [keys.messages(uaid), keys.messagePrefix(uaid) + key, keys.topics(uaid)],
      [key],
    );
    if (existed) this.countStored(-1);
    return { existed: existed === 1, receipt: receipt || null, left };
  }

  /** After an unregister: its channel's messages are not delivered any more. */
  async dropChannel(uaid: string, channelID: string): Promise<number> {
    const n = await runScript<number>(
      this.redis.command,
      'DROP_CHANNEL_MESSAGES',
      [keys.messages(uaid)],
      [keys.messagePrefix(uaid), channelID],
    );
    if (n) this.countStored(-n);
    return n;
  }

  async recordReceipt(receiptId: string, receipt: Receipt): Promise<void> {
    const key = keys.receipts(receiptId);
    await this.redis.command
      .multi()
      .rpush(key, JSON.stringify(receipt))
      .ltrim(key, -RECEIPTS_KEPT, -1)
      .pexpire(key, RECEIPT_RETENTION_MS)
      .exec();
  }

  /** Takes every receipt waiting; with waitMs > 0, waits up to that long for a first one. */
  takeReceipts(receiptId: string, waitMs = 0): Promise<Receipt[]> {
    return orUnavailable(this.take(receiptId, waitMs));
  }

  private async take(receiptId: string, waitMs: number): Promise<Receipt[]> {
    const key = keys.receipts(receiptId);
    const out: string[] = [];
    if (waitMs > 0 && (await this.redis.command.llen(key)) === 0) {
      // BLPOP blocks its connection: a dedicated one per waiter, closed right after.
      const blocking = this.redis.blocking('receipts');
      try {
        const got = await blocking.blpop(key, waitMs / 1000);
        if (got) out.push(got[1]);
      } finally {
        blocking.disconnect();
      }
    }
    const res = await this.redis.command.multi().lrange(key, 0, -1).del(key).exec();
    out.push(...((res?.[0]?.[1] as string[] | undefined) ?? []));
    return out.map((t) => JSON.parse(t) as Receipt);
  }

  /** The cluster-wide count behind herald_webpush_messages_stored (approximate). */
  private countStored(delta: number): void {
    if (!delta) return;
    this.redis.command
      .incrby(keys.storedMessages, delta)
      .then((n) => metrics.webpushStored.set(Math.max(0, n)))
      .catch(() => undefined);
  }
}
