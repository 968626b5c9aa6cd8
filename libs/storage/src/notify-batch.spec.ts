import type { Socket } from 'node:net';
import Redis from 'ioredis';
import { HeraldConfig } from '@herald/config';
import { countWrites } from '../../../test/support/socket-writes';
import { ChannelRepository } from './channel.repository';
import { keys } from './keys';
import { NodeMessage } from './node-message';
import { NodeRepository } from './node.repository';
import { RedisConnections } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { RouteBus } from './route-bus';
import { UserRepository } from './user.repository';
import { startStorage, StorageFixture, userOn as newUserOn } from './storage.fixture';

/**
 * The NOTIFYs of one turn (or those that came while a call was in flight) go to Redis as one
 * NOTIFY_MANY call on a single Redis: each must mean what its own NOTIFY call meant, on a real
 * redis-server.
 */
describe('ChannelRepository.notify batched (real Redis)', () => {
  let f: StorageFixture;
  let config: HeraldConfig;
  let conns: RedisConnections;
  let users: UserRepository;
  let channels: ChannelRepository;
  let bus: RouteBus;
  const noLimit = { limit: 0, windowMs: 60_000 };

  beforeAll(async () => {
    f = await startStorage('notify-batch');
    ({ config, conns, users, channels } = f);
    bus = new RouteBus(conns);
  });

  afterAll(async () => {
    await bus.stop();
    await f.stop();
  });

  const userOn = (nodeId: string) => newUserOn(f, nodeId);

  it('notifications of one turn: each its own outcome, the live ones published in order', async () => {
    const node = `n-${crypto.randomUUID()}`;
    await new NodeRepository(conns).heartbeat(node);
    const got: NodeMessage[] = [];
    await bus.listen(node, (m) => got.push(m));
    const live = await userOn(node);
    const offline = await userOn('gone-node');
    await users.releaseRoute(offline.uaid, 'gone-node', offline.epoch);
    const results = await Promise.all([
      channels.notify(live.uaid, live.chid, '5', 1, noLimit),
      channels.notify(live.uaid, live.chid, '4', 2, noLimit),
      channels.notify(live.uaid, live.chid, '6', 3, noLimit),
      channels.notify(offline.uaid, offline.chid, '9', 4, noLimit),
      channels.notify(live.uaid, crypto.randomUUID(), '1', 5, noLimit),
    ]);
    expect(results).toEqual([
      { kind: 'routed' },
      { kind: 'stale' },
      { kind: 'routed' },
      { kind: 'stored', wakeup: null },
      { kind: 'gone' },
    ]);
    await new Promise((res) => setTimeout(res, 50));
    expect(got.map((m) => (m.t === 'notify' ? m.update.version : m.t))).toEqual(['5', '6']);
    expect(await conns.command.hget(keys.channels(live.uaid), live.chid)).toBe('6');
    expect(await conns.command.hget(keys.channels(offline.uaid), offline.chid)).toBe('9');
  });

  it('the rate window counts each notification of a call', async () => {
    const u = await userOn('gone-node');
    const limit = { limit: 2, windowMs: 60_000 };
    const results = await Promise.all(
      ['1', '2', '3'].map((v) => channels.notify(u.uaid, u.chid, v, 1, limit)),
    );
    expect(results.map((r) => r.kind)).toEqual(['unreached', 'unreached', 'limited']);
  });

  it('notifications coming while a call is in flight all get their outcome', async () => {
    const u = await userOn('gone-node');
    const waves: Array<Promise<unknown>> = [];
    for (let wave = 0; wave < 5; wave++) {
      for (let i = 1; i <= 100; i++)
        waves.push(channels.notify(u.uaid, u.chid, String(wave * 1000 + i), 1, noLimit));
      await new Promise(setImmediate);
    }
    const results = (await Promise.all(waves)) as Array<{ kind: string }>;
    expect(results).toHaveLength(500);
    expect(results.every((r) => r.kind === 'unreached')).toBe(true);
    expect(await conns.command.hget(keys.channels(u.uaid), u.chid)).toBe('4100');
  });

  it('a failed call fails every notification in it as storage unavailable', async () => {
    const u = await userOn('gone-node');
    const other = new RedisConnections(config);
    const repo = new ChannelRepository(config, other, new ReplicationBarrier(config, other));
    other.command.disconnect();
    const both = [
      repo.notify(u.uaid, u.chid, '1', 1, noLimit),
      repo.notify(u.uaid, u.chid, '2', 1, noLimit),
    ];
    for (const p of both) await expect(p).rejects.toThrow('storage unavailable');
    await other.onApplicationShutdown();
  });

  it('a notification coming while one send is out leaves at once; a third waits for a reply', async () => {
    const u = await userOn('gone-node');
    const pauser = new Redis(f.redis.url);
    // Redis holds every write (NOTIFY_MANY among them) for 500 ms: nothing is answered meanwhile.
    await pauser.client('PAUSE', 500, 'WRITE');
    const writes = countWrites((conns.command as unknown as { stream: Socket }).stream);
    const turns = async () => {
      for (let i = 0; i < 3; i++) await new Promise(setImmediate);
    };
    const a = channels.notify(u.uaid, u.chid, '1', 1, noLimit);
    await turns();
    const b = channels.notify(u.uaid, u.chid, '2', 1, noLimit);
    await turns();
    const c = channels.notify(u.uaid, u.chid, '3', 1, noLimit);
    await turns();
    expect(writes.n).toBe(2);
    const results = await Promise.all([a, b, c]);
    expect(results.map((r) => r.kind)).toEqual(['unreached', 'unreached', 'unreached']);
    expect(writes.n).toBe(3);
    expect(await conns.command.hget(keys.channels(u.uaid), u.chid)).toBe('3');
    await pauser.quit();
  });
});
