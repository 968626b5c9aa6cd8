import type { Mode } from './dialect';
import { DIALECTS } from './dialects';
/**
 * Outbound frames, serialised by hand where a field must keep all its digits (SimplePush
 * versions are written as bare JSON integers up to 2^63−1) and with JSON.stringify elsewhere.
 */

export const PING_REPLY = '{}';

export interface HelloReplyFields {
  uaid: string;
  status: number;
  useWebpush?: boolean;
  broadcasts?: Record<string, string | Record<string, string>>;
}

export function helloReply(f: HelloReplyFields): string {
  return JSON.stringify({
    messageType: 'hello',
    uaid: f.uaid,
    status: f.status,
    ...(f.useWebpush ? { use_webpush: true } : {}),
    ...(f.broadcasts ? { broadcasts: f.broadcasts } : {}),
  });
}

export function statusReply(messageType: string, status: number, reason: string): string {
  return JSON.stringify({ messageType, status, reason });
}

export function registerReply(
  channelID: string,
  status: number,
  pushEndpoint?: string,
  reason?: string,
): string {
  return JSON.stringify({
    messageType: 'register',
    channelID,
    status,
    ...(pushEndpoint ? { pushEndpoint } : {}),
    ...(reason ? { reason } : {}),
  });
}

/**
 * A register that failed, in the protocol's flavour (each {@link Dialect} says how: Web Push
 * keeps an empty `pushEndpoint`, as autopush does, for clients such as Sunup that need it).
 */
export function registerFailure(
  mode: Mode,
  channelID: string,
  status: number,
  reason: string,
): string {
  return DIALECTS[mode].registerFailure(channelID, status, reason);
}

export function unregisterReply(channelID: string, status: number, reason?: string): string {
  return JSON.stringify({
    messageType: 'unregister',
    channelID,
    status,
    ...(reason ? { reason } : {}),
  });
}

export interface VersionUpdate {
  channelID: string;
  /** Canonical decimal version. */
  version: string;
}

/** A SimplePush notification batch; versions are written as JSON integers, digit for digit. */
export function notificationBatch(updates: readonly VersionUpdate[]): string {
  let out = '{"messageType":"notification","updates":[';
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i];
    // channelIDs and versions are validated ([0-9a-f-] and digits): nothing to escape.
    out += `${i ? ',' : ''}{"channelID":"${u.channelID}","version":${u.version}}`;
  }
  return out + ']}';
}
