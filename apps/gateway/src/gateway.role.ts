import type { FastifyReply } from 'fastify';
import { HeraldConfig, trustProxyFn } from '@herald/config';
import { RunningRole, startRole } from '@herald/runtime';
import { Errno } from '@herald/webpush';
import { AcceptGate } from './connection/accept-gate';
import { HeraldWsAdapter } from './connection/herald-ws.adapter';
import { DrainService } from './drain.service';
import { GatewayModule } from './gateway.module';
import { sendSeedError } from './seed/seed-http';

export function startGateway(
  config: HeraldConfig,
  port = config.GATEWAY_PORT,
): Promise<RunningRole> {
  return startRole({
    name: 'gateway',
    module: GatewayModule,
    config,
    port,
    // Beside the WebSocket paths, the seed protocol's /client/* streams (HTTP clients held here).
    // No request or connection timeout: a stream's request is complete at its headers and only its
    // response is long (a socket that never makes a request is cut by the AcceptGate).
    fastify: {
      // Only the operator's proxies may name the client (X-Forwarded-For): the per-address limit
      // of /client/register keys on it, as the WebSocket limits do.
      trustProxy: trustProxyFn(config.TRUST_PROXY),
      // A seed id is a UnifiedPush endpoint token (at most 1000 bytes); Fastify's default is 100.
      routerOptions: { maxParamLength: 1024 },
      frameworkErrors: (err, _req, reply) => {
        const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
        void sendSeedError(
          reply as unknown as FastifyReply,
          tooLong ? 404 : 400,
          tooLong ? Errno.INVALID_TOKEN : Errno.BAD_BODY,
          tooLong ? 'unknown id' : 'malformed URL',
        );
      },
    },
    prepare: (app) => {
      const gate = app.get(AcceptGate);
      app.useWebSocketAdapter(
        new HeraldWsAdapter(
          app,
          { maxPayload: config.MAX_FRAME_BYTES, closeTimeout: config.CLOSE_TIMEOUT_MS },
          (server) => gate.watch(server),
        ),
      );
    },
    beforeClose: (app) => app.get(DrainService).drain(),
  });
}
