import type { VersionUpdate } from '@herald/protocol';
import type { StoredMessage } from './message.repository';

/**
 * Messages to one gateway node, over its own pub/sub channel (never a broadcast to all nodes).
 * Each names the connection it is for by UAID and epoch; a node drops what is not for a
 * connection it holds (the client moved, and the new node's resync covers it). The one definition:
 * the NOTIFY script fills the epoch into text encoded here (`notifyTemplate`), never its own JSON.
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

/**
 * A 'notify' message encoded around its epoch: the text before and after it. The NOTIFY script
 * publishes `head .. epoch .. tail` (an epoch is digits: nothing to escape). Built by hand, once
 * per PUT, as `encodeNodeMessage` would write the whole message (node-message.spec.ts holds them
 * equal): each string through JSON.stringify, the key order that of NodeMessage.
 */
export function notifyTemplate(uaid: string, update: VersionUpdate, ts: number): [string, string] {
  return [
    `{"t":"notify","uaid":${JSON.stringify(uaid)},"epoch":"`,
    `","update":{"channelID":${JSON.stringify(update.channelID)},"version":${JSON.stringify(update.version)}},"ts":${JSON.stringify(ts)}}`,
  ];
}
