import { Module } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { createLogger, ObservabilityModule } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { EndpointTokenCodec } from '@herald/tokens';
import { WakeupPolicy } from '@herald/wakeup';
import { NotifyService } from './simplepush/notify.service';
import { UpdateController } from './simplepush/update.controller';
import { MessageIdCodec, ReceiptIdCodec } from '@herald/webpush';
import { AdminController } from './admin/admin.controller';
import { ReceiptsController } from './receipts/receipts.controller';
import { MessageController } from './webpush/message.controller';
import { SenderRateLimiter } from './webpush/sender-rate-limiter';
import { WebPushController } from './webpush/webpush.controller';
import { WebPushPushService } from './webpush/webpush-push.service';
import { INGRESS_LOGGER } from './ingress.tokens';
import { SeedController } from './seed/seed.controller';
import { SeedStreamService } from './seed/seed-stream.service';
import { EndpointRateLimiter } from './unifiedpush/endpoint-rate-limiter';
import { UnifiedPushController } from './unifiedpush/unifiedpush.controller';
import { UnifiedPushService } from './unifiedpush/unifiedpush-push.service';

@Module({
  imports: [ObservabilityModule, StorageModule],
  controllers: [
    UpdateController,
    WebPushController,
    MessageController,
    ReceiptsController,
    AdminController,
    UnifiedPushController,
    SeedController,
  ],
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
    {
      provide: MessageIdCodec,
      useFactory: (c: HeraldConfig) => new MessageIdCodec(c.endpointSecret),
      inject: [HERALD_CONFIG],
    },
    {
      provide: ReceiptIdCodec,
      useFactory: (c: HeraldConfig) => new ReceiptIdCodec(c.endpointSecret),
      inject: [HERALD_CONFIG],
    },
    NotifyService,
    WebPushPushService,
    SenderRateLimiter,
    EndpointRateLimiter,
    UnifiedPushService,
    SeedStreamService,
  ],
})
export class IngressModule {}
