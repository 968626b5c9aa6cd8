import { Provider } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { EndpointTokenCodec } from './endpoint-token';

/** The codec under the configured secret: every role that mints or reads endpoints uses this. */
export const endpointTokenCodecProvider: Provider = {
  provide: EndpointTokenCodec,
  useFactory: (c: HeraldConfig) => new EndpointTokenCodec(c.endpointSecret),
  inject: [HERALD_CONFIG],
};
