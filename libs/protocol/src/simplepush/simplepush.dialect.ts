import { isChannelId } from '../channel-id';
import type { Dialect } from '../dialect';
import { parseVersion } from '../version';

/** SimplePush: acks carry decimal versions, normalised here. */
export const simplePushDialect: Dialect = {
  mode: 'simplepush',
  acks: (updates) =>
    updates.flatMap((u) => {
      const version = parseVersion(u.version);
      return isChannelId(u.channelID) && version !== null ? [{ ...u, version }] : [];
    }),
  registerFailure: (channelID, status, reason) =>
    JSON.stringify({ messageType: 'register', channelID, status, reason }),
};
