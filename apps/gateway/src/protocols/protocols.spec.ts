import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { ConfigModule, loadConfig } from '@herald/config';
import { ManagedRedis } from '@herald/managed-redis';
import { Connection } from '../connection/connection';
import { ConnectionRegistry } from '../connection/connection-registry';
import { FrameDispatcher } from '../connection/frame-dispatcher';
import { GatewayModule } from '../gateway.module';
import { NodeMembership } from '../node/node-membership.service';
import { SimplePushProtocol } from './simplepush/simplepush.protocol';
import { WebPushProtocol } from './webpush/webpush.protocol';

/**
 * The gateway's handlers at their seams: frames in through the dispatcher, real Redis behind,
 * frames out on a minimal socket. The protocol is chosen once, at hello, and every later frame
 * and node message goes through it.
 */
class FakeSocket {
  readonly sent: Array<Record<string, unknown>> = [];
  readonly readyState = 1; // OPEN
  readonly bufferedAmount = 0;
  closedWith: { code: number; reason: string } | null = null;
  send(frame: string) {
    this.sent.push(JSON.parse(frame) as Record<string, unknown>);
  }
  close(code: number, reason: string) {
    this.closedWith = { code, reason };
  }
  terminate() {}
  pause() {}
  resume() {}
}

const PUBLIC_URL = 'https://push.example.com';
const CHANNEL = '3f1c2e1e-6a53-4a8b-9a0c-0d6a8e1b2c3d';
const WP_CHANNEL = '6f1c2e1e-6a53-4a8b-9a0c-0d6a8e1b2c3d';

describe('gateway protocols (real Redis)', () => {
  let redis: ManagedRedis;
  let app: INestApplicationContext;
  let registry: ConnectionRegistry;
  let frames: FrameDispatcher;

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const config = loadConfig({
      REDIS_URL: redis.url,
      PUBLIC_URL,
      LOG_LEVEL: 'silent',
      HERALD_DATA_DIR: mkdtempSync(join(tmpdir(), 'herald-gw-spec-')),
    });
    app = await NestFactory.createApplicationContext(
      { module: class Root {}, imports: [ConfigModule.forRoot(config), GatewayModule] },
      { logger: false },
    );
    await app.init();
    registry = app.get(ConnectionRegistry);
    frames = app.get(FrameDispatcher);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  function connect(webpushOnly = false) {
    const ws = new FakeSocket();
    const conn = new Connection(ws as unknown as WebSocket, Date.now(), '192.0.2.1', webpushOnly);
    registry.add(conn);
    return { ws, conn };
  }

  async function say(
    ws: FakeSocket,
    conn: Connection,
    frame: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const before = ws.sent.length;
    frames.receive(conn, Buffer.from(JSON.stringify(frame)), false);
    for (let i = 0; i < 200 && ws.sent.length === before; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    return ws.sent[before];
  }

  it('SimplePush: hello chooses the SimplePush protocol; register, node message and ack go to it', async () => {
    const { ws, conn } = connect();
    const hello = await say(ws, conn, { messageType: 'hello', uaid: '', channelIDs: [] });
    expect(hello).toMatchObject({ messageType: 'hello', status: 200 });
    expect(hello.use_webpush).toBeUndefined();
    expect(conn.protocol).toBe(app.get(SimplePushProtocol));

    const reg = await say(ws, conn, { messageType: 'register', channelID: CHANNEL });
    expect(reg).toMatchObject({ messageType: 'register', status: 200, channelID: CHANNEL });
    expect(String(reg.pushEndpoint)).toMatch(new RegExp(`^${PUBLIC_URL}/update/`));

    app.get(NodeMembership).deliver({
      t: 'notify',
      uaid: conn.uaid as string,
      epoch: conn.epoch,
      update: { channelID: CHANNEL, version: '7' },
      ts: Date.now(),
    });
    expect(ws.sent.at(-1)).toMatchObject({
      messageType: 'notification',
      updates: [{ channelID: CHANNEL, version: 7 }],
    });
    // A Web Push message is not for a SimplePush connection.
    const sent = ws.sent.length;
    app.get(NodeMembership).deliver({
      t: 'repush',
      uaid: conn.uaid as string,
      epoch: conn.epoch,
      messages: [],
    });
    expect(ws.sent.length).toBe(sent);
    expect(conn.unackedSince).toBeGreaterThan(0);
    frames.receive(
      conn,
      Buffer.from(
        JSON.stringify({ messageType: 'ack', updates: [{ channelID: CHANNEL, version: 7 }] }),
      ),
      false,
    );
    for (let i = 0; i < 200 && conn.unackedSince !== 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(conn.unackedSince).toBe(0);

    // A failed register in the SimplePush flavour: no pushEndpoint.
    const bad = await say(ws, conn, { messageType: 'register', channelID: 'not-a-uuid' });
    expect(bad).toMatchObject({ status: 400 });
    expect('pushEndpoint' in bad).toBe(false);
  });

  it('Web Push: use_webpush chooses the Web Push protocol; its endpoints, key check and unregister', async () => {
    const { ws, conn } = connect();
    const hello = await say(ws, conn, { messageType: 'hello', use_webpush: true });
    expect(hello).toMatchObject({ messageType: 'hello', status: 200, use_webpush: true });
    expect(conn.protocol).toBe(app.get(WebPushProtocol));

    const v1 = await say(ws, conn, { messageType: 'register', channelID: WP_CHANNEL });
    expect(String(v1.pushEndpoint)).toMatch(new RegExp(`^${PUBLIC_URL}/wpush/v1/`));

    const badKey = await say(ws, conn, {
      messageType: 'register',
      channelID: '4f1c2e1e-6a53-4a8b-9a0c-0d6a8e1b2c3d',
      key: 'not-a-key',
    });
    expect(badKey).toEqual({
      messageType: 'register',
      channelID: '4f1c2e1e-6a53-4a8b-9a0c-0d6a8e1b2c3d',
      status: 400,
      pushEndpoint: '',
      reason: 'key must be a P-256 public key in base64url',
    });

    const unreg = await say(ws, conn, { messageType: 'unregister', channelID: WP_CHANNEL });
    expect(unreg).toMatchObject({ messageType: 'unregister', status: 200 });
  });

  it('autopush clients: /autopush is Web Push whatever the hello says; UnifiedPush gets /up/', async () => {
    const { ws, conn } = connect(true);
    const hello = await say(ws, conn, { messageType: 'hello' });
    expect(hello).toMatchObject({ status: 200, use_webpush: true });
    const up = await say(ws, conn, {
      messageType: 'register',
      channelID: '5f1c2e1e-6a53-4a8b-9a0c-0d6a8e1b2c3d',
      unifiedpush: true,
    });
    expect(String(up.pushEndpoint)).toMatch(new RegExp(`^${PUBLIC_URL}/up/`));
  });

  it('the registry keeps the hello deadline: a hello takes the connection off it', async () => {
    const silent = connect();
    const { ws, conn } = connect();
    await say(ws, conn, { messageType: 'hello', uaid: '', channelIDs: [] });
    const overdue = registry.takeHelloOverdue(Date.now() + 1);
    expect(overdue).toContain(silent.conn);
    expect(overdue).not.toContain(conn);
  });
});
