import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { VersionUpdate } from '@herald/protocol';
import { keys } from './keys';
import type { StoredMessage } from './message.repository';
import { RedisClient, RedisConnections } from './redis-connections';

/**
 * Messages to one gateway node, over its own pub/sub channel (never a broadcast to all nodes).
 * Each names the connection it is for by UAID and epoch; a node drops what is not for a
 * connection it holds (the client moved, and the new node's resync covers it).
 */
export type NodeMessage =
  /** A new SimplePush version; `ts` is when the ingress accepted it (latency metric). */
  | { t: 'notify'; uaid: string; epoch: string; update: VersionUpdate; ts: number }
  /** A newer connection of this UAID exists elsewhere: close this one. */
  | { t: 'kick'; uaid: string; epoch: string }
  /** The retry worker found these unacknowledged: send them again. */
  | { t: 'redeliver'; uaid: string; epoch: string; updates: VersionUpdate[] }
  /** A new Web Push message (stored first unless its TTL is 0); `ts` as for 'notify'. */
  | { t: 'push'; uaid: string; epoch: string; message: StoredMessage; ts: number }
  /** The retry worker found these Web Push messages unacknowledged: send them again. */
  | { t: 'repush'; uaid: string; epoch: string; messages: StoredMessage[] };

export function encodeNodeMessage(m: NodeMessage): string {
  return JSON.stringify(m);
}

export function decodeNodeMessage(text: string): NodeMessage | null {
  try {
    const m = JSON.parse(text) as NodeMessage;
    return m && typeof m.t === 'string' && typeof m.uaid === 'string' ? m : null;
  } catch {
    return null;
  }
}

@Injectable()
export class RouteBus implements OnApplicationShutdown {
  private sub: RedisClient | null = null;

  constructor(private readonly redis: RedisConnections) {}

  /**
   * Publishes to a node; resolves to the number of subscribers that got it (0: node gone). On a
   * Redis Cluster node channels are shard channels (SPUBLISH reaches one shard, not every node).
   */
  publish(nodeId: string, message: NodeMessage): Promise<number> {
    const channel = keys.nodeChannel(nodeId);
    const text = encodeNodeMessage(message);
    return this.redis.cluster
      ? (this.redis.command.spublish(channel, text) as Promise<number>)
      : this.redis.command.publish(channel, text);
  }

  /**
   * Subscribes this process to its node channel; resolves once Redis confirmed. After a lost
   * connection comes back, `onResubscribed` runs once the subscription is in force again: messages
   * published during the gap reached nobody, and the node must repair what they left behind.
   */
  async listen(
    nodeId: string,
    onMessage: (m: NodeMessage) => void,
    onResubscribed?: () => void,
  ): Promise<void> {
    const sub = this.redis.subscriber(`node-${nodeId}`);
    this.sub = sub;
    let ready = 0;
    sub.on('ready', () => {
      if (++ready === 1 || !onResubscribed) return;
      // ioredis re-sends the subscription on reconnect; a PING queued behind it on the same
      // connection answers once Redis has processed it.
      void (sub as { ping(): Promise<unknown> }).ping().then(onResubscribed, () => undefined);
    });
    const receive = (_channel: string, text: string) => {
      const m = decodeNodeMessage(text);
      if (m) onMessage(m);
    };
    if (this.redis.cluster) {
      sub.on('smessage', receive);
      await sub.ssubscribe(keys.nodeChannel(nodeId));
    } else {
      sub.on('message', receive);
      await sub.subscribe(keys.nodeChannel(nodeId));
    }
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
