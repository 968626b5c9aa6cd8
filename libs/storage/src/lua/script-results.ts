/**
 * The status codes Herald's scripts return first, by name: the scripts' comments say what comes
 * with each. Read only here, in the repositories, and by the bench floors that replay a script.
 */

/** NOTIFY (scripts.ts). */
export const NotifyStatus = {
  UNKNOWN_CHANNEL: 0,
  NOT_NEWER: 1,
  ROUTED: 2,
  STORED_OFFLINE: 3,
  /** Stored; the caller publishes (no publish in the script on a Redis Cluster). */
  TO_PUBLISH: 4,
  RATE_LIMITED: 5,
  /** Stored and published, but nobody received it. */
  UNREACHED: 6,
} as const;

/** STORE_MESSAGE (message-scripts.ts). */
export const StoreStatus = {
  UNKNOWN: 0,
  /** TTL 0: not stored. */
  UNSTORED: 1,
  STORED: 2,
  /** The user holds the most messages allowed. */
  FULL: 4,
} as const;

/** ADD_CHANNEL (scripts.ts). */
export const AddChannelStatus = {
  UNKNOWN_USER: -1,
  OVER_LIMIT: 0,
  ADDED: 1,
} as const;
