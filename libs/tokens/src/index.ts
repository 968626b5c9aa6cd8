export { EndpointTokenCodec } from './endpoint-token';
export type { EndpointClaims, EndpointKind } from './endpoint-token';
