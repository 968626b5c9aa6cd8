import type { FastifyReply } from 'fastify';
import { HeraldConfig, trustProxyFn } from '@herald/config';
import { RunningRole, startRole } from '@herald/runtime';
import { installRawBodies } from './http/raw-body';
import { ingressTimeouts } from './http/timeouts';
import { PushExceptionFilter } from './http/push-exception.filter';
import { Errno, sendPushError } from './http/push-error';
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
    // 103, a UnifiedPush endpoint at most 1000 bytes (Fastify's default limit is 100). Longer
    // ones, and malformed URLs, are answered by frameworkErrors in our error shape.
    fastify: {
      bodyLimit: MAX_BODY_BYTES,
      ...ingressTimeouts(config),
      // Only the operator's proxies may name the client (X-Forwarded-For): per-address limits
      // key on it.
      trustProxy: trustProxyFn(config.TRUST_PROXY),
      // Router options go under routerOptions (the top-level key is deprecated in Fastify 5 and
      // printed a warning at every start-up).
      routerOptions: { maxParamLength: 1024 },
      frameworkErrors: (err, _req, reply) => {
        const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
        void sendPushError(
          reply as unknown as FastifyReply,
          tooLong ? 404 : 400,
          tooLong ? Errno.INVALID_TOKEN : Errno.BAD_BODY,
          tooLong ? 'invalid push endpoint' : 'malformed URL',
        );
      },
    },
    prepare: (app) => {
      installRawBodies(app.getHttpAdapter().getInstance());
      app.useGlobalFilters(new PushExceptionFilter());
    },
  });
}
