import type { FastifyReply } from 'fastify';
import { HeraldConfig, trustProxyFn } from '@herald/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RunningRole, startRole } from '@herald/runtime';
import { PUSH_PATHS } from '@herald/tokens';
import { HotRoutes, RequestHandler } from './http/hot-routes';
import { installRawBodies } from './http/raw-body';
import { ingressTimeouts } from './http/timeouts';
import { PushExceptionFilter } from './http/push-exception.filter';
import { Errno, sendPushError } from './http/push-error';
import { IngressModule } from './ingress.module';
import { UpdateController } from './simplepush/update.controller';
import { UnifiedPushController } from './unifiedpush/unifiedpush.controller';
import { WebPushController } from './webpush/webpush.controller';

/** Largest request body the ingress reads (Web Push allows 4096 bytes of payload plus headroom). */
export const MAX_BODY_BYTES = 8192;

export function startIngress(
  config: HeraldConfig,
  port = config.INGRESS_PORT,
): Promise<RunningRole> {
  const trustProxy = trustProxyFn(config.TRUST_PROXY);
  const hot = new HotRoutes(MAX_BODY_BYTES, trustProxy);
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
      trustProxy,
      // The push routes are served ahead of Fastify (http/hot-routes.ts), by the same code.
      // (Fastify types the handler for HTTP/2 as well; this server is HTTP/1.)
      serverFactory: (handler, opts) => hot.createServer(handler as RequestHandler, opts),
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
      const fastify = app.getHttpAdapter().getInstance();
      installRawBodies(fastify);
      app.useGlobalFilters(new PushExceptionFilter());
      addHotRoutes(hot, app);
      fastify.addHook('preClose', (done) => {
        hot.close();
        done();
      });
    },
  });
}

/** The push routes' plain case, served by their controllers' code ahead of Fastify. */
function addHotRoutes(hot: HotRoutes, app: NestFastifyApplication): void {
  const update = app.get(UpdateController);
  const webpush = app.get(WebPushController);
  const up = app.get(UnifiedPushController);
  hot.add(`PUT /${PUSH_PATHS.simplepush}/`, {
    protocol: 'simplepush',
    handle: (token, req, reply) => update.update(token, {}, req, reply),
  });
  hot.add(`POST /${PUSH_PATHS.webpushV1}/`, {
    protocol: 'webpush',
    handle: (token, req, reply) => webpush.v1(token, req, reply),
  });
  hot.add(`POST /${PUSH_PATHS.webpushV2}/`, {
    protocol: 'webpush',
    handle: (token, req, reply) => webpush.v2(token, req, reply),
  });
  hot.add(`POST /${PUSH_PATHS.unifiedpush}/`, {
    protocol: 'unifiedpush',
    handle: (token, req, reply) => up.push(token, req, reply),
  });
}
