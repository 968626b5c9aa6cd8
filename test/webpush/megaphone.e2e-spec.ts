import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import { SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';
import { WebPushClient } from '../support/webpush-client';
import { FakeMegaphone } from './support/fake-megaphone';

const ID = 'remote-settings/monitor_changes';

/** One series of a process's /metrics (0 when absent). */
async function metric(p: HeraldProcess, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${p.ports.metrics}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * Broadcasts fed by a Megaphone service, as autopush-rs gets them (MEGAPHONE_API_URL): a gateway
 * process polls a real local HTTP server playing Megaphone and tells its subscribed clients.
 * Waits are on frames, poll events and metrics, never on fixed sleeps.
 */
describe('broadcasts from a Megaphone service', () => {
  const token = randomBytes(16).toString('hex');
  let redis: ManagedRedis;
  let db: Redis;
  let megaphone: FakeMegaphone;
  let gateway: HeraldProcess;
  const clients: SimplePushClient[] = [];

  const connect = async () => {
    const c = await WebPushClient.connect(`ws://127.0.0.1:${gateway.port}/`);
    clients.push(c);
    return c;
  };
  const polls = (result: string) =>
    metric(gateway, `herald_megaphone_polls_total{result="${result}"}`);
  /** Waits until the gateway has counted `n` more polls with this result. */
  const counted = async (result: string, n = 2) => {
    const before = await polls(result);
    await waitFor(`${n} more megaphone polls with result ${result}`, async () => {
      return (await polls(result)) >= before + n;
    });
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    db = new Redis(redis.url);
    megaphone = await FakeMegaphone.start(token);
    megaphone.serve({ [ID]: '"1"', 'kinto:123': 'ver1' });
    // The gateway's first poll is done before it says it listens.
    gateway = await startHerald('gateway', {
      redisUrl: redis.url,
      env: {
        MEGAPHONE_API_URL: megaphone.url,
        MEGAPHONE_API_TOKEN: token,
        MEGAPHONE_POLL_INTERVAL_MS: '100',
      },
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await stopAll([gateway]);
    await megaphone?.stop();
    db?.disconnect();
    await redis?.stop();
  });

  it("gives a subscribed client the new version when Megaphone's answer changes", async () => {
    expect(await db.hgetall('herald:broadcasts')).toEqual({ [ID]: '"1"', 'kinto:123': 'ver1' });

    // autopush's TestRustWebPushBroadcast: a stale version, and an id Megaphone does not list.
    const a = await connect();
    const hello = await a.helloWebPush('', { 'kinto:123': 'ver0', 'kinto:456': 'ver1' });
    expect(hello.broadcasts).toEqual({
      'kinto:123': 'ver1',
      errors: { 'kinto:456': 'Broadcast not found' },
    });
    const b = await connect();
    await b.helloWebPush();
    const subscribed = b.nextOf('broadcast');
    b.send({ messageType: 'broadcast_subscribe', broadcasts: { [ID]: '"0"' } });
    expect(await subscribed).toEqual({ messageType: 'broadcast', broadcasts: { [ID]: '"1"' } });

    const liveA = a.nextOf('broadcast');
    const liveB = b.nextOf('broadcast');
    megaphone.serve({ [ID]: '"2"', 'kinto:123': 'ver2' });
    expect(await liveA).toEqual({ messageType: 'broadcast', broadcasts: { 'kinto:123': 'ver2' } });
    expect(await liveB).toEqual({ messageType: 'broadcast', broadcasts: { [ID]: '"2"' } });
    // Clients are told before Redis is written (and the write counted): wait for the count.
    const changes = () => metric(gateway, 'herald_broadcast_changes_total{source="megaphone"}');
    await waitFor('4 megaphone changes counted', async () => (await changes()) >= 4);
    expect(await db.hgetall('herald:broadcasts')).toEqual({ [ID]: '"2"', 'kinto:123': 'ver2' });

    // The same answer again changes nothing: no frame, no count.
    const frames = () => [a, b].map((c) => c.received.filter((f) => f.messageType === 'broadcast'));
    const seen = frames();
    await megaphone.nextPoll();
    await megaphone.nextPoll();
    expect(await changes()).toBe(4);
    expect(frames()).toEqual(seen);
    expect(
      await metric(gateway, 'herald_megaphone_last_success_timestamp_seconds'),
    ).toBeGreaterThan(Date.now() / 1000 - 60);

    // The fake answers 401 to anything but `Bearer <token>`: every poll carried it.
    expect(megaphone.polls).toBeGreaterThan(3);
    expect(new Set(megaphone.authorizations)).toEqual(new Set([`Bearer ${token}`]));
    for (const result of ['timeout', 'unreachable', 'http_error', 'bad_body', 'storage']) {
      expect(await polls(result)).toBe(0);
    }
  });

  it("answers a hello that comes while Megaphone is answering with Megaphone's new version", async () => {
    // autopush-rs's TestRustWebPushBroadcast hellos as soon as its fake saw the poll arrive: the
    // hello waits for that answer (here 30 ms away) rather than answer the old version.
    megaphone.answer = {
      status: 200,
      body: JSON.stringify({ broadcasts: { 'kinto:123': 'ver-during' } }),
      delayMs: 30,
    };
    await megaphone.nextArrival();
    const c = await connect();
    const hello = await c.helloWebPush('', { 'kinto:123': 'ver0' });
    expect(hello.broadcasts).toEqual({ 'kinto:123': 'ver-during' });
    megaphone.serve({ [ID]: '"2"', 'kinto:123': 'ver2' });
    await megaphone.nextPoll();
    await megaphone.nextPoll();
  });

  it('keeps the last versions through a failing Megaphone, and the gateway up', async () => {
    const watcher = await connect();
    await watcher.helloWebPush('', { [ID]: '"2"' });
    const before = await db.hgetall('herald:broadcasts');
    expect(before[ID]).toBe('"2"');

    megaphone.answer = { status: 500, body: '{"code":500}' };
    await counted('http_error');
    megaphone.answer = { status: 200, body: '<html>502 Bad Gateway</html>' };
    await counted('bad_body');
    megaphone.answer = { status: 200, body: '{"broadcasts":{"ok":"1","errors":"2"}}' };
    await counted('bad_body');
    megaphone.answer = 'hang'; // timed out after 1 s each
    await counted('timeout', 1);
    await megaphone.stop();
    await counted('unreachable');

    expect(await db.hgetall('herald:broadcasts')).toEqual(before);
    expect(gateway.proc.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${gateway.port}/healthz`)).status).toBe(200);
    // A client that connects meanwhile still gets the last good versions.
    const late = await connect();
    expect((await late.helloWebPush('', { [ID]: '"0"' })).broadcasts).toEqual({ [ID]: '"2"' });

    // Back up with a new version: it goes through at the next poll.
    const live = watcher.nextOf('broadcast');
    megaphone.serve({ [ID]: '"3"' });
    await megaphone.restart();
    expect(await live).toEqual({ messageType: 'broadcast', broadcasts: { [ID]: '"3"' } });

    // One line when the outage began and one when it ended, not one per failed poll.
    await gateway.waitForLog('megaphone poll answers again');
    const out = gateway.output();
    expect(out.split('megaphone poll failed').length - 1).toBe(1);
    expect(out.split('megaphone poll answers again').length - 1).toBe(1);
  });
});

/**
 * autopush-rs's own test settings (`megaphone_api_url` with a trailing slash its FastAPI fake
 * redirects, `megaphone_api_token` holding `Bearer <hex>`), and a gateway without a URL beside it.
 */
describe('Megaphone set as autopush-rs sets it, and not set at all', () => {
  it('follows the redirect, sends the token as given, and polls nothing when unset', async () => {
    const token = randomBytes(16).toString('hex');
    const redis = await ManagedRedis.start();
    const db = new Redis(redis.url);
    const megaphone = await FakeMegaphone.start(token);
    megaphone.serve({ 'kinto:123': 'ver1' });
    let off: HeraldProcess | undefined;
    let on: HeraldProcess | undefined;
    try {
      off = await startHerald('gateway', {
        redisUrl: redis.url,
        env: { MEGAPHONE_API_TOKEN: token, MEGAPHONE_POLL_INTERVAL_MS: '100' },
      });
      on = await startHerald('gateway', {
        redisUrl: redis.url,
        env: {
          MEGAPHONE_API_URL: `${megaphone.url}/`,
          MEGAPHONE_API_TOKEN: `Bearer ${token}`,
          MEGAPHONE_POLL_INTERVAL_MS: '100',
        },
      });
      expect(await db.hgetall('herald:broadcasts')).toEqual({ 'kinto:123': 'ver1' });
      for (let i = 0; i < 3; i++) await megaphone.nextPoll();
      expect(new Set(megaphone.authorizations)).toEqual(new Set([`Bearer ${token}`]));

      // The gateway without a URL lived through those polls and made none of its own.
      expect(off.output()).not.toContain('polling megaphone');
      expect(on.output()).toContain('polling megaphone');
      for (const result of ['ok', 'timeout', 'unreachable', 'http_error', 'bad_body']) {
        expect(await metric(off, `herald_megaphone_polls_total{result="${result}"}`)).toBe(0);
      }
      expect(await metric(on, 'herald_megaphone_polls_total{result="ok"}')).toBeGreaterThan(3);
    } finally {
      await stopAll([on, off]);
      await megaphone.stop();
      db.disconnect();
      await redis.stop();
    }
  });
});
