import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { VersionUpdate } from '@herald/protocol';
import { AckBatch, AckCounts } from './ack-batch';
import { keys } from './keys';
import { AddChannelStatus, NotifyStatus } from './lua/script-results';
import { notifyTemplate } from './node-message';
import { NotifyBatch, NotifyReply } from './notify-batch';
import { RedisConnections, runScript } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { orUnavailable } from './storage-unavailable';
import { idleExpiryMs } from './user.repository';

export type RegisterResult = 'ok' | 'conflict' | 'limit' | 'unknown-user';

export type NotifyResult =
  | { kind: 'gone' }
  | { kind: 'stale' }
  /** Stored and published to the live node holding the client (one round trip). */
  | { kind: 'routed' }
  /** Stored; the client is offline (no route, or its node was gone and the route cleared). */
  | { kind: 'stored'; wakeup: string | null }
  /** Stored; the caller publishes to the node (Redis Cluster: no cross-slot publish in scripts). */
  | { kind: 'publish'; route: { nodeId: string; epoch: string }; wakeup: string | null }
  /** Stored and published to the node, but nobody received it: the caller judges the route. */
  | { kind: 'unreached'; route: { nodeId: string; epoch: string }; wakeup: string | null }
  /** Refused: the endpoint is over its rate limit for this window. */
  | { kind: 'limited'; retryAfterMs: number };

function pairs(flat: string[]): VersionUpdate[] {
  const out: VersionUpdate[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ channelID: flat[i], version: flat[i + 1] });
  return out;
}

/** Channels of a user: registration, latest versions, acknowledgements. */
@Injectable()
export class ChannelRepository implements BeforeApplicationShutdown {
  private readonly idleMs: number;
  /** The next owner bucket to sweep; each process starts at its own random place. */
  private nextBucket = Math.floor(Math.random() * keys.channelOwnerBuckets);
  /** Acks gathered for a moment, in one script call (single Redis); null on a Redis Cluster. */
  private readonly acks: AckBatch | null;
  /** NOTIFYs gathered while one call is in flight, in one script call (single Redis). */
  private readonly notifies: NotifyBatch | null;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly redis: RedisConnections,
    private readonly replication: ReplicationBarrier,
  ) {
    this.idleMs = idleExpiryMs(config);
    this.acks = redis.cluster ? null : new AckBatch(redis.command);
    this.notifies = redis.inScriptPublish ? new NotifyBatch(redis.command) : null;
  }

  /** Acks still gathered go to Redis before its connections close (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.acks?.send();
  }

  /**
   * Claims the channelID for this UAID (409 when another UAID has it), then adds it to the user.
   * Claim first: a channel is never listed under a user without owning it.
   */
  async register(uaid: string, channelID: string, maxChannels: number): Promise<RegisterResult> {
    if ((await this.claim(uaid, channelID)) !== 1) return 'conflict';
    const added = await runScript<number>(
      this.redis.command,
      'ADD_CHANNEL',
      [keys.user(uaid), keys.channels(uaid)],
      [channelID, maxChannels, this.idleMs],
    );
    if (added === AddChannelStatus.ADDED) {
      // Without REDIS_WAIT_REPLICAS there is nothing to wait for: no promises kept across a turn.
      if (this.replication.enabled) {
        await Promise.all([
          this.replication.confirm(keys.user(uaid)),
          this.replication.confirm(keys.channelOwners(channelID)),
        ]);
      }
      return 'ok';
    }
    await this.release(uaid, channelID);
    return added === AddChannelStatus.OVER_LIMIT ? 'limit' : 'unknown-user';
  }

  /**
   * 1 when the channel is (now) this UAID's, else 0. An owner whose user expired (idle) holds it
   * no more: it is taken over, compare-and-set against that owner.
   */
  private async claim(uaid: string, chid: string): Promise<number> {
    const bucket = [keys.channelOwners(chid)];
    const field = keys.channelOwnerField(chid);
    const r = await runScript<number | string>(this.redis.command, 'CLAIM_CHANNEL', bucket, [
      field,
      uaid,
      '',
    ]);
    if (r === 1) return 1;
    const owner = String(r);
    if (await this.redis.command.exists(keys.user(owner))) return 0;
    return (await runScript<number | string>(this.redis.command, 'CLAIM_CHANNEL', bucket, [
      field,
      uaid,
      owner,
    ])) === 1
      ? 1
      : 0;
  }

  private release(uaid: string, chid: string): Promise<number> {
    return runScript<number>(
      this.redis.command,
      'RELEASE_CHANNEL',
      [keys.channelOwners(chid)],
      [keys.channelOwnerField(chid), uaid],
    );
  }

  /** Whether the channel is (still) registered under this UAID. */
  async isRegistered(uaid: string, channelID: string): Promise<boolean> {
    return (await orUnavailable(this.redis.command.hexists(keys.channels(uaid), channelID))) === 1;
  }

  /** Idempotent; never touches a channel that another UAID owns. */
  async unregister(uaid: string, channelID: string): Promise<void> {
    await this.redis.command.hdel(keys.channels(uaid), channelID);
    await this.release(uaid, channelID);
  }

  /**
   * Removes from owner buckets the entries whose user is gone (expired after
   * USER_IDLE_TTL_SECONDS): what a claim would take over anyway, reclaimed in the background so
   * abandoned channels do not hold memory. Compare-and-delete: an entry claimed meanwhile stays.
   * Sweeps the next `count` buckets (of 4096, round robin); returns how many entries were removed.
   */
  async sweepOwners(count: number): Promise<number> {
    const n = Math.min(Math.max(0, count), keys.channelOwnerBuckets);
    const buckets = Array.from(
      { length: n },
      (_, k) => (this.nextBucket + k) % keys.channelOwnerBuckets,
    );
    this.nextBucket = (this.nextBucket + n) % keys.channelOwnerBuckets;
    let removed = 0;
    for (const i of buckets) {
      const bucket = keys.channelOwnerBucket(i);
      const entries = Object.entries(await this.redis.command.hgetall(bucket));
      const owners = [...new Set(entries.map(([, owner]) => owner))];
      const alive = await Promise.all(owners.map((o) => this.redis.command.exists(keys.user(o))));
      const gone = new Set(owners.filter((_, k) => alive[k] === 0));
      const released = await Promise.all(
        entries
          .filter(([, owner]) => gone.has(owner))
          .map(([field, owner]) =>
            runScript<number>(this.redis.command, 'RELEASE_CHANNEL', [bucket], [field, owner]),
          ),
      );
      removed += released.reduce((a, b) => a + b, 0);
    }
    return removed;
  }

  /** The user is gone (reset): its channel IDs may be claimed again. */
  async releaseOwners(uaid: string, channelIDs: readonly string[]): Promise<void> {
    await Promise.all(channelIDs.map((chid) => this.release(uaid, chid)));
  }

  /**
   * After a hello reconciled the channel list: release what was dropped, claim what was restored
   * (a restored channel that another UAID took meanwhile is removed again). Returns the channels
   * that could not be restored.
   */
  async settleReconcile(uaid: string, dropped: string[], restored: string[]): Promise<string[]> {
    const lost: string[] = [];
    for (const chid of dropped) await this.release(uaid, chid);
    for (const chid of restored) {
      if ((await this.claim(uaid, chid)) !== 1) {
        await this.redis.command.hdel(keys.channels(uaid), chid);
        lost.push(chid);
      }
    }
    return lost;
  }

  /**
   * Stores a version if it is newer than the stored one and routes it: on a single Redis the
   * script publishes to the node itself; on a Redis Cluster the caller (Router) must publish.
   */
  async notify(
    uaid: string,
    channelID: string,
    version: string,
    ts: number,
    rate: { limit: number; windowMs: number },
  ): Promise<NotifyResult> {
    const scriptKeys = [keys.user(uaid), keys.channels(uaid), keys.channelRate(uaid, channelID)];
    let r: NotifyReply;
    if (this.notifies) {
      const [head, tail] = notifyTemplate(uaid, { channelID, version }, ts);
      r = await this.notifies.add(scriptKeys, [
        channelID,
        version,
        head,
        tail,
        keys.nodeChannelPrefix,
        rate.limit,
        rate.windowMs,
      ]);
    } else {
      r = await runScript<NotifyReply>(this.redis.command, 'NOTIFY', scriptKeys, [
        channelID,
        version,
        '',
        '',
        '',
        rate.limit,
        rate.windowMs,
      ]);
    }
    // Stored, or not newer than what is stored (perhaps a retry of a write not yet replicated):
    // acknowledged once replicated.
    if (
      this.replication.enabled &&
      r[0] !== NotifyStatus.UNKNOWN_CHANNEL &&
      r[0] !== NotifyStatus.RATE_LIMITED
    ) {
      await this.replication.confirm(keys.user(uaid));
    }
    switch (r[0]) {
      case NotifyStatus.UNKNOWN_CHANNEL:
        return { kind: 'gone' };
      case NotifyStatus.NOT_NEWER:
        return { kind: 'stale' };
      case NotifyStatus.ROUTED:
        return { kind: 'routed' };
      case NotifyStatus.STORED_OFFLINE:
        return { kind: 'stored', wakeup: r[1] || null };
      case NotifyStatus.RATE_LIMITED:
        return { kind: 'limited', retryAfterMs: Number(r[1]) };
      default:
        return {
          kind: r[0] === NotifyStatus.UNREACHED ? 'unreached' : 'publish',
          route: { nodeId: r[1] as string, epoch: r[2] ?? '' },
          wakeup: r[3] || null,
        };
    }
  }

  /** Records acks (only where the stored version is not newer); returns acked and still pending counts. */
  async ack(uaid: string, updates: readonly VersionUpdate[]): Promise<AckCounts> {
    if (this.acks) return this.acks.add(uaid, updates);
    const args = updates.flatMap((u) => [u.channelID, u.version]);
    const [acked, pending] = await runScript<[number, number]>(
      this.redis.command,
      'ACK',
      [keys.channels(uaid)],
      args,
    );
    return { acked, pending };
  }

  /** The route and the pending updates of a user (the retry worker's view). */
  async readPending(
    uaid: string,
  ): Promise<{ route: { nodeId: string; epoch: string } | null; pending: VersionUpdate[] }> {
    const [node, epoch, flat] = await runScript<[string, string, string[]]>(
      this.redis.command,
      'READ_PENDING',
      [keys.user(uaid), keys.channels(uaid)],
      [],
    );
    return { route: node ? { nodeId: node, epoch } : null, pending: pairs(flat) };
  }
}
