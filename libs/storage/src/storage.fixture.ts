import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeraldConfig, loadConfig } from '@herald/config';
import { ManagedRedis } from '@herald/managed-redis';
import { ChannelRepository } from './channel.repository';
import { RedisConnections } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { UserRepository } from './user.repository';

/** Specs only: a real redis-server and the repositories on it, as a role would build them. */
export interface StorageFixture {
  redis: ManagedRedis;
  config: HeraldConfig;
  conns: RedisConnections;
  users: UserRepository;
  channels: ChannelRepository;
  stop(): Promise<void>;
}

export async function startStorage(name: string): Promise<StorageFixture> {
  const redis = await ManagedRedis.start();
  const config = loadConfig({
    REDIS_URL: redis.url,
    HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), `herald-${name}-`)),
  });
  const conns = new RedisConnections(config);
  const replication = new ReplicationBarrier(config, conns);
  return {
    redis,
    config,
    conns,
    users: new UserRepository(config, conns, replication),
    channels: new ChannelRepository(config, conns, replication),
    async stop() {
      await conns.onApplicationShutdown();
      await redis.stop();
    },
  };
}

/** A new user held by `nodeId`, with one registered channel. */
export async function userOn(
  f: StorageFixture,
  nodeId: string,
): Promise<{ uaid: string; chid: string; epoch: string }> {
  const hello = await f.users.hello({
    uaid: null,
    nodeId,
    proto: 'simplepush',
    wakeup: null,
    channelIDs: null,
  });
  const chid = crypto.randomUUID();
  if ((await f.channels.register(hello.uaid, chid, 100)) !== 'ok') throw new Error('register');
  return { uaid: hello.uaid, chid, epoch: hello.epoch };
}
