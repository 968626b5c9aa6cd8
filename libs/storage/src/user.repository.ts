import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { newUaid, VersionUpdate } from '@herald/protocol';
import { keys } from './keys';
import { RedisConnections, runScript } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';

export interface HelloInput {
  /** The client's UAID (canonical), or null for a new client. */
  uaid: string | null;
  nodeId: string;
  proto: 'simplepush' | 'webpush';
  /** 'ip:port' of the UDP wake-up address, if allowed. */
  wakeup: string | null;
  /** The client's channel list to reconcile with, or null. */
  channelIDs: string[] | null;
  /** Channels a UAID may hold: a reconcile restores no more (0: no limit). */
  maxChannels?: number;
}

export interface HelloResult {
  uaid: string;
  isNew: boolean;
  epoch: string;
  /** The connection this hello replaces, if any: it must be closed wherever it lives. */
  previous: { nodeId: string; epoch: string } | null;
  pending: VersionUpdate[];
  dropped: string[];
  restored: string[];
  /** Listed channels not restored because the UAID holds as many as it may. */
  over: string[];
}

type HelloReply = [string, string, number, string[], string[], string[], string[]] | null;

/** USER_IDLE_TTL_SECONDS in ms: how long a user's keys live without a hello (0: for ever). */
export function idleExpiryMs(config: HeraldConfig): number {
  return config.USER_IDLE_TTL_SECONDS * 1000;
}

/** A user (UAID): who holds its connection (node + epoch) and how to wake it. */
@Injectable()
export class UserRepository {
  readonly idleMs: number;
  /** How often a held client's expiry is set again: a quarter of it, at most daily (0: never). */
  readonly touchEveryMs: number;

  constructor(
    @Inject(HERALD_CONFIG) config: HeraldConfig,
    private readonly redis: RedisConnections,
    private readonly replication: ReplicationBarrier,
  ) {
    this.idleMs = idleExpiryMs(config);
    this.touchEveryMs = this.idleMs > 0 ? Math.min(this.idleMs / 4, 86_400_000) : 0;
  }

  async hello(input: HelloInput, now = Date.now()): Promise<HelloResult> {
    return (await this.resume(input, now)) ?? this.createForHello(input, now);
  }

  /** hello for a UAID the server knows; null when it does not (or none was given). */
  async resume(input: HelloInput, now = Date.now()): Promise<HelloResult | null> {
    if (input.uaid) {
      const reply = await runScript<HelloReply>(
        this.redis.command,
        'HELLO',
        [keys.user(input.uaid), keys.channels(input.uaid)],
        [
          input.nodeId,
          input.proto,
          now,
          input.wakeup ?? '',
          input.channelIDs ? '1' : '0',
          this.idleMs,
          input.maxChannels ?? 0,
          ...(input.channelIDs ?? []),
        ],
      );
      if (reply) {
        // The route this hello took must survive a failover, or pushes go to the old one.
        await this.replication.confirm(keys.user(input.uaid));
        const [prevNode, prevEpoch, epoch, flat, dropped, restored, over] = reply;
        const pending: VersionUpdate[] = [];
        for (let i = 0; i < flat.length; i += 2)
          pending.push({ channelID: flat[i], version: flat[i + 1] });
        return {
          uaid: input.uaid,
          isNew: false,
          epoch: String(epoch),
          previous: prevNode ? { nodeId: prevNode, epoch: prevEpoch } : null,
          pending,
          dropped,
          restored,
          over,
        };
      }
    }
    return null;
  }

  private async createForHello(input: HelloInput, now: number): Promise<HelloResult> {
    // Unknown or absent UAID: a new one, which tells the client to drop and re-register its
    // channels (Thialfi's client-driven recovery of lost server state).
    const uaid = newUaid();
    await this.create(uaid, {
      node: input.nodeId,
      epoch: 1,
      proto: input.proto,
      seen: now,
      created: now,
      ...(input.wakeup ? { wk: input.wakeup } : {}),
    });
    await this.replication.confirm(keys.user(uaid));
    return {
      uaid,
      isNew: true,
      epoch: '1',
      previous: null,
      pending: [],
      dropped: [],
      restored: [],
      over: [],
    };
  }

  /** Writes a new user's hash, with its idle expiry, in one atomic step. */
  async create(uaid: string, fields: Record<string, string | number>): Promise<void> {
    const args: Array<string | number> = [Math.max(0, this.idleMs)];
    for (const name in fields) args.push(name, fields[name]);
    await runScript(this.redis.command, 'CREATE_USER', [keys.user(uaid)], args);
  }

  /**
   * Sets the idle expiry of a user this node still holds again (USER_IDLE_TTL_SECONDS): a client
   * connected for longer than that is not idle. False when the user is gone already.
   */
  async touch(uaid: string): Promise<boolean> {
    if (this.idleMs <= 0) return true;
    return (
      (await runScript<number>(
        this.redis.command,
        'TOUCH_USER',
        [keys.user(uaid), keys.channels(uaid)],
        [this.idleMs],
      )) === 1
    );
  }

  /**
   * Restores the route of a connection this node still holds and returns its pending versions;
   * null when a newer connection of the UAID took over (this one must close).
   */
  async reclaimRoute(uaid: string, nodeId: string, epoch: string): Promise<VersionUpdate[] | null> {
    const flat = await runScript<string[] | null>(
      this.redis.command,
      'RECLAIM_ROUTE',
      [keys.user(uaid), keys.channels(uaid)],
      [nodeId, epoch],
    );
    if (!flat) return null;
    const out: VersionUpdate[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ channelID: flat[i], version: flat[i + 1] });
    return out;
  }

  /** Clears the route if it still names this connection (a newer one may have taken over). */
  async releaseRoute(uaid: string, nodeId: string, epoch: string): Promise<boolean> {
    return (
      (await runScript<number>(
        this.redis.command,
        'RELEASE_ROUTE',
        [keys.user(uaid)],
        [nodeId, epoch],
      )) === 1
    );
  }

  /** True when a UDP wake-up may be sent now (at most one per interval per user). */
  async takeWakeupSlot(uaid: string, intervalMs: number): Promise<boolean> {
    if (intervalMs <= 0) return true;
    return (
      (await this.redis.command.set(keys.wakeupLimit(uaid), '1', 'PX', intervalMs, 'NX')) === 'OK'
    );
  }
}
