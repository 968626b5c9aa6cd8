import { HeraldConfig } from '@herald/config';
import { RunningRole, startRole } from '@herald/runtime';
import { AcceptGate } from './connection/accept-gate';
import { HeraldWsAdapter } from './connection/herald-ws.adapter';
import { DrainService } from './drain.service';
import { GatewayModule } from './gateway.module';

export function startGateway(
  config: HeraldConfig,
  port = config.GATEWAY_PORT,
): Promise<RunningRole> {
  return startRole({
    name: 'gateway',
    module: GatewayModule,
    config,
    port,
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
