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

/** Stands for the epoch, which only the script knows (it reads the route). */
const EPOCH_SLOT = '\u0000epoch\u0000';
/** How the slot reads once JSON-encoded (inside the quotes). */
const ENCODED_SLOT = JSON.stringify(EPOCH_SLOT).slice(1, -1);

/**
 * A 'notify' message encoded around its epoch: the text before and after it. The NOTIFY script
 * publishes `head .. epoch .. tail` (an epoch is digits: nothing to escape).
 */
export function notifyTemplate(uaid: string, update: VersionUpdate, ts: number): [string, string] {
  const text = encodeNodeMessage({ t: 'notify', uaid, epoch: EPOCH_SLOT, update, ts });
  const at = text.indexOf(ENCODED_SLOT);
  return [text.slice(0, at), text.slice(at + ENCODED_SLOT.length)];
}
