import { Module } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { loggerProvider, ObservabilityModule } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { RedeliveryModule } from '@herald/redelivery';
import { endpointTokenCodecProvider } from '@herald/tokens';
import { wakeupPolicyProvider } from '@herald/wakeup';
import { messageIdCodecProvider } from '@herald/webpush';
import { BroadcastService } from './handlers/broadcast.service';
import { MegaphonePoller } from './megaphone/megaphone.poller';
import { SimplePushProtocol } from './protocols/simplepush/simplepush.protocol';
import { WebPushProtocol } from './protocols/webpush/webpush.protocol';
import { Protocols } from './protocols/protocols';
import { AddressLimits } from './connection/address-limits';
import { AcceptGate } from './connection/accept-gate';
import { ConnectionRegistry } from './connection/connection-registry';
import { ConnectionAcceptor } from './connection/connection-acceptor';
import { FrameDispatcher } from './connection/frame-dispatcher';
import { TimerWheel } from './connection/timer-wheel';
import { HelloHandler } from './handlers/hello.handler';
import { RegisterHandler } from './handlers/register.handler';
import { NodeMembership } from './node/node-membership.service';
import { WebSocketClients } from './connection/websocket-clients';
import { SeedController } from './seed/seed.controller';
import { SeedRegistrations } from './seed/seed-registrations';
import { SeedStreamRegistry } from './seed/seed-stream.registry';
import { AutopushGateway, PushGateway } from './push.gateway';
import { DrainService } from './drain.service';
import { CONNECTION_CAP, GATEWAY_LOGGER } from './gateway.tokens';
import { connectionCap, processOpenFilesLimit } from './connection/connection-cap';

@Module({
  imports: [ObservabilityModule, StorageModule, RedeliveryModule],
  controllers: [SeedController],
  providers: [
    loggerProvider(GATEWAY_LOGGER, 'gateway'),
    endpointTokenCodecProvider,
    wakeupPolicyProvider,
    messageIdCodecProvider,
    SimplePushProtocol,
    WebPushProtocol,
    Protocols,
    BroadcastService,
    MegaphonePoller,
    {
      provide: CONNECTION_CAP,
      useFactory: (c: HeraldConfig) => connectionCap(c.MAX_CONNECTIONS, processOpenFilesLimit()),
      inject: [HERALD_CONFIG],
    },
    {
      provide: AddressLimits,
      useFactory: (c: HeraldConfig) =>
        new AddressLimits(
          c.MAX_CONNECTIONS_PER_IP,
          c.HELLO_RATE_PER_IP,
          c.NEW_UAIDS_PER_IP_PER_MINUTE,
        ),
      inject: [HERALD_CONFIG],
    },
    ConnectionRegistry,
    AcceptGate,
    ConnectionAcceptor,
    FrameDispatcher,
    TimerWheel,
    HelloHandler,
    RegisterHandler,
    WebSocketClients,
    SeedStreamRegistry,
    SeedRegistrations,
    NodeMembership,
    PushGateway,
    AutopushGateway,
    DrainService,
  ],
})
export class GatewayModule {}
