const CHANNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** ChannelIDs are UUIDs chosen by the client, lowercase and dashed (as Firefox makes them). */
export function isChannelId(value: unknown): value is string {
  return typeof value === 'string' && CHANNEL_ID.test(value);
}

export function channelIdToBytes(chid: string): Buffer {
  return Buffer.from(chid.replace(/-/g, ''), 'hex');
}

export function channelIdFromBytes(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
