import { Module } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { createLogger, ObservabilityModule } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { RedeliveryModule } from '@herald/redelivery';
import { EndpointTokenCodec } from '@herald/tokens';
import { WakeupPolicy } from '@herald/wakeup';
import { MessageIdCodec } from '@herald/webpush';
import { BroadcastService } from './handlers/broadcast.service';
import { WebPushDelivery } from './handlers/webpush-delivery';
import { AddressLimits } from './connection/address-limits';
import { ConnectionRegistry } from './connection/connection-registry';
import { ConnectionService } from './connection/connection.service';
import { AckHandler } from './handlers/ack.handler';
import { HelloHandler } from './handlers/hello.handler';
import { RegisterHandler } from './handlers/register.handler';
import { NodeLinkService } from './node/node-link.service';
import { PushGateway } from './push.gateway';
import { DrainService } from './drain.service';
import { GATEWAY_LOGGER } from './gateway.tokens';

@Module({
  imports: [ObservabilityModule, StorageModule, RedeliveryModule],
  providers: [
    {
      provide: GATEWAY_LOGGER,
      useFactory: (c: HeraldConfig) => createLogger('gateway', c.LOG_LEVEL),
      inject: [HERALD_CONFIG],
    },
    {
      provide: EndpointTokenCodec,
      useFactory: (c: HeraldConfig) => new EndpointTokenCodec(c.endpointSecret),
      inject: [HERALD_CONFIG],
    },
    {
      provide: WakeupPolicy,
      useFactory: (c: HeraldConfig) => new WakeupPolicy(c.WAKEUP_ENABLED, c.WAKEUP_ALLOWED_CIDRS),
      inject: [HERALD_CONFIG],
    },
    {
      provide: MessageIdCodec,
      useFactory: (c: HeraldConfig) => new MessageIdCodec(c.endpointSecret),
      inject: [HERALD_CONFIG],
    },
    WebPushDelivery,
    BroadcastService,
    {
      provide: AddressLimits,
      useFactory: (c: HeraldConfig) =>
        new AddressLimits(c.MAX_CONNECTIONS_PER_IP, c.HELLO_RATE_PER_IP),
      inject: [HERALD_CONFIG],
    },
    ConnectionRegistry,
    ConnectionService,
    HelloHandler,
    RegisterHandler,
    AckHandler,
    NodeLinkService,
    PushGateway,
    DrainService,
  ],
})
export class GatewayModule {}
