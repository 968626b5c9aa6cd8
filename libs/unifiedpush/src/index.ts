export { DISCOVERY, MAX_MESSAGE_BYTES, parseUnifiedPush } from './push-request';
export { MAX_IDS_PER_STREAM, textChunk, multiLine, keepAlive, parseMultiIds } from './seed-stream';
export type { SeedStreamKind } from './seed-stream';
