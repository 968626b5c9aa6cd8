import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigModule, loadConfig } from '@herald/config';
import { ManagedRedis } from '@herald/managed-redis';
import { newUaid } from '@herald/protocol';
import { MessageRepository, NewMessage, SeedRepository, StoredMessage } from '@herald/storage';
import { GatewayModule } from '../gateway.module';
import { NodeMembership } from '../node/node-membership.service';
import { SeedStreamRegistry } from './seed-stream.registry';

/** The response side of a stream, as the registry uses it; records what was written. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  status = 0;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  readonly writableLength = 0;
  onHead: (() => void) | null = null;
  writeHead(status: number) {
    this.status = status;
    this.headersSent = true;
    this.onHead?.();
    return this;
  }
  flushHeaders() {}
  write(chunk: string | Buffer, done?: (err?: Error) => void) {
    this.chunks.push(chunk.toString());
    done?.();
    return true;
  }
  end() {
    this.writableEnded = true;
  }
  destroy() {
    this.destroyed = true;
  }
  get text() {
    return this.chunks.join('');
  }
}

const message = (channelID: string, key: string, body: string): NewMessage => ({
  key: key.padEnd(32, '0'),
  channelID,
  data: Buffer.from(body).toString('base64url'),
  headers: null,
  ttl: 60,
  topic: null,
  urgency: 'normal',
  receipt: null,
});

/**
 * The seed streams at their seam: node messages in through the gateway's one node membership,
 * real Redis behind, bytes out on a minimal response. What was stored goes first, in order; a
 * node message arriving while it is read waits; a message for an older stream is not written.
 */
describe('seed stream registry (real Redis)', () => {
  let redis: ManagedRedis;
  let app: INestApplicationContext;
  let streams: SeedStreamRegistry;
  let membership: NodeMembership;
  let messages: MessageRepository;
  let seeds: SeedRepository;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const config = loadConfig({
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
      HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), 'herald-seed-spec-')),
    });
    app = await NestFactory.createApplicationContext(
      { module: class Root {}, imports: [ConfigModule.forRoot(config), GatewayModule] },
      { logger: false },
    );
    await app.init();
    streams = app.get(SeedStreamRegistry);
    membership = app.get(NodeMembership);
    messages = app.get(MessageRepository);
    seeds = app.get(SeedRepository);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  /** A seed user, as GET /client/register makes it; its one channel is its uaid's here. */
  const channels = new Map<string, string>();
  const seedUser = async () => {
    const uaid = newUaid();
    const channelID = randomUUID();
    channels.set(uaid, channelID);
    await seeds.create(uaid, channelID);
    return uaid;
  };
  const stored = async (uaid: string, key: string, body: string): Promise<StoredMessage> => {
    const r = await messages.store(uaid, message(channels.get(uaid) as string, key, body), 100);
    if (r.kind !== 'stored') throw new Error(r.kind);
    return r.message;
  };

  it('writes what was stored first, in order; a node message arriving meanwhile waits', async () => {
    const uaid = await seedUser();
    await stored(uaid, 'a1', 'stored 1');
    await stored(uaid, 'a2', 'stored 2');
    const live = { ...(await stored(uaid, 'a3', 'live')), seq: 0 };
    const raw = new FakeResponse();
    // Once the route is claimed, a push is routed here while the stored ones are being read.
    raw.onHead = () =>
      void messages.read(uaid, 0, 1).then(({ route }) =>
        membership.deliver({
          t: 'push',
          uaid,
          epoch: route?.epoch ?? '',
          message: live,
          ts: Date.now(),
        }),
      );
    const opened = streams.open('text', [{ id: 'id-a', uaid }], raw as unknown as ServerResponse);
    expect(await opened).toBe('open');
    expect(raw.status).toBe(200);
    // The live one was also stored: it is written once, after the others.
    expect(raw.text).toBe('stored 1\n\nstored 2\n\nlive\n\n');
    // Each was deleted once handed to the socket.
    await new Promise((r) => setTimeout(r, 50));
    expect((await messages.read(uaid, 0, 10)).messages).toEqual([]);
    raw.emit('close');
  });

  it('writes nothing for a node message of an older stream of the id (epoch check)', async () => {
    const uaid = await seedUser();
    const raw = new FakeResponse();
    expect(
      await streams.open('text', [{ id: 'id-b', uaid }], raw as unknown as ServerResponse),
    ).toBe('open');
    const { route } = await messages.read(uaid, 0, 1);
    const m = (key: string, body: string): StoredMessage => ({
      ...message(channels.get(uaid) as string, key, body),
      seq: 1,
      exp: Date.now() + 60_000,
      ts: Date.now(),
    });
    membership.deliver({
      t: 'push',
      uaid,
      epoch: 'older',
      message: m('b1', 'old'),
      ts: Date.now(),
    });
    membership.deliver({
      t: 'push',
      uaid,
      epoch: route?.epoch ?? '',
      message: m('b2', 'current'),
      ts: Date.now(),
    });
    expect(raw.text).toBe('current\n\n');
    // A kick for its epoch ends a stream that owns no other id.
    membership.deliver({ t: 'kick', uaid, epoch: route?.epoch ?? '' });
    expect(raw.writableEnded).toBe(true);
    raw.emit('close');
  });

  it("answers 'unknown' for an id that is no seed id, writing nothing", async () => {
    const raw = new FakeResponse();
    const r = await streams.open(
      'text',
      [{ id: 'id-c', uaid: newUaid() }],
      raw as unknown as ServerResponse,
    );
    expect(r).toBe('unknown');
    expect(raw.headersSent).toBe(false);
    expect(streams.size).toBe(0);
  });
});
