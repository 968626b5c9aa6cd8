import { randomUUID } from 'node:crypto';
import { ManagedRedis } from '@herald/managed-redis';
import { startTopology, Topology } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';

/**
 * Every message of SimplePush v1, against the all-in-one process (`npm start`) and against a split
 * cluster (ingress, gateway and worker as separate processes), each on a private Redis.
 */
describe.each(['all', 'split'] as const)('SimplePush v1 (%s)', (kind) => {
  let redis: ManagedRedis;
  let herald: Topology;
  let url: string;
  const clients: SimplePushClient[] = [];
  const connect = async (protocols?: string[]) => {
    const c = await SimplePushClient.connect(url, protocols);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    herald = await startTopology(kind, redis.url, { CLIENT_PING_MIN_INTERVAL_MS: '60000' });
    url = herald.gatewayUrl;
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await herald?.stop();
    await redis?.stop();
  });

  it('selects the push-notification subprotocol when offered, and works without it', async () => {
    const a = await connect();
    expect(a.ws.protocol).toBe('push-notification');
    const b = await connect([]);
    expect(b.ws.protocol).toBe('');
    expect((await b.hello()).status).toBe(200);
  });

  it('issues a 32-hex UAID to a new client and keeps a known one', async () => {
    const a = await connect();
    const first = await a.hello();
    expect(first).toMatchObject({ messageType: 'hello', status: 200 });
    expect(first.uaid).toMatch(/^[0-9a-f]{32}$/);
    a.close();
    await a.closed;
    const b = await connect();
    expect((await b.hello(first.uaid as string)).uaid).toBe(first.uaid);
  });

  it('accepts a dashed UUID as the same UAID', async () => {
    const a = await connect();
    const uaid = (await a.hello()).uaid as string;
    a.close();
    await a.closed;
    const dashed = `${uaid.slice(0, 8)}-${uaid.slice(8, 12)}-${uaid.slice(12, 16)}-${uaid.slice(16, 20)}-${uaid.slice(20)}`;
    const b = await connect();
    expect((await b.hello(dashed.toUpperCase())).uaid).toBe(uaid);
  });

  it('gives a new UAID for an unknown or invalid one', async () => {
    const a = await connect();
    const unknown = 'f'.repeat(32);
    const reply = await a.hello(unknown);
    expect(reply.status).toBe(200);
    expect(reply.uaid).not.toBe(unknown);
    const b = await connect();
    expect((await b.hello('not-a-uaid')).uaid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('registers, delivers a PUT version, and removes it on ack', async () => {
    const a = await connect();
    await a.hello();
    const chid = randomUUID();
    const reg = await a.register(chid);
    expect(reg).toMatchObject({ messageType: 'register', channelID: chid, status: 200 });
    expect(reg.pushEndpoint).toMatch(new RegExp(`^${herald.publicUrl}/update/[A-Za-z0-9_-]+$`));
    const note = a.nextOf('notification');
    const put = await putVersion(reg.pushEndpoint, 7);
    expect(put.status).toBe(200);
    const frame = await note;
    expect(frame.updates).toEqual([{ channelID: chid, version: '7' }]);
    expect(a.rawReceived.at(-1)).toBe(
      `{"messageType":"notification","updates":[{"channelID":"${chid}","version":7}]}`,
    );
    a.ackFrame(frame);
    // After the ack, a reconnect has nothing pending for this channel.
    a.close();
    await a.closed;
    const b = await connect();
    await b.hello(a.uaid, [chid]);
    const pending = b.nextOf('notification');
    const again = await putVersion(reg.pushEndpoint, 8);
    expect(again.status).toBe(200);
    const next = await pending;
    expect(next.updates).toEqual([{ channelID: chid, version: '8' }]);
  });

  it('keeps every digit of a version up to 2^63-1 and rejects bigger ones', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    const max = '9223372036854775807';
    const note = a.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, max)).status).toBe(200);
    await note;
    expect(a.rawReceived.at(-1)).toContain(`"version":${max}}`);
    for (const bad of ['9223372036854775808', '-1', '1.5', 'abc', '1e3']) {
      const r = await putVersion(reg.pushEndpoint, bad);
      expect({ bad, status: r.status }).toEqual({ bad, status: 400 });
      expect(r.json).toMatchObject({ code: 400, errno: 107 });
    }
  });

  it('uses the current time in seconds when the PUT has no version', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    const before = Math.floor(Date.now() / 1000);
    const note = a.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, null)).status).toBe(200);
    const v = Number(((await note).updates as Array<{ version: string }>)[0].version);
    expect(v).toBeGreaterThanOrEqual(before);
    expect(v).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('accepts a version that is not newer with 202 but does not deliver it', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    const first = a.nextOf('notification');
    await putVersion(reg.pushEndpoint, 10);
    a.ackFrame(await first);
    const stale = await putVersion(reg.pushEndpoint, 9);
    expect(stale.status).toBe(202);
    expect(stale.json).toMatchObject({ status: 'stale' });
    const next = a.nextOf('notification');
    await putVersion(reg.pushEndpoint, 11);
    expect((await next).updates).toEqual([{ channelID: reg.channelID, version: '11' }]);
  });

  it('stores for an offline client (202) and sends all latest versions at once on hello', async () => {
    const a = await connect();
    await a.hello();
    const one = await a.register();
    const two = await a.register();
    a.close();
    await a.closed;
    // 202 (stored) once the gateway has seen the close; a PUT racing the close may still be
    // routed (200) to the node, which drops it: either way the version is stored for the resync.
    for (const v of [1, 2, 3])
      expect([200, 202]).toContain((await putVersion(one.pushEndpoint, v)).status);
    expect([200, 202]).toContain((await putVersion(two.pushEndpoint, 40)).status);
    const b = await connect();
    const note = b.next((f) => f.messageType === 'notification');
    await b.hello(a.uaid, [one.channelID, two.channelID]);
    const updates = ((await note).updates as Array<{ channelID: string; version: string }>).sort(
      (x, y) => x.channelID.localeCompare(y.channelID),
    );
    expect(updates).toEqual(
      [
        { channelID: one.channelID, version: '3' },
        { channelID: two.channelID, version: '40' },
      ].sort((x, y) => x.channelID.localeCompare(y.channelID)),
    );
    // The hello reply comes before the notification batch.
    expect(b.received.findIndex((f) => f.messageType === 'hello')).toBeLessThan(
      b.received.findIndex((f) => f.messageType === 'notification'),
    );
  });

  it('an ack of an older version keeps the newer one pending', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    a.close();
    await a.closed;
    await putVersion(reg.pushEndpoint, 5);
    const b = await connect();
    const first = b.next((f) => f.messageType === 'notification');
    await b.hello(a.uaid, [reg.channelID]);
    await first;
    b.close();
    await b.closed;
    await putVersion(reg.pushEndpoint, 6); // arrives while the client still holds 5
    const c = await connect();
    const again = c.next((f) => f.messageType === 'notification');
    await c.hello(a.uaid, [reg.channelID]);
    c.ack([{ channelID: reg.channelID, version: 5 }]); // late ack of the older version
    expect((await again).updates).toEqual([{ channelID: reg.channelID, version: '6' }]);
    c.close();
    await c.closed;
    const d = await connect();
    const still = d.next((f) => f.messageType === 'notification');
    await d.hello(a.uaid, [reg.channelID]);
    expect((await still).updates).toEqual([{ channelID: reg.channelID, version: '6' }]);
  });

  it('register is idempotent, and 409 when the channelID belongs to another UAID', async () => {
    const a = await connect();
    await a.hello();
    const chid = randomUUID();
    const r1 = await a.register(chid);
    const r2 = await a.register(chid);
    expect(r2.status).toBe(200);
    expect(r2.pushEndpoint).toBe(r1.pushEndpoint);
    const b = await connect();
    await b.hello();
    expect(await b.register(chid)).toMatchObject({ status: 409 });
    // b's unregister must not delete a's channel.
    expect(await b.unregister(chid)).toMatchObject({ status: 200 });
    expect((await putVersion(r1.pushEndpoint, 1)).status).toBe(200);
  });

  it('answers 400 to a malformed channelID and keeps the socket open', async () => {
    const a = await connect();
    await a.hello();
    const reply = a.nextOf('register');
    a.send({ messageType: 'register', channelID: 'not-a-uuid' });
    expect(await reply).toMatchObject({ status: 400 });
    expect((await a.register()).status).toBe(200);
  });

  it('unregister is idempotent and the endpoint then answers 410', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    expect(await a.unregister(reg.channelID)).toMatchObject({ status: 200 });
    expect(await a.unregister(reg.channelID)).toMatchObject({ status: 200 });
    const put = await putVersion(reg.pushEndpoint, 1);
    expect(put.status).toBe(410);
    expect(put.json).toMatchObject({ code: 410, errno: 103 });
  });

  it('answers 404 to a forged, truncated or altered token', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    const token = reg.pushEndpoint.split('/').pop() as string;
    const base = reg.pushEndpoint.slice(0, -token.length);
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    for (const t of [flipped, token.slice(0, -4), 'x'.repeat(82), 'short']) {
      const r = await putVersion(base + t, 1);
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({ code: 404, errno: 102 });
    }
  });

  it('answers 413 to an oversized body', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    const r = await putVersion(reg.pushEndpoint, undefined, `version=1&pad=${'x'.repeat(10_000)}`);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ code: 413, errno: 104 });
  });

  it('answers a ping {} with {} and closes 4774 when pinged again within the minimum interval', async () => {
    const a = await connect();
    await a.hello();
    a.send('{}');
    await a.next((f) => Object.keys(f).length === 0, 5000, a.received.length);
    a.send('{}');
    expect(await a.closed).toEqual({ code: 4774, reason: 'pinging too often' });
  });

  it('closes a second hello on the same connection with status 401', async () => {
    const a = await connect();
    await a.hello();
    const reply = a.nextOf('hello');
    a.send({ messageType: 'hello', uaid: a.uaid, channelIDs: [] });
    expect(await reply).toMatchObject({ status: 401, reason: 'duplicate hello' });
    expect((await a.closed).code).toBe(1002);
  });

  it.each([
    [
      'a frame before hello',
      { messageType: 'register', channelID: randomUUID() },
      1002,
      'hello required first',
    ],
    ['malformed JSON', '{"messageType":', 1002, 'malformed JSON'],
    ['a JSON array', '[1,2]', 1002, 'frame must be a JSON object'],
    ['an unknown messageType', { messageType: 'bogus' }, 1002, 'unknown messageType "bogus"'],
    ['a missing messageType', { uaid: '' }, 1002, 'missing messageType'],
  ])('closes the socket on %s with a close code and reason', async (_name, frame, code, reason) => {
    const a = await connect();
    a.send(frame);
    expect(await a.closed).toEqual({ code, reason });
  });

  it('closes binary frames with 1003 and oversized frames with 1009', async () => {
    const a = await connect();
    a.ws.send(Buffer.from([1, 2, 3]));
    expect((await a.closed).code).toBe(1003);
    const b = await connect();
    b.send({ messageType: 'hello', uaid: '', channelIDs: [], pad: 'x'.repeat(70_000) });
    expect((await b.closed).code).toBe(1009);
    // ws closes it, not Herald: still counted with the closes Herald makes.
    const metrics = await (
      await fetch(`http://127.0.0.1:${herald.gatewayMetricsPort}/metrics`)
    ).text();
    expect(metrics).toMatch(/herald_frames_rejected_total\{reason="message_too_big"\} [1-9]/);
  });

  it('keeps serving other clients while one misbehaves', async () => {
    const good = await connect();
    await good.hello();
    const reg = await good.register();
    const bad = await connect();
    bad.send('garbage');
    await bad.closed;
    const note = good.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, 1)).status).toBe(200);
    await note;
  });

  it('closes the older connection when the same UAID connects again (ghosting)', async () => {
    const a = await connect();
    await a.hello();
    const reg = await a.register();
    const b = await connect();
    await b.hello(a.uaid, [reg.channelID]);
    expect((await a.closed).code).toBe(4409);
    const note = b.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, 3)).status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '3' }]);
  });

  it('reconciles the channel list: dropped channels go, lost ones come back under the same endpoint', async () => {
    const a = await connect();
    await a.hello();
    const keep = await a.register();
    const drop = await a.register();
    a.close();
    await a.closed;
    const extra = randomUUID(); // a channel the client has but the server lost (never registered here)
    const b = await connect();
    await b.hello(a.uaid, [keep.channelID, extra]);
    // dropped: its endpoint is now gone
    await b.next(() => true, 100, b.received.length).catch(() => undefined);
    expect((await putVersion(drop.pushEndpoint, 1)).status).toBe(410);
    // restored: register returns it as ours, with a working endpoint
    const restored = await b.register(extra);
    expect(restored.status).toBe(200);
    const note = b.next(
      (f) => f.messageType === 'notification' && JSON.stringify(f).includes(extra),
    );
    expect((await putVersion(restored.pushEndpoint, 2)).status).toBe(200);
    await note;
  });
});
