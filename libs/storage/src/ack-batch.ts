import type { VersionUpdate } from '@herald/protocol';
import { callInChunks, Waiting } from './chunked-calls';
import { keys } from './keys';
import { RedisClient, runScript } from './redis-connections';

/** What an ack did: acknowledged count, and the user's pending count after it. */
export interface AckCounts {
  acked: number;
  pending: number;
}

interface QueuedAck extends Waiting<AckCounts> {
  uaid: string;
  updates: readonly VersionUpdate[];
}

/**
 * How long acks wait for others before they go to Redis (ms). Every write to Redis wakes it and
 * the gateway for a reply, which costs more than the script itself; acks are not on anyone's
 * latency path (they only stop redelivery, seconds later), so they are gathered for a while.
 */
const GATHER_MS = 2;
/**
 * At most this many users' acks per script call: the script holds Redis while it runs (a few µs
 * per user); the rest go in further calls, written together.
 */
const MAX_USERS_PER_CALL = 128;

/**
 * The acks of every client of a gateway that arrive within GATHER_MS, run as one ACK_MANY script
 * call (a single Redis only: each user's keys are in their own Cluster slot). One script call per
 * ack cost the gateway a command (its promise, its reply parsing, its timer), Redis a script
 * invocation, and both a wake-up per notification; each user's acks keep their meaning and order.
 */
export class AckBatch {
  private queued: QueuedAck[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly flush = () => void this.send();

  constructor(private readonly redis: RedisClient) {}

  add(uaid: string, updates: readonly VersionUpdate[]): Promise<AckCounts> {
    return new Promise<AckCounts>((resolve, reject) => {
      if (this.queued.push({ uaid, updates, resolve, reject }) === 1)
        this.timer = setTimeout(this.flush, GATHER_MS);
    });
  }

  /**
   * Sends what is gathered now; resolves once Redis answered (at shutdown: the acks are in before
   * the connection closes).
   */
  async send(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = this.queued;
    this.queued = [];
    await callInChunks(all, MAX_USERS_PER_CALL, this.call);
  }

  private readonly call = (batch: QueuedAck[]): Promise<AckCounts[]> => {
    const chKeys: string[] = [];
    const args: Array<string | number> = [];
    for (const a of batch) {
      chKeys.push(keys.channels(a.uaid));
      args.push(a.updates.length);
      for (const u of a.updates) args.push(u.channelID, u.version);
    }
    // Two counts per user, in the order of the batch.
    return runScript<number[]>(this.redis, 'ACK_MANY', chKeys, args).then((r) =>
      batch.map((_, i) => ({ acked: r[2 * i], pending: r[2 * i + 1] })),
    );
  };
}
