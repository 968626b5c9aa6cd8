import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { keys } from './keys';
import { decodeNodeMessage, encodeNodeMessage, NodeMessage } from './node-message';
import { orUnavailable } from './storage-unavailable';
import { RedisClient, RedisConnections } from './redis-connections';

/** What a node publishes to its own channel to learn whether its subscription is in force. */
const PROBE = '{"t":"probe"}';

@Injectable()
export class RouteBus implements OnApplicationShutdown {
  private sub: RedisClient | null = null;
  private channel = '';
  private onResubscribed: (() => void) | null = null;
  /**
   * Gaps noted in our subscription (it was, or may have been, down), and how many of them a
   * repair has covered. A probe proves the subscription live as of its publish, so it may repair
   * only the gaps noted before it was published.
   */
  private gapsNoted = 0;
  private gapsRepaired = 0;
  private verifying: Promise<boolean> | null = null;

  constructor(private readonly redis: RedisConnections) {}

  /**
   * Publishes to a node; resolves to the number of subscribers that got it (0: the node is gone,
   * or its subscription is down for a moment). On a Redis Cluster node channels are shard
   * channels (SPUBLISH reaches one shard, not every node).
   */
  publish(nodeId: string, message: NodeMessage): Promise<number> {
    return orUnavailable(this.publishText(keys.nodeChannel(nodeId), encodeNodeMessage(message)));
  }

  private publishText(channel: string, text: string): Promise<number> {
    return this.redis.cluster
      ? (this.redis.command.spublish(channel, text) as Promise<number>)
      : this.redis.command.publish(channel, text);
  }

  /**
   * Subscribes this process to its node channel; resolves once Redis confirmed. Whenever the
   * subscription was interrupted — a reconnect, a Redis Cluster failover that moved the channel's
   * shard — `onResubscribed` runs once it is in force again: messages published during the gap
   * reached nobody, and the node must send what they carried.
   */
  async listen(
    nodeId: string,
    onMessage: (m: NodeMessage) => void,
    onResubscribed?: () => void,
  ): Promise<void> {
    const sub = this.redis.subscriber(`node-${nodeId}`);
    this.sub = sub;
    this.channel = keys.nodeChannel(nodeId);
    this.onResubscribed = onResubscribed ?? null;
    const receive = (_channel: string, text: string) => {
      const m = decodeNodeMessage(text);
      if (m) onMessage(m);
    };
    if (this.redis.cluster) {
      // After a failover ioredis moves shard subscriptions to the new master and says so here.
      sub.on('subscribersReady', () => void this.interrupted());
      sub.on('smessage', receive);
      await sub.ssubscribe(this.channel);
    } else {
      let ready = 0;
      sub.on('ready', () => {
        if (++ready === 1) return;
        // ioredis re-sends the subscription on reconnect; a PING queued behind it on the same
        // connection answers once Redis has processed it.
        void (sub as { ping(): Promise<unknown> }).ping().then(
          () => this.interrupted(),
          () => undefined,
        );
      });
      sub.on('message', receive);
      await sub.subscribe(this.channel);
    }
  }

  private async interrupted(): Promise<void> {
    this.gapsNoted++;
    // A probe already under way was published before this gap was noted: it proves nothing of it.
    await this.verifying?.catch(() => false);
    await this.verify().catch(() => false);
  }

  /**
   * Publishes a probe to our own channel: true when our subscription is in force. A probe that
   * reaches nobody means a gap (ioredis will not always tell: a shard subscription can be lost
   * without an event), so the subscription is asked for again; the first probe that arrives after
   * a gap runs `onResubscribed`. The gateway calls this on every heartbeat.
   */
  verify(): Promise<boolean> {
    this.verifying ??= this.probe().finally(() => (this.verifying = null));
    return this.verifying;
  }

  private async probe(): Promise<boolean> {
    const sub = this.sub;
    if (!sub) return false;
    const noted = this.gapsNoted;
    if ((await this.publishText(this.channel, PROBE)) === 0) {
      this.gapsNoted++;
      // A shard subscription ioredis lost track of is asked for again (on the slot's master of
      // now); unsubscribing first keeps ioredis from listing the channel twice.
      if (this.redis.cluster) {
        await sub.sunsubscribe(this.channel).catch(() => undefined);
        await sub.ssubscribe(this.channel).catch(() => undefined);
      }
      return false;
    }
    if (noted > this.gapsRepaired) {
      this.gapsRepaired = noted;
      this.onResubscribed?.();
    }
    return true;
  }

  async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}
