export { EndpointTokenCodec } from './endpoint-token';
export type { EndpointClaims, EndpointKind } from './endpoint-token';
export { endpointTokenCodecProvider } from './endpoint-token.provider';
