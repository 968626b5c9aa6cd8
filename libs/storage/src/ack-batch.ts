import type { VersionUpdate } from '@herald/protocol';
import { keys } from './keys';
import { RedisClient, runScript } from './redis-connections';

/** What an ack did: acknowledged count, and the user's pending count after it. */
export interface AckCounts {
  acked: number;
  pending: number;
}

interface QueuedAck {
  uaid: string;
  updates: readonly VersionUpdate[];
  resolve(counts: AckCounts): void;
  reject(err: unknown): void;
}

/**
 * At most this many users' acks per script call: the script holds Redis while it runs (a few µs
 * per user), and the rest go in the next call of the same pipeline.
 */
const MAX_USERS_PER_CALL = 128;

/**
 * The acks of every client of a gateway that arrive in one event-loop turn, run as one ACK_MANY
 * script call (a single Redis only: each user's keys are in their own Cluster slot). One script
 * call per ack cost the gateway a command (its promise, its reply parsing, its timer) and Redis a
 * script invocation per notification; each user's acks keep their meaning and order.
 */
export class AckBatch {
  private queued: QueuedAck[] = [];
  private readonly flush = () => this.send();

  constructor(private readonly redis: RedisClient) {}

  add(uaid: string, updates: readonly VersionUpdate[]): Promise<AckCounts> {
    return new Promise<AckCounts>((resolve, reject) => {
      // setImmediate, not nextTick: each client's frames are handled in their own immediate, and
      // the ticks run between them.
      if (this.queued.push({ uaid, updates, resolve, reject }) === 1) setImmediate(this.flush);
    });
  }

  private send(): void {
    const all = this.queued;
    this.queued = [];
    for (let i = 0; i < all.length; i += MAX_USERS_PER_CALL)
      this.call(all.slice(i, i + MAX_USERS_PER_CALL));
  }

  private call(batch: QueuedAck[]): void {
    const chKeys: string[] = [];
    const args: Array<string | number> = [];
    for (const a of batch) {
      chKeys.push(keys.channels(a.uaid));
      args.push(a.updates.length);
      for (const u of a.updates) args.push(u.channelID, u.version);
    }
    runScript<number[]>(this.redis, 'ACK_MANY', chKeys, args).then(
      (r) => {
        for (let i = 0; i < batch.length; i++)
          batch[i].resolve({ acked: r[2 * i], pending: r[2 * i + 1] });
      },
      (err: unknown) => {
        for (const a of batch) a.reject(err);
      },
    );
  }
}
