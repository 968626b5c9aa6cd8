import { isChannelId } from './channel-id';
import { AckUpdate, ClientFrame, FrameError, HelloFrame } from './client-frames';
import { CloseCode, CloseCodeValue } from './close-codes';
import type { Mode } from './dialect';
import { DIALECTS } from './dialects';
import { PING_REPLY, statusReply, unregisterReply } from './server-frames';

/** What the state machine knows of a connection; the gateway's connection carries it. */
export interface SessionState {
  helloDone: boolean;
  mode: Mode;
  /**
   * Web Push whatever the hello says: the client came in where autopush's clients are served.
   * Autopush speaks only Web Push and ignores `use_webpush`, so clients written against it
   * (Sunup, KUnifiedPush) do not send it.
   */
  readonly webpushOnly?: boolean;
  /** When the client last pinged (ms), 0 when never. */
  lastPingAt: number;
}

export interface SessionLimits {
  clientPingMinIntervalMs: number;
}

export type Step =
  | { do: 'close'; code: CloseCodeValue; reason: string; reply?: string }
  | { do: 'reply'; frame: string }
  | { do: 'hello'; frame: HelloFrame }
  | { do: 'register'; channelID: string; key: string | null; unifiedpush?: true }
  | { do: 'unregister'; channelID: string; code: number | null }
  | { do: 'ack'; updates: AckUpdate[] }
  | { do: 'nack'; version: string | null; code: number | null }
  | { do: 'broadcast-subscribe'; broadcasts: Record<string, string> }
  | { do: 'nothing' };

export function newSession(webpushOnly = false): SessionState {
  return { helloDone: false, mode: 'simplepush', lastPingAt: 0, webpushOnly };
}

/**
 * The per-connection protocol state machine: frames in, steps out. It does no I/O; the gateway
 * carries out each step (Redis, socket) and reports back only through {@link SessionState}.
 * What differs per protocol is asked of the connection's {@link Dialect}, never branched on here.
 */
export function step(
  state: SessionState,
  input: ClientFrame | FrameError,
  now: number,
  limits: SessionLimits,
): Step {
  if (input.type === 'error') return { do: 'close', code: input.code, reason: input.reason };

  if (!state.helloDone) {
    if (input.type !== 'hello') {
      return { do: 'close', code: CloseCode.PROTOCOL_ERROR, reason: 'hello required first' };
    }
    state.helloDone = true;
    state.mode = input.useWebpush || state.webpushOnly ? 'webpush' : 'simplepush';
    return { do: 'hello', frame: input };
  }

  switch (input.type) {
    case 'hello':
      return {
        do: 'close',
        code: CloseCode.PROTOCOL_ERROR,
        reason: 'duplicate hello',
        reply: statusReply('hello', 401, 'duplicate hello'),
      };
    case 'ping':
      if (state.lastPingAt && now - state.lastPingAt < limits.clientPingMinIntervalMs) {
        return { do: 'close', code: CloseCode.BACK_OFF, reason: 'pinging too often' };
      }
      state.lastPingAt = now;
      return { do: 'reply', frame: PING_REPLY };
    case 'register':
      if (!isChannelId(input.channelID)) {
        return {
          do: 'reply',
          frame: DIALECTS[state.mode].registerFailure(
            input.channelID ?? '',
            400,
            'channelID must be a lowercase dashed UUID',
          ),
        };
      }
      return {
        do: 'register',
        channelID: input.channelID,
        key: input.key,
        ...(input.unifiedpush ? { unifiedpush: true as const } : {}),
      };
    case 'unregister':
      if (!isChannelId(input.channelID)) {
        return {
          do: 'reply',
          frame: unregisterReply(
            input.channelID ?? '',
            400,
            'channelID must be a lowercase dashed UUID',
          ),
        };
      }
      return { do: 'unregister', channelID: input.channelID, code: input.code };
    case 'ack': {
      const updates = DIALECTS[state.mode].acks(input.updates);
      return updates.length ? { do: 'ack', updates } : { do: 'nothing' };
    }
    case 'nack':
      return { do: 'nack', version: input.version, code: input.code };
    case 'broadcast_subscribe':
      return { do: 'broadcast-subscribe', broadcasts: input.broadcasts };
  }
}
