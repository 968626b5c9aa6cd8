import { Injectable } from '@nestjs/common';
import { VersionUpdate } from '@herald/protocol';
import { keys } from './keys';
import { RedisConnections, runScript } from './redis-connections';

export type RegisterResult = 'ok' | 'conflict' | 'limit' | 'unknown-user';

export type NotifyResult =
  | { kind: 'gone' }
  | { kind: 'stale' }
  | { kind: 'stored'; route: { nodeId: string; epoch: string } | null; wakeup: string | null };

function pairs(flat: string[]): VersionUpdate[] {
  const out: VersionUpdate[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ channelID: flat[i], version: flat[i + 1] });
  return out;
}

/** Channels of a user: registration, latest versions, acknowledgements. */
@Injectable()
export class ChannelRepository {
  constructor(private readonly redis: RedisConnections) {}

  /**
   * Claims the channelID for this UAID (409 when another UAID has it), then adds it to the user.
   * Claim first: a channel is never listed under a user without owning it.
   */
  async register(uaid: string, channelID: string, maxChannels: number): Promise<RegisterResult> {
    const owner = keys.channelOwner(channelID);
    const claimed = await runScript<number>(this.redis.command, 'CLAIM_CHANNEL', [owner], [uaid]);
    if (claimed !== 1) return 'conflict';
    const added = await runScript<number>(
      this.redis.command,
      'ADD_CHANNEL',
      [keys.user(uaid), keys.channels(uaid)],
      [channelID, maxChannels],
    );
    if (added === 1) return 'ok';
    await runScript(this.redis.command, 'DELETE_IF_EQUAL', [owner], [uaid]);
    return added === 0 ? 'limit' : 'unknown-user';
  }

  /** Idempotent; never touches a channel that another UAID owns. */
  async unregister(uaid: string, channelID: string): Promise<void> {
    await this.redis.command
      .multi()
      .hdel(keys.channels(uaid), channelID)
      .hdel(keys.acks(uaid), channelID)
      .exec();
    await runScript(this.redis.command, 'DELETE_IF_EQUAL', [keys.channelOwner(channelID)], [uaid]);
  }

  /**
   * After a hello reconciled the channel list: release what was dropped, claim what was restored
   * (a restored channel that another UAID took meanwhile is removed again). Returns the channels
   * that could not be restored.
   */
  async settleReconcile(uaid: string, dropped: string[], restored: string[]): Promise<string[]> {
    const lost: string[] = [];
    for (const chid of dropped) {
      await runScript(this.redis.command, 'DELETE_IF_EQUAL', [keys.channelOwner(chid)], [uaid]);
    }
    for (const chid of restored) {
      const ok = await runScript<number>(
        this.redis.command,
        'CLAIM_CHANNEL',
        [keys.channelOwner(chid)],
        [uaid],
      );
      if (ok !== 1) {
        await this.redis.command.hdel(keys.channels(uaid), chid);
        lost.push(chid);
      }
    }
    return lost;
  }

  /** Stores a version if it is newer than the stored one, and tells where the client is. */
  async notify(uaid: string, channelID: string, version: string): Promise<NotifyResult> {
    const r = await runScript<[number, string?, string?, string?]>(
      this.redis.command,
      'NOTIFY',
      [keys.user(uaid), keys.channels(uaid)],
      [channelID, version],
    );
    if (r[0] === 0) return { kind: 'gone' };
    if (r[0] === 1) return { kind: 'stale' };
    return {
      kind: 'stored',
      route: r[1] ? { nodeId: r[1], epoch: r[2] ?? '' } : null,
      wakeup: r[3] || null,
    };
  }

  /** Records acks (only where the stored version is not newer); returns acked and still pending counts. */
  async ack(
    uaid: string,
    updates: readonly VersionUpdate[],
  ): Promise<{ acked: number; pending: number }> {
    const args = updates.flatMap((u) => [u.channelID, u.version]);
    const [acked, pending] = await runScript<[number, number]>(
      this.redis.command,
      'ACK',
      [keys.channels(uaid), keys.acks(uaid)],
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
      [keys.user(uaid), keys.channels(uaid), keys.acks(uaid)],
      [],
    );
    return { route: node ? { nodeId: node, epoch } : null, pending: pairs(flat) };
  }
}
