export { Errno, errorBody } from './webpush-errno';
export {
  URGENCIES,
  MAX_TTL_SECONDS,
  MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_DATA_BYTES,
  parsePushHeaders,
  parseTtl,
  parseTopic,
  parseUrgency,
  parsePayloadHeaders,
  headerParam,
} from './push-headers';
export type {
  Urgency,
  ContentEncoding,
  PushHeaderValues,
  PayloadHeaders,
  PushOptions,
  PushHeaderError,
  Parsed,
} from './push-headers';
export { normaliseAesgcmParams, toBase64url } from './aesgcm-params';
export type { AesgcmParamsResult } from './aesgcm-params';
export {
  decodeApplicationServerKey,
  applicationServerJwk,
  applicationServerKeyHash,
} from './application-server-key';
export { parseVapidAuthorization, verifyVapid, MAX_VAPID_EXPIRY_SECONDS } from './vapid';
export type { VapidCredentials, VapidFailure, VapidResult, VapidCheck, VapidScheme } from './vapid';
export { MessageIdCodec, newMessageKey } from './message-id';
export type { MessageIdClaims } from './message-id';
export { ReceiptIdCodec } from './receipt-id';
export { messageIdCodecProvider, receiptIdCodecProvider } from './codec.providers';
