import { Module } from '@nestjs/common';
import { Readiness } from '@herald/observability';
import { BroadcastRepository } from './broadcast.repository';
import { ChannelRepository } from './channel.repository';
import { MessageRepository } from './message.repository';
import { NodeRepository } from './node.repository';
import { RedisConnections } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { RouteBus } from './route-bus';
import { RateWindowRepository } from './rate-window.repository';
import { SeedRepository } from './seed.repository';
import { Router } from './router';
import { UserRepository } from './user.repository';
import { ObservabilityModule } from '@herald/observability';

const providers = [
  RedisConnections,
  ReplicationBarrier,
  UserRepository,
  ChannelRepository,
  NodeRepository,
  RouteBus,
  MessageRepository,
  BroadcastRepository,
  SeedRepository,
  RateWindowRepository,
  Router,
];

@Module({ imports: [ObservabilityModule], providers, exports: [...providers, ObservabilityModule] })
export class StorageModule {
  constructor(readiness: Readiness, redis: RedisConnections) {
    readiness.addCheck('redis', () => redis.ping());
  }
}
