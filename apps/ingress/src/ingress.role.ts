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
    fastify: { bodyLimit: MAX_BODY_BYTES, trustProxy: true },
    prepare: (app) => {
      installRawBodies(app.getHttpAdapter().getInstance());
      app.useGlobalFilters(new PushExceptionFilter());
    },
  });
}
