import { Module } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { createLogger, ObservabilityModule } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { EndpointTokenCodec } from '@herald/tokens';
import { WakeupPolicy } from '@herald/wakeup';
import { NotifyService } from './simplepush/notify.service';
import { UpdateController } from './simplepush/update.controller';
import { INGRESS_LOGGER } from './ingress.tokens';

@Module({
  imports: [ObservabilityModule, StorageModule],
  controllers: [UpdateController],
  providers: [
    {
      provide: INGRESS_LOGGER,
      useFactory: (c: HeraldConfig) => createLogger('ingress', c.LOG_LEVEL),
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
    NotifyService,
  ],
})
export class IngressModule {}
