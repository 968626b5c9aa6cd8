import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeraldConfig, loadConfig } from '@herald/config';
import { ManagedRedis } from '@herald/managed-redis';
import { ChannelRepository } from './channel.repository';
import { keys } from './keys';
import { decodeNodeMessage, NodeMessage } from './node-message';
import { NodeRepository } from './node.repository';
import { RedisConnections } from './redis-connections';
import { ReplicationBarrier } from './replication-barrier';
import { RouteBus } from './route-bus';
import { Router } from './router';
import { UserRepository } from './user.repository';
import { startStorage, StorageFixture, userOn as newUserOn } from './storage.fixture';

/**
 * The Router and the repositories at their seam, on a real redis-server: what a notify stores,
 * whom it reaches, and when a route is cleared — with the publish done in the NOTIFY script
 * (single Redis) as in production.
 */
describe('Router (real Redis)', () => {
  let f: StorageFixture;
  let config: HeraldConfig;
  let conns: RedisConnections;
  let users: UserRepository;
  let channels: ChannelRepository;
  let nodes: NodeRepository;
  let router: Router;
  const listeners: RouteBus[] = [];
  const noLimit = { limit: 0, windowMs: 60_000 };

  beforeAll(async () => {
    f = await startStorage('router');
    ({ config, conns, users, channels } = f);
    nodes = new NodeRepository(conns);
    router = new Router(config, nodes, users, channels, new RouteBus(conns));
  });

  afterAll(async () => {
    await Promise.all(listeners.map((l) => l.stop()));
    await f.stop();
  });

  const userOn = (nodeId: string) => newUserOn(f, nodeId);

  async function listen(nodeId: string): Promise<NodeMessage[]> {
    const got: NodeMessage[] = [];
    const bus = new RouteBus(conns);
    listeners.push(bus);
    await bus.listen(nodeId, (m) => got.push(m));
    return got;
  }

  it('a live listening node gets the one typed notify message (published in the script)', async () => {
    const node = `n-${crypto.randomUUID()}`;
    await nodes.heartbeat(node);
    const got = await listen(node);
    const { uaid, chid, epoch } = await userOn(node);
    const r = await router.notify(uaid, chid, '5', 1234, noLimit);
    expect(r).toEqual({ kind: 'routed' });
    await new Promise((res) => setTimeout(res, 50));
    expect(got).toEqual([
      { t: 'notify', uaid, epoch, update: { channelID: chid, version: '5' }, ts: 1234 },
    ]);
    expect(decodeNodeMessage(JSON.stringify(got[0]))).toEqual(got[0]);
  });

  it('a version not newer is stale, an unknown channel gone', async () => {
    const node = `n-${crypto.randomUUID()}`;
    const { uaid, chid } = await userOn(node);
    expect((await router.notify(uaid, chid, '7', 1, noLimit)).kind).toBe('stored');
    expect(await router.notify(uaid, chid, '7', 2, noLimit)).toEqual({ kind: 'stale' });
    expect(await router.notify(uaid, crypto.randomUUID(), '1', 3, noLimit)).toEqual({
      kind: 'gone',
    });
  });

  it('a dead node (no heartbeat, nobody listening) loses the route; the next push finds none', async () => {
    const node = `dead-${crypto.randomUUID()}`;
    const { uaid, chid } = await userOn(node);
    expect(await router.notify(uaid, chid, '1', 1, noLimit)).toEqual({
      kind: 'stored',
      wakeup: null,
    });
    expect((await channels.readPending(uaid)).route).toBeNull();
  });

  it('a live node in a subscription gap keeps its route (it repairs itself)', async () => {
    const node = `gap-${crypto.randomUUID()}`;
    await nodes.heartbeat(node);
    const { uaid, chid, epoch } = await userOn(node);
    expect(await router.notify(uaid, chid, '1', 1, noLimit)).toEqual({
      kind: 'stored',
      wakeup: null,
    });
    expect((await channels.readPending(uaid)).route).toEqual({ nodeId: node, epoch });
  });

  it('deliver: routed to a listener, cleared for a dead node', async () => {
    const live = `n-${crypto.randomUUID()}`;
    await nodes.heartbeat(live);
    const got = await listen(live);
    const a = await userOn(live);
    const kick: NodeMessage = { t: 'kick', uaid: a.uaid, epoch: a.epoch };
    expect(await router.deliver(a.uaid, { nodeId: live, epoch: a.epoch }, kick)).toBe('routed');
    await new Promise((res) => setTimeout(res, 50));
    expect(got).toEqual([kick]);

    const dead = `dead-${crypto.randomUUID()}`;
    const b = await userOn(dead);
    const route = { nodeId: dead, epoch: b.epoch };
    expect(await router.deliver(b.uaid, route, { t: 'kick', uaid: b.uaid, epoch: b.epoch })).toBe(
      'cleared',
    );
    expect((await channels.readPending(b.uaid)).route).toBeNull();
  });
});

describe('ChannelRepository intentions (real Redis)', () => {
  let redis: ManagedRedis;
  let conns: RedisConnections;
  let users: UserRepository;
  let channels: ChannelRepository;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const config = loadConfig({
      REDIS_URL: redis.url,
      HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), 'herald-channels-')),
    });
    conns = new RedisConnections(config);
    const replication = new ReplicationBarrier(config, conns);
    users = new UserRepository(config, conns, replication);
    channels = new ChannelRepository(config, conns, replication);
  });

  afterAll(async () => {
    await conns.onApplicationShutdown();
    await redis.stop();
  });

  it('isRegistered follows register and unregister', async () => {
    const { uaid } = await users.hello({
      uaid: null,
      nodeId: 'n',
      proto: 'webpush',
      wakeup: null,
      channelIDs: null,
    });
    const chid = crypto.randomUUID();
    expect(await channels.isRegistered(uaid, chid)).toBe(false);
    expect(await channels.register(uaid, chid, 10)).toBe('ok');
    expect(await channels.isRegistered(uaid, chid)).toBe(true);
    await channels.unregister(uaid, chid);
    expect(await channels.isRegistered(uaid, chid)).toBe(false);
  });

  it('sweepOwners releases the channels of users that are gone, all buckets once round', async () => {
    const { uaid } = await users.hello({
      uaid: null,
      nodeId: 'n',
      proto: 'webpush',
      wakeup: null,
      channelIDs: null,
    });
    const kept = crypto.randomUUID();
    const orphan = crypto.randomUUID();
    expect(await channels.register(uaid, kept, 10)).toBe('ok');
    const gone = await users.hello({
      uaid: null,
      nodeId: 'n',
      proto: 'webpush',
      wakeup: null,
      channelIDs: null,
    });
    expect(await channels.register(gone.uaid, orphan, 10)).toBe('ok');
    await conns.command.del(keys.user(gone.uaid));
    // 4096 buckets in two rounds of 2048: every bucket once, whatever the starting place.
    const removed = (await channels.sweepOwners(2048)) + (await channels.sweepOwners(2048));
    expect(removed).toBe(1);
    // The orphan's channel can be claimed again; the kept one still belongs to its user.
    const other = await users.hello({
      uaid: null,
      nodeId: 'n',
      proto: 'webpush',
      wakeup: null,
      channelIDs: null,
    });
    expect(await channels.register(other.uaid, orphan, 10)).toBe('ok');
    expect(await channels.register(other.uaid, kept, 10)).toBe('conflict');
  });
});
