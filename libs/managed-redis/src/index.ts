export { ManagedRedis, freePort } from './managed-redis';
export type { ManagedRedisOptions } from './managed-redis';
export { ensureRedisServer, RedisUnavailableError } from './redis-binary';
