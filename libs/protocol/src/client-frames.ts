import { parse as parseLossless } from 'lossless-json';
import { normalizeUaid } from './uaid';
import { isChannelId } from './channel-id';
import { CloseCode, CloseCodeValue } from './close-codes';

/** Where a SimplePush phone can be woken by UDP when its socket is closed (Firefox OS). */
export interface WakeupAddress {
  ip: string;
  port: number;
  mobilenetwork?: { mcc: string; mnc: string; netid?: string };
}

export interface HelloFrame {
  type: 'hello';
  /** The client's UAID in canonical form; null when absent or not a UAID of ours. */
  uaid: string | null;
  /** The client's channel list (SimplePush); null when it sent none (Web Push clients). */
  channelIDs: string[] | null;
  useWebpush: boolean;
  broadcasts: Record<string, string> | null;
  wakeup: WakeupAddress | null;
}
export interface RegisterFrame {
  type: 'register';
  channelID: string | null;
  key: string | null;
}
export interface UnregisterFrame {
  type: 'unregister';
  channelID: string | null;
  code: number | null;
}
export interface AckUpdate {
  channelID: string;
  /** The raw version: a decimal version (SimplePush) or a message id (Web Push). */
  version: string;
  code: number | null;
}
export interface AckFrame {
  type: 'ack';
  updates: AckUpdate[];
}
export interface NackFrame {
  type: 'nack';
  version: string | null;
  code: number | null;
}
export interface BroadcastSubscribeFrame {
  type: 'broadcast_subscribe';
  broadcasts: Record<string, string>;
}
export interface PingFrame {
  type: 'ping';
}

export type ClientFrame =
  | HelloFrame
  | RegisterFrame
  | UnregisterFrame
  | AckFrame
  | NackFrame
  | BroadcastSubscribeFrame
  | PingFrame;

export interface FrameError {
  type: 'error';
  code: CloseCodeValue;
  reason: string;
}

const asString = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const asInt = (v: unknown): number | null => {
  const n = typeof v === 'string' && /^-?\d{1,9}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : null;
};

function stringMap(v: unknown): Record<string, string> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val === 'string' && k.length <= 200 && val.length <= 200) out[k] = val;
  }
  return out;
}

function wakeupOf(msg: Record<string, unknown>): WakeupAddress | null {
  const hp = msg.wakeup_hostport as Record<string, unknown> | undefined;
  if (!hp || typeof hp !== 'object') return null;
  const ip = asString(hp.ip);
  const port = asInt(hp.port);
  if (!ip || ip.length > 45 || port === null || port < 1 || port > 65535) return null;
  const mn = msg.mobilenetwork as Record<string, unknown> | undefined;
  const mcc = mn && asString(mn.mcc);
  const mnc = mn && asString(mn.mnc);
  const netid = mn ? asString(mn.netid) : null;
  return {
    ip,
    port,
    ...(mcc && mnc ? { mobilenetwork: { mcc, mnc, ...(netid ? { netid } : {}) } } : {}),
  };
}

/**
 * Parses one text frame into a typed frame. Numbers are kept as their decimal text (lossless),
 * because SimplePush versions reach 2^63−1 and JSON.parse would round them.
 */
export function parseClientFrame(text: string): ClientFrame | FrameError {
  // The ping is the two characters `{}` (with whitespace tolerated).
  if (text.length <= 8 && text.trim() === '{}') return { type: 'ping' };
  let msg: unknown;
  try {
    msg = parseLossless(text, null, (n: string) => n);
  } catch {
    return { type: 'error', code: CloseCode.PROTOCOL_ERROR, reason: 'malformed JSON' };
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
    return { type: 'error', code: CloseCode.PROTOCOL_ERROR, reason: 'frame must be a JSON object' };
  }
  const m = msg as Record<string, unknown>;
  if (Object.keys(m).length === 0) return { type: 'ping' };
  const messageType = typeof m.messageType === 'string' ? m.messageType.toLowerCase() : undefined;
  switch (messageType) {
    case 'hello':
      return {
        type: 'hello',
        uaid: normalizeUaid(m.uaid),
        channelIDs: Array.isArray(m.channelIDs)
          ? (m.channelIDs as unknown[]).filter(isChannelId)
          : null,
        useWebpush: m.use_webpush === true,
        broadcasts: stringMap(m.broadcasts),
        wakeup: wakeupOf(m),
      };
    case 'register':
      return {
        type: 'register',
        channelID: asString(m.channelID),
        key: asString(m.key),
      };
    case 'unregister':
      return { type: 'unregister', channelID: asString(m.channelID), code: asInt(m.code) };
    case 'ack': {
      const updates: AckUpdate[] = [];
      if (Array.isArray(m.updates)) {
        for (const u of m.updates as Record<string, unknown>[]) {
          if (!u || typeof u !== 'object') continue;
          const channelID = asString(u.channelID);
          const version = asString(u.version);
          if (channelID && version) updates.push({ channelID, version, code: asInt(u.code) });
        }
      }
      return { type: 'ack', updates };
    }
    case 'nack':
      return { type: 'nack', version: asString(m.version), code: asInt(m.code) };
    case 'broadcast_subscribe':
      return { type: 'broadcast_subscribe', broadcasts: stringMap(m.broadcasts) ?? {} };
    case 'ping':
      return { type: 'ping' };
    case undefined:
      return { type: 'error', code: CloseCode.PROTOCOL_ERROR, reason: 'missing messageType' };
    default:
      return {
        type: 'error',
        code: CloseCode.PROTOCOL_ERROR,
        reason: `unknown messageType "${String(m.messageType).slice(0, 32)}"`,
      };
  }
}
