import { normalizeUaid } from './uaid';
import { isChannelId } from './channel-id';
import { CloseCode, CloseCodeValue } from './close-codes';
import { quoteLongNumbers } from './long-numbers';

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
  /** Herald's extension for its UnifiedPush distributor: the endpoint is a `/up/` URL. */
  unifiedpush?: true;
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

const LONG_NUMBER = /\d{16}/;

const asString = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** A string, or a number's decimal text (versions and codes may come either way). */
const asText = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
const asInt = (v: unknown): number | null => {
  const text = asText(v);
  const n = text !== null && /^-?\d{1,9}$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) ? n : null;
};

function stringMap(v: unknown): Record<string, string> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const text = asText(val);
    if (text !== null && k.length <= 200 && text.length <= 200) out[k] = text;
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
  const mcc = mn && asText(mn.mcc);
  const mnc = mn && asText(mn.mnc);
  const netid = mn ? asText(mn.netid) : null;
  return {
    ip,
    port,
    ...(mcc && mnc ? { mobilenetwork: { mcc, mnc, ...(netid ? { netid } : {}) } } : {}),
  };
}

/**
 * Parses one text frame into a typed frame. Versions reach 2^63−1, which JSON.parse would round:
 * in a frame holding a long digit run, long numbers are kept as their decimal text.
 */
export function parseClientFrame(text: string): ClientFrame | FrameError {
  // The ping is the two characters `{}` (with whitespace tolerated).
  if (text.length <= 8 && text.trim() === '{}') return { type: 'ping' };
  let msg: unknown;
  try {
    // Only a run of 16+ digits can lose precision in JSON.parse: such numbers are quoted first.
    msg = JSON.parse(LONG_NUMBER.test(text) ? quoteLongNumbers(text) : text);
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
        ...(m.unifiedpush === true ? { unifiedpush: true as const } : {}),
      };
    case 'unregister':
      return { type: 'unregister', channelID: asString(m.channelID), code: asInt(m.code) };
    case 'ack': {
      const updates: AckUpdate[] = [];
      if (Array.isArray(m.updates)) {
        for (const u of m.updates as Record<string, unknown>[]) {
          if (!u || typeof u !== 'object') continue;
          const channelID = asString(u.channelID);
          const version = asText(u.version);
          if (channelID && version) updates.push({ channelID, version, code: asInt(u.code) });
        }
      }
      return { type: 'ack', updates };
    }
    case 'nack':
      return { type: 'nack', version: asText(m.version), code: asInt(m.code) };
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
