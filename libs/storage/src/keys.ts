/**
 * Redis key layout. Every key of one user carries the UAID as a hash tag, so one user's keys share
 * a Redis Cluster slot and each script touches one slot.
 */
export const keys = {
  /** hash: node, epoch (connection counter, never reset), proto, seen, wk (UDP wake-up address) */
  user: (uaid: string) => `u:{${uaid}}`,
  /**
   * hash: channelID → latest version, '' until the first one, prefixed '+' once acknowledged:
   * the resync source of truth
   */
  channels: (uaid: string) => `u:{${uaid}}:ch`,
  /** string with expiry: PUTs to one SimplePush endpoint in the current rate window */
  channelRate: (uaid: string, chid: string) => `u:{${uaid}}:rl:${chid}`,
  /** string with expiry: set while a UDP wake-up was sent recently (rate limit) */
  wakeupLimit: (uaid: string) => `u:{${uaid}}:wkrl`,
  /** sorted set: key of each stored Web Push message → arrival sequence (expires with the last) */
  messages: (uaid: string) => `u:{${uaid}}:msg`,
  /** prefix of one stored Web Push message's hash (expires with the message's TTL) */
  messagePrefix: (uaid: string) => `u:{${uaid}}:m:`,
  /** hash: "<chid> <topic>" → key of the message that topic names (RFC 8030 replacement) */
  topics: (uaid: string) => `u:{${uaid}}:top`,
  /** list with expiry: delivery receipts waiting for their application server (RFC 8030 §5.1) */
  receipts: (receiptId: string) => `rcpt:{${receiptId}}`,
  /** string with expiry: pushes a sender made in the current rate-limit window */
  senderRate: (sender: string) => `rl:{${sender}}`,
  /** hash: broadcast id → version (autopush's megaphone) */
  broadcasts: 'herald:broadcasts',
  /** pub/sub channel: broadcast changes, the one message every gateway gets */
  broadcastChannel: 'herald:broadcasts',
  /** string: Web Push messages stored cluster-wide (approximate, for the gauge) */
  storedMessages: 'herald:stats:webpush-stored',
  /**
   * hash bucket: channelID (hex, no dashes) → the UAID that owns it (409 for anyone else). 4096
   * buckets by the first 3 hex digits: compact listpacks up to ~500k channels with Redis's
   * default hash-max-listpack-entries (128); raise it for more.
   */
  channelOwners: (chid: string) => `cho:{${chid.slice(0, 3)}}`,
  /** The owner bucket number `i` (0 to 4095), for the worker's sweep of expired owners. */
  channelOwnerBucket: (i: number) => `cho:{${i.toString(16).padStart(3, '0')}}`,
  channelOwnerBuckets: 4096,
  channelOwnerField: (chid: string) => chid.replace(/-/g, ''),
  /** string: random id of this Redis dataset; a change means the data was lost */
  generation: 'herald:generation',
  /** sorted set: gateway node id → last heartbeat (ms) */
  nodes: 'herald:nodes',
  /** pub/sub channel of one gateway node */
  nodeChannel: (nodeId: string) => `herald:node:${nodeId}`,
  nodeChannelPrefix: 'herald:node:',
};
