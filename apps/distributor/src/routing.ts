import type { Registration, RegistrationStore } from './registration-store';

/** A frame from the gateway, as far as the distributor reads it. */
export interface GatewayFrame {
  messageType?: string;
  status?: number;
  uaid?: string;
  channelID?: string;
  pushEndpoint?: string;
  version?: string;
  data?: string;
  reason?: string;
}

export type Action =
  /** Give the app its message (the push body, byte for byte), then ack with code 100. */
  | { do: 'deliver'; registration: Registration; body: Buffer; id: string; ack: string }
  /** A message for a channel no app holds any more: ack it and unregister the channel. */
  | { do: 'stray'; channelID: string; ack: string }
  | { do: 'ignore' };

/**
 * What to do with a notification frame. Pure: the Web Push `data` is base64url of the push
 * body, which goes to the app unchanged (an empty push is an empty message).
 */
export function routeNotification(store: RegistrationStore, f: GatewayFrame): Action {
  if (f.messageType !== 'notification' || !f.channelID || typeof f.version !== 'string') {
    return { do: 'ignore' };
  }
  const registration = store.byChannel(f.channelID);
  if (!registration) return { do: 'stray', channelID: f.channelID, ack: f.version };
  const body = f.data ? Buffer.from(f.data, 'base64url') : Buffer.alloc(0);
  return { do: 'deliver', registration, body, id: f.version, ack: f.version };
}

/** The ack frame for delivered messages (code 100: delivered). */
export function ackFrame(channelID: string, version: string, code = 100): string {
  return JSON.stringify({ messageType: 'ack', updates: [{ channelID, version, code }] });
}

export function helloFrame(uaid: string): string {
  return JSON.stringify({ messageType: 'hello', use_webpush: true, ...(uaid ? { uaid } : {}) });
}

/** A UnifiedPush registration: Herald answers with a `/up/` endpoint (key-bound with `key`). */
export function registerFrame(channelID: string, vapid: string | null): string {
  return JSON.stringify({
    messageType: 'register',
    channelID,
    unifiedpush: true,
    ...(vapid ? { key: vapid } : {}),
  });
}

export function unregisterFrame(channelID: string): string {
  return JSON.stringify({ messageType: 'unregister', channelID, code: 200 });
}

/** Reconnect delay: exponential from 500 ms to 30 s, with jitter so distributors spread out. */
export function backoffMs(attempt: number, random = Math.random()): number {
  const base = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + (base / 2) * random);
}
