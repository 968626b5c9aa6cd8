/**
 * Redis key layout. Every key of one user carries the UAID as a hash tag, so one user's keys share
 * a Redis Cluster slot and each script touches one slot.
 */
export const keys = {
  /** hash: node, epoch (connection counter, never reset), proto, seen, wk (UDP wake-up address) */
  user: (uaid: string) => `u:{${uaid}}`,
  /** hash: channelID → latest version ('' until the first one): the resync source of truth */
  channels: (uaid: string) => `u:{${uaid}}:ch`,
  /** hash: channelID → highest version the client acknowledged */
  acks: (uaid: string) => `u:{${uaid}}:ack`,
  /** string with expiry: set while a UDP wake-up was sent recently (rate limit) */
  wakeupLimit: (uaid: string) => `u:{${uaid}}:wkrl`,
  /** string: the UAID that owns a channelID (409 for anyone else) */
  channelOwner: (chid: string) => `ch:{${chid}}`,
  /** sorted set: gateway node id → last heartbeat (ms) */
  nodes: 'herald:nodes',
  /** pub/sub channel of one gateway node */
  nodeChannel: (nodeId: string) => `herald:node:${nodeId}`,
};
