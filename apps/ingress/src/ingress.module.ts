import { Module } from '@nestjs/common';
import { loggerProvider, ObservabilityModule } from '@herald/observability';
import { StorageModule } from '@herald/storage';
import { endpointTokenCodecProvider } from '@herald/tokens';
import { wakeupPolicyProvider } from '@herald/wakeup';
import { SimplePushNotifier } from './simplepush/simplepush-notifier';
import { UpdateController } from './simplepush/update.controller';
import { messageIdCodecProvider, receiptIdCodecProvider } from '@herald/webpush';
import { AdminController } from './admin/admin.controller';
import { RateLimits } from './http/rate-limits';
import { ReceiptsController } from './receipts/receipts.controller';
import { MessageController } from './webpush/message.controller';
import { VapidGate } from './webpush/vapid-gate';
import { WebPushController } from './webpush/webpush.controller';
import { WebPushNotifier } from './webpush/webpush-notifier';
import { INGRESS_LOGGER } from './ingress.tokens';
import { SeedPushController } from './seed/seed-push.controller';
import { UnifiedPushController } from './unifiedpush/unifiedpush.controller';
import { UnifiedPushHttp } from './unifiedpush/unifiedpush-http';
import { UnifiedPushNotifier } from './unifiedpush/unifiedpush-notifier';

@Module({
  imports: [ObservabilityModule, StorageModule],
  controllers: [
    UpdateController,
    WebPushController,
    MessageController,
    ReceiptsController,
    AdminController,
    UnifiedPushController,
    SeedPushController,
  ],
  providers: [
    loggerProvider(INGRESS_LOGGER, 'ingress'),
    endpointTokenCodecProvider,
    wakeupPolicyProvider,
    messageIdCodecProvider,
    receiptIdCodecProvider,
    SimplePushNotifier,
    WebPushNotifier,
    RateLimits,
    VapidGate,
    UnifiedPushNotifier,
    UnifiedPushHttp,
  ],
})
export class IngressModule {}
