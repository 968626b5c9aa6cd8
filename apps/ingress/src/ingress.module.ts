import { Module } from '@nestjs/common';
import { loggerProvider, ObservabilityModule } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { endpointTokenCodecProvider } from '@herald/tokens';
import { wakeupPolicyProvider } from '@herald/wakeup';
import { NotifyService } from './simplepush/notify.service';
import { UpdateController } from './simplepush/update.controller';
import { messageIdCodecProvider, receiptIdCodecProvider } from '@herald/webpush';
import { AdminController } from './admin/admin.controller';
import { RateLimits } from './http/rate-limits';
import { ReceiptsController } from './receipts/receipts.controller';
import { MessageController } from './webpush/message.controller';
import { VapidGate } from './webpush/vapid-gate';
import { WebPushController } from './webpush/webpush.controller';
import { WebPushPushService } from './webpush/webpush-push.service';
import { INGRESS_LOGGER } from './ingress.tokens';
import { SeedController } from './seed/seed.controller';
import { SeedStreamService } from './seed/seed-stream.service';
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
    loggerProvider(INGRESS_LOGGER, 'ingress'),
    endpointTokenCodecProvider,
    wakeupPolicyProvider,
    messageIdCodecProvider,
    receiptIdCodecProvider,
    NotifyService,
    WebPushPushService,
    RateLimits,
    VapidGate,
    UnifiedPushService,
    SeedStreamService,
  ],
})
export class IngressModule {}
