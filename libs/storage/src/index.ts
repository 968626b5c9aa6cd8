export { RedisConnections } from './redis-connections';
export { UserRepository } from './user.repository';
export type { HelloInput, HelloResult } from './user.repository';
export { ChannelRepository } from './channel.repository';
export type { RegisterResult } from './channel.repository';
export { NodeRepository } from './node.repository';
export { MessageRepository } from './message.repository';
export type {
  StoredMessage,
  NewMessage,
  StoreResult,
  ReadResult,
  Receipt,
  Route,
} from './message.repository';
export { BroadcastRepository } from './broadcast.repository';
export { SeedRepository } from './seed.repository';
export type { SeedClaim } from './seed.repository';
export { RouteBus } from './route-bus';
export type { NodeMessage } from './node-message';
export { Router } from './router';
export type { Delivery, NotifyOutcome } from './router';
export { StorageModule } from './storage.module';
export { RateWindowRepository } from './rate-window.repository';
export { StorageUnavailableError } from './storage-unavailable';
