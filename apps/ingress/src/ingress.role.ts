import { HeraldConfig } from '@herald/config';
import { RunningRole, startRole } from '@herald/runtime';
import { installRawBodies } from './http/raw-body';
import { PushExceptionFilter } from './http/push-exception.filter';
import { IngressModule } from './ingress.module';

/** Largest request body the ingress reads (Web Push allows 4096 bytes of payload plus headroom). */
export const MAX_BODY_BYTES = 8192;

export function startIngress(
  config: HeraldConfig,
  port = config.INGRESS_PORT,
): Promise<RunningRole> {
  return startRole({
    name: 'ingress',
    module: IngressModule,
    config,
    port,
    bodyParser: false,
    // Route parameters are tokens: a key-bound Web Push token is 124 characters, a message id
    // 103 (Fastify's default limit is 100, beyond which it answers 414).
    fastify: { bodyLimit: MAX_BODY_BYTES, trustProxy: true, maxParamLength: 256 },
    prepare: (app) => {
      installRawBodies(app.getHttpAdapter().getInstance());
      app.useGlobalFilters(new PushExceptionFilter());
    },
  });
}
