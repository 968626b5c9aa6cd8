import { callInChunks, Waiting } from './chunked-calls';
import { RedisClient, runScript } from './redis-connections';
import { flushWrites } from './write-coalescing';

/** NOTIFY's reply (lua/scripts.ts): its status, then what that status carries. */
export type NotifyReply = [number, string?, string?, string?];

interface QueuedNotify extends Waiting<NotifyReply> {
  keys: string[];
  args: Array<string | number>;
}

/** At most this many notifications per script call (the script holds Redis while it runs). */
const MAX_PER_CALL = 128;
/**
 * Sends (each one or more calls) awaiting their replies at once. With one, a PUT that arrives
 * while a send is in flight waits a whole round trip before its own leaves, even when the ingress
 * is idle; with two it leaves at once unless two are out already (the ingress is busy, and the
 * PUTs gather into the next send). Replies come back in order on the one connection.
 */
const MAX_SENDS_IN_FLIGHT = 2;

/**
 * The NOTIFYs of an ingress gathered while its previous calls are in flight (or, when few are,
 * those of one event-loop turn), run as one NOTIFY_MANY call: on a single Redis only, each user's keys
 * being in their own Cluster slot. A script call per PUT cost the ingress a command (its promise,
 * its encoding, its reply parsing, its timer) and Redis a script invocation. Each notification
 * keeps its meaning, and the PUTs of one turn their order. The call leaves with the other
 * commands of its turn (RedisConnections corks the connection per turn).
 */
export class NotifyBatch {
  private queued: QueuedNotify[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly flush = () => {
    this.scheduled = false;
    this.send();
    // Issued from the check phase: out now, not at the next iteration's.
    flushWrites(this.redis);
  };

  constructor(private readonly redis: RedisClient) {}

  add(keys: string[], args: Array<string | number>): Promise<NotifyReply> {
    return new Promise<NotifyReply>((resolve, reject) => {
      this.queued.push({ keys, args, resolve, reject });
      if (this.inFlight >= MAX_SENDS_IN_FLIGHT || this.scheduled) return;
      this.scheduled = true;
      setImmediate(this.flush);
    });
  }

  private send(): void {
    if (!this.queued.length) return;
    const all = this.queued;
    this.queued = [];
    this.inFlight++;
    void callInChunks(all, MAX_PER_CALL, this.call).then(() => {
      this.inFlight--;
      // What came meanwhile has waited a round trip already: sent now, not a turn later.
      if (!this.scheduled) this.send();
    });
  }

  private readonly call = (batch: QueuedNotify[]): Promise<NotifyReply[]> => {
    const keys: string[] = [];
    const args: Array<string | number> = [];
    for (const n of batch) {
      for (const k of n.keys) keys.push(k);
      for (const a of n.args) args.push(a);
    }
    return runScript<NotifyReply[]>(this.redis, 'NOTIFY_MANY', keys, args);
  };
}
