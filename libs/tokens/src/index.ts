export { EndpointTokenCodec } from './endpoint-token';
export type { EndpointClaims, EndpointKind } from './endpoint-token';
export { endpointTokenCodecProvider } from './endpoint-token.provider';
export { PUSH_PATHS, pushEndpoint } from './endpoint-url';
export type { PushPath } from './endpoint-url';
