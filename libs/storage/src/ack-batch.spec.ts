import { HeraldConfig } from '@herald/config';
import { ChannelRepository } from './channel.repository';
import { keys } from './keys';
import { RedisConnections } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { UserRepository } from './user.repository';
import { startStorage, StorageFixture } from './storage.fixture';

/**
 * Acks gathered for a moment go to Redis as one ACK_MANY call (single Redis): each user's acks
 * must mean what one ACK call per ack meant, on a real redis-server.
 */
describe('ChannelRepository.ack batched (real Redis)', () => {
  let f: StorageFixture;
  let config: HeraldConfig;
  let conns: RedisConnections;
  let users: UserRepository;
  let channels: ChannelRepository;
  const noLimit = { limit: 0, windowMs: 60_000 };

  beforeAll(async () => {
    f = await startStorage('ack-batch');
    ({ config, conns, users, channels } = f);
  });

  afterAll(async () => {
    await f.stop();
  });

  /** A user with `n` registered channels, each notified version `version`. */
  async function user(n: number, version: string): Promise<{ uaid: string; chids: string[] }> {
    const hello = await users.hello({
      uaid: null,
      nodeId: 'gone-node',
      proto: 'simplepush',
      wakeup: null,
      channelIDs: null,
    });
    const chids: string[] = [];
    for (let i = 0; i < n; i++) {
      const chid = crypto.randomUUID();
      expect(await channels.register(hello.uaid, chid, 100)).toBe('ok');
      await channels.notify(hello.uaid, chid, version, Date.now(), noLimit);
      chids.push(chid);
    }
    return { uaid: hello.uaid, chids };
  }

  it('acks of several users together: each gets its own counts, each ack stored', async () => {
    const a = await user(2, '7');
    const b = await user(1, '3');
    const c = await user(3, '9');
    const results = await Promise.all([
      channels.ack(a.uaid, [{ channelID: a.chids[0], version: '7' }]),
      channels.ack(b.uaid, [{ channelID: b.chids[0], version: '3' }]),
      channels.ack(c.uaid, []),
      channels.ack(c.uaid, [
        { channelID: c.chids[0], version: '9' },
        { channelID: c.chids[2], version: '10' },
      ]),
    ]);
    expect(results).toEqual([
      { acked: 1, pending: 1 },
      { acked: 1, pending: 0 },
      { acked: 0, pending: 3 },
      { acked: 2, pending: 1 },
    ]);
    const stored = await conns.command.hgetall(keys.channels(c.uaid));
    expect(stored).toEqual({ [c.chids[0]]: '+9', [c.chids[1]]: '9', [c.chids[2]]: '+9' });
  });

  it('an ack of an older version together with a newer one does not clear the newer', async () => {
    const a = await user(1, '5');
    await channels.notify(a.uaid, a.chids[0], '6', Date.now(), noLimit);
    const [older, newer] = await Promise.all([
      channels.ack(a.uaid, [{ channelID: a.chids[0], version: '5' }]),
      channels.ack(a.uaid, [{ channelID: a.chids[0], version: '6' }]),
    ]);
    expect(older).toEqual({ acked: 0, pending: 1 });
    expect(newer).toEqual({ acked: 1, pending: 0 });
  });

  it('more users together than one call takes are all acked', async () => {
    const many = await Promise.all(Array.from({ length: 300 }, () => user(1, '1')));
    const results = await Promise.all(
      many.map((u) => channels.ack(u.uaid, [{ channelID: u.chids[0], version: '1' }])),
    );
    expect(results.every((r) => r.acked === 1 && r.pending === 0)).toBe(true);
  });

  it('acks still gathered at shutdown are stored before the connection closes', async () => {
    const a = await user(1, '4');
    const other = new RedisConnections(config);
    const repo = new ChannelRepository(config, other, new ReplicationBarrier(config, other));
    const acked = repo.ack(a.uaid, [{ channelID: a.chids[0], version: '4' }]);
    await repo.beforeApplicationShutdown();
    await other.onApplicationShutdown();
    expect(await acked).toEqual({ acked: 1, pending: 0 });
    expect(await conns.command.hget(keys.channels(a.uaid), a.chids[0])).toBe('+4');
  });

  it('a failed call fails every ack in it as storage unavailable', async () => {
    const a = await user(1, '2');
    const other = new RedisConnections(config);
    const repo = new ChannelRepository(config, other, new ReplicationBarrier(config, other));
    other.command.disconnect();
    await expect(repo.ack(a.uaid, [{ channelID: a.chids[0], version: '2' }])).rejects.toThrow(
      'storage unavailable',
    );
    await other.onApplicationShutdown();
  });
});
