/**
 * WebSocket close codes Herald uses. Each failure a client can cause maps to one of them, with a
 * short reason string, so a client author can tell what went wrong without reading our logs.
 */
export const CloseCode = {
  NORMAL: 1000,
  /** Node draining for a deploy: reconnect (elsewhere). */
  GOING_AWAY: 1001,
  /** Malformed JSON, unknown messageType, a frame before hello, a second hello. */
  PROTOCOL_ERROR: 1002,
  /** Binary frames: the protocol is JSON text. */
  UNSUPPORTED_DATA: 1003,
  /** No hello in time. */
  POLICY_VIOLATION: 1008,
  /** Frame larger than MAX_FRAME_BYTES (sent by ws itself). */
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  /** Overloaded, or the client reads too slowly (send queue full): reconnect later. */
  TRY_AGAIN_LATER: 1013,
  /** A newer connection for the same UAID took over (autopush calls this ghosting). */
  REPLACED: 4409,
  /** Pinged too often: back off, do not reconnect (Firefox honours this code). */
  BACK_OFF: 4774,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];
