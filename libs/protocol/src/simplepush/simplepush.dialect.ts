import { isChannelId } from '../channel-id';
import type { AckUpdate } from '../client-frames';
import type { Dialect } from '../dialect';
import { parseVersion } from '../version';

/** SimplePush: acks carry decimal versions, normalised here. */
export const simplePushDialect: Dialect = {
  mode: 'simplepush',
  acks: (updates) => {
    // A plain loop: acks arrive once per delivered notification (no flatMap arrays per update).
    const out: AckUpdate[] = [];
    for (const u of updates) {
      const version = parseVersion(u.version);
      if (version === null || !isChannelId(u.channelID)) continue;
      out.push(version === u.version ? u : { ...u, version });
    }
    return out;
  },
  registerFailure: (channelID, status, reason) =>
    JSON.stringify({ messageType: 'register', channelID, status, reason }),
};
