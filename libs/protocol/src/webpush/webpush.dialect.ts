import { isChannelId } from '../channel-id';
import type { Dialect } from '../dialect';

/** Longest message id an ack may carry (ids are opaque; this bounds what is decoded). */
const MAX_MESSAGE_ID = 200;

/** Web Push: acks carry message ids (opaque strings). */
export const webPushDialect: Dialect = {
  mode: 'webpush',
  acks: (updates) =>
    updates.filter((u) => isChannelId(u.channelID) && u.version.length <= MAX_MESSAGE_ID),
  // Autopush always sends `pushEndpoint`, empty on failure; clients written against it read it.
  registerFailure: (channelID, status, reason) =>
    JSON.stringify({ messageType: 'register', channelID, status, pushEndpoint: '', reason }),
};
