import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';

/** A metric from a process's metrics listener (its METRICS_PORT). */
const metric = async (port: number, name: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ').pop()) : 0;
};
const labelled = async (port: number, name: string, label: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

/** Each failure mode is a decision in code; each decision is checked here against real processes. */
describe('failure modes', () => {
  let redis: ManagedRedis;
  const procs: HeraldProcess[] = [];
  const clients: SimplePushClient[] = [];
  const cleanups: Array<() => void> = [];
  const start = async (
    role: Parameters<typeof startHerald>[0],
    env: Record<string, string> = {},
  ) => {
    const p = await startHerald(role, { redisUrl: redis.url, env });
    procs.push(p);
    return p;
  };
  const connect = async (p: HeraldProcess) => {
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${p.ports.gateway}/`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start({ appendonly: true });
  });
  afterEach(async () => {
    cleanups.splice(0).forEach((f) => f());
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('closes a socket that sends no hello in time (1008)', async () => {
    const h = await start('all', { HELLO_TIMEOUT_MS: '300' });
    const c = await connect(h);
    expect(await c.closed).toEqual({ code: 1008, reason: 'no hello in time' });
  });

  it('pings with WebSocket ping frames and drops a peer that never answers', async () => {
    const h = await start('all', { KEEPALIVE_INTERVAL_MS: '200' });
    const live = await connect(h);
    await live.hello();
    let pings = 0;
    const threePings = new Promise<void>((resolve) =>
      live.ws.on('ping', () => {
        if (++pings === 3) resolve();
      }),
    );
    const dead = new WebSocket(`ws://127.0.0.1:${h.ports.gateway}/`, { autoPong: false });
    const deadClosed = new Promise<number>((resolve) =>
      dead.once('close', (code) => resolve(code)),
    );
    await new Promise((r) => dead.once('open', r));
    dead.send(JSON.stringify({ messageType: 'hello', uaid: '', channelIDs: [] }));
    expect(await deadClosed).toBe(1006); // terminated: no close frame for a dead peer
    await threePings;
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('survives Redis going away: 503 with Retry-After, sockets kept, all working again after', async () => {
    const h = await start('all');
    const c = await connect(h);
    await c.hello();
    const reg = await c.register();
    await redis.kill('SIGTERM'); // clean stop: the append-only file has everything
    const during = await putVersion(reg.pushEndpoint, 1);
    expect(during.status).toBe(503);
    expect(during.json).toMatchObject({ code: 503, errno: 201 });
    expect(during.headers.get('retry-after')).toBe('5');
    const ready = await fetch(`http://127.0.0.1:${h.ports.ingress}/healthz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${h.ports.ingress}/livez`)).status).toBe(200);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await redis.launch();
    await waitFor(
      'readiness after Redis returns',
      async () => (await fetch(`http://127.0.0.1:${h.ports.gateway}/healthz`)).ok,
    );
    // The node's subscription is back: live delivery works on the socket that stayed open.
    await waitFor('the node channel to be subscribed again', async () => {
      const db = new Redis(redis.url);
      const subs = await db.pubsub('NUMSUB', `herald:node:${h.nodeId}`);
      db.disconnect();
      return Number(subs[1]) === 1;
    });
    const note = c.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, 2)).status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '2' }]);
    expect(h.proc.exitCode).toBeNull();
  });

  it('tells clients to start again when Redis lost its data (new UAID, re-register)', async () => {
    const h = await start('all', { NODE_HEARTBEAT_MS: '200' });
    const c = await connect(h);
    await c.hello();
    const reg = await c.register();
    const db = new Redis(redis.url);
    await db.flushall();
    db.disconnect();
    expect(await c.closed).toEqual({ code: 1013, reason: 'server state lost, reconnect' });
    expect((await putVersion(reg.pushEndpoint, 1)).status).toBe(410);
    const again = await connect(h);
    const reply = await again.hello(c.uaid, [reg.channelID]);
    expect(reply.status).toBe(200);
    expect(reply.uaid).not.toBe(c.uaid); // a new UAID: the client drops its channels and re-registers
    const fresh = await again.register(reg.channelID);
    expect(fresh.pushEndpoint).not.toBe(reg.pushEndpoint);
    const note = again.nextOf('notification');
    expect((await putVersion(fresh.pushEndpoint, 2)).status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '2' }]);
    expect(await labelled(h.ports.metrics, 'herald_state_lost_total', '')).toBe(0);
    expect(await metric(h.ports.metrics, 'herald_state_lost_total')).toBe(1);
  });

  it('sends what was stored while its subscription was down once it is back, keeping the route', async () => {
    const h = await start('all');
    const c = await connect(h);
    await c.hello();
    const reg = await c.register();
    const db = new Redis(redis.url);
    cleanups.push(() => db.disconnect());
    // Drop only the node's pub/sub connection: a PUT now reaches no subscriber and is stored —
    // while the client is still connected to this node. The node's heartbeat is fresh, so the
    // route stays (clearing it would race the node's repair).
    await db.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    const put = await putVersion(reg.pushEndpoint, 77);
    expect(put.status).toBe(202);
    expect(await db.hget(`u:{${c.uaid}}`, 'node')).toBe(h.nodeId);
    await c.waitForVersion(reg.channelID, 77); // the node resubscribed and sent what is pending
    const note = c.nextOf('notification');
    expect((await putVersion(reg.pushEndpoint, 78)).status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: reg.channelID, version: '78' }]);
  });

  it('deletes a user idle for USER_IDLE_TTL_SECONDS, and keeps one that stays connected', async () => {
    // No background sweep: the returning client's claim must take the expired owner's place.
    const h = await start('all', { USER_IDLE_TTL_SECONDS: '3', CHANNEL_SWEEP_BUCKETS: '0' });
    const db = new Redis(redis.url);
    cleanups.push(() => db.disconnect());
    const idle = await connect(h);
    await idle.hello();
    const idleReg = await idle.register();
    const held = await connect(h);
    await held.hello();
    const heldReg = await held.register();
    const heldSetAt = Date.now();
    for (const key of [`u:{${idle.uaid}}`, `u:{${idle.uaid}}:ch`]) {
      expect(await db.pttl(key)).toBeGreaterThan(0);
      expect(await db.pttl(key)).toBeLessThanOrEqual(3000);
    }
    idle.close();
    await idle.closed;
    await waitFor(
      'the idle user to expire',
      async () => (await db.exists(`u:{${idle.uaid}}`, `u:{${idle.uaid}}:ch`)) === 0,
      10_000,
    );
    expect((await putVersion(idleReg.pushEndpoint, 1)).status).toBe(410);
    // The held one outlived the expiry its register set: the gateway set it again.
    await waitFor('the held user to outlive its first expiry', async () => {
      return Date.now() > heldSetAt + 4000;
    });
    expect(await db.exists(`u:{${held.uaid}}`, `u:{${held.uaid}}:ch`)).toBe(2);
    const note = held.nextOf('notification');
    expect((await putVersion(heldReg.pushEndpoint, 7)).status).toBe(200);
    expect((await note).updates).toEqual([{ channelID: heldReg.channelID, version: '7' }]);
    // The idle one comes back: a new UAID, and its channel ID is free to register again.
    const back = await connect(h);
    expect((await back.hello(idle.uaid, [idleReg.channelID])).uaid).not.toBe(idle.uaid);
    expect((await back.register(idleReg.channelID)).status).toBe(200);
  });

  it('sweeps the channel ownership of expired users in the background', async () => {
    const h = await start('all', {
      USER_IDLE_TTL_SECONDS: '1',
      CHANNEL_SWEEP_BUCKETS: '4096',
      NODE_HEARTBEAT_MS: '200',
    });
    const db = new Redis(redis.url);
    cleanups.push(() => db.disconnect());
    const c = await connect(h);
    await c.hello();
    const reg = await c.register();
    const bucket = `cho:{${reg.channelID.slice(0, 3)}}`;
    const field = reg.channelID.replace(/-/g, '');
    expect(await db.hget(bucket, field)).toBe(c.uaid);
    c.close();
    await c.closed;
    await waitFor(
      'the owner entry to be swept',
      async () => (await db.hget(bucket, field)) === null,
    );
    expect(await db.exists(`u:{${c.uaid}}`)).toBe(0);
    // Counted once the worker has the reply of the delete the test just saw.
    await waitFor(
      'the sweep to be counted',
      async () => (await metric(h.ports.metrics, 'herald_channel_owners_swept_total')) > 0,
    );
  });

  it('answers hello with 503 and closes when Redis is unavailable', async () => {
    const h = await start('all');
    await redis.kill('SIGTERM');
    try {
      const c = await connect(h);
      const reply = await c.hello();
      expect(reply).toMatchObject({ messageType: 'hello', status: 503 });
      expect((await c.closed).code).toBe(1013);
    } finally {
      await redis.launch();
    }
  });

  it('drains on SIGTERM: turns unready, closes every socket with 1001, leaves the registry, exits 0', async () => {
    const h = await start('gateway', { DRAIN_TIMEOUT_MS: '1000', DRAIN_BATCH_SIZE: '5' });
    const cs = await Promise.all(Array.from({ length: 20 }, () => connect(h)));
    await Promise.all(cs.map((c) => c.hello()));
    const db = new Redis(redis.url);
    expect(await db.zscore('herald:nodes', h.nodeId)).not.toBeNull();
    h.proc.kill('SIGTERM');
    const closes = await Promise.all(cs.map((c) => c.closed));
    expect(closes.every((c) => c.code === 1001 && c.reason === 'node draining')).toBe(true);
    expect(await h.exited).toBe(0);
    expect(await db.zscore('herald:nodes', h.nodeId)).toBeNull();
    db.disconnect();
  });

  it('wakes a disconnected SimplePush phone by UDP, only on allowed networks, rate-limited', async () => {
    const udp = createSocket('udp4');
    const datagrams: string[] = [];
    const got = new Promise<void>((resolve) =>
      udp.on('message', (m) => {
        datagrams.push(m.toString());
        resolve();
      }),
    );
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const port = udp.address().port;
    const h = await start('all', {
      WAKEUP_ENABLED: 'true',
      WAKEUP_ALLOWED_CIDRS: '127.0.0.1/32',
      WAKEUP_MIN_INTERVAL_MS: '60000',
    });
    try {
      const phone = await connect(h);
      await phone.hello('', [], {
        wakeup_hostport: { ip: '127.0.0.1', port },
        mobilenetwork: { mcc: '214', mnc: '07' },
      });
      const reg = await phone.register();
      phone.close();
      await phone.closed;
      const db = new Redis(redis.url);
      await waitFor(
        'the route to be released',
        async () => !(await db.hexists(`u:{${phone.uaid}}`, 'node')),
      );
      expect(await db.hget(`u:{${phone.uaid}}`, 'wk')).toBe(`127.0.0.1:${port}`);
      expect((await putVersion(reg.pushEndpoint, 1)).status).toBe(202);
      await got;
      expect(datagrams).toEqual(['herald:wakeup']);
      expect((await putVersion(reg.pushEndpoint, 2)).status).toBe(202);
      expect(await labelled(h.ports.metrics, 'herald_wakeups_total', 'result="rate_limited"')).toBe(
        1,
      );
      expect(datagrams).toHaveLength(1);
      // An address outside the allow-list is never stored, so never sent to.
      const other = await connect(h);
      await other.hello('', [], { wakeup_hostport: { ip: '127.0.0.2', port } });
      expect(await db.hget(`u:{${other.uaid}}`, 'wk')).toBeNull();
      db.disconnect();
    } finally {
      udp.close();
    }
  });

  it('closes a socket beyond MAX_CONNECTIONS at once (1013), and answers register with 413 beyond MAX_CHANNELS_PER_UAID', async () => {
    const h = await start('all', { MAX_CONNECTIONS: '1', MAX_CHANNELS_PER_UAID: '2' });
    const first = await connect(h);
    expect((await first.hello()).status).toBe(200);
    expect((await first.register()).status).toBe(200);
    expect((await first.register()).status).toBe(200);
    expect(await first.register()).toMatchObject({
      status: 413,
      reason: 'at most 2 channels per UAID',
    });
    const second = await connect(h);
    expect(await second.closed).toEqual({ code: 1013, reason: 'node full' });
    expect(await metric(h.ports.metrics, 'herald_connections_refused_total')).toBe(1);
    // The first is served on.
    expect((await first.register()).status).toBe(413);
  });

  it('limits connections and hellos per address', async () => {
    const h = await start('all', { MAX_CONNECTIONS_PER_IP: '3', HELLO_RATE_PER_IP: '2' });
    const [a, b, c] = [await connect(h), await connect(h), await connect(h)];
    const d = await connect(h);
    expect(await d.closed).toEqual({
      code: 1008,
      reason: 'too many connections from this address',
    });
    // Three hellos at once against a bucket of two per second: exactly one is refused.
    const replies = await Promise.all([a, b, c].map((x) => x.hello()));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const refused = [a, b, c][replies.findIndex((r) => r.status === 429)];
    expect(replies.find((r) => r.status === 429)).toMatchObject({
      reason: 'too many hellos from this address',
    });
    expect((await refused.closed).code).toBe(1013);
    // The slot frees when the gateway's side of the TCP connection closes, which can come a moment
    // after the client saw the close handshake: wait for the gateway to hold two sockets again.
    await waitFor('the refused socket closed on the gateway', async () =>
      (await metric(h.ports.metrics, 'herald_connections_open')) === 2 ? true : null,
    );
    const e = await connect(h); // the refused socket's slot is free again
    e.close();
    expect((await e.closed).code).not.toBe(1008);
    expect(
      await labelled(h.ports.metrics, 'herald_address_limited_total', 'limit="connections"'),
    ).toBe(1);
    expect(await labelled(h.ports.metrics, 'herald_address_limited_total', 'limit="hellos"')).toBe(
      1,
    );
  });

  it('answers 429 with Retry-After beyond the per-endpoint PUT rate', async () => {
    const h = await start('all', { SIMPLEPUSH_RATE_LIMIT_PER_MINUTE: '3' });
    const c = await connect(h);
    await c.hello();
    const reg = await c.register();
    const other = await c.register();
    const statuses = [];
    for (let v = 1; v <= 4; v++) statuses.push((await putVersion(reg.pushEndpoint, v)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await putVersion(reg.pushEndpoint, 5);
    expect(limited.json).toMatchObject({ code: 429, errno: 429 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await putVersion(other.pushEndpoint, 1)).status).toBe(200); // per endpoint, not per host
  });

  it('exposes Prometheus metrics on every role', async () => {
    const h = await start('all');
    const c = await connect(h);
    await c.hello();
    const reg = await c.register();
    const note = c.nextOf('notification');
    await putVersion(reg.pushEndpoint, 3);
    c.ackFrame(await note);
    await waitFor(
      'the ack to be counted',
      async () => (await metric(h.ports.metrics, 'herald_notifications_acked_total')) === 1,
    );
    expect(await metric(h.ports.metrics, 'herald_connections_open')).toBe(1);
    expect(await labelled(h.ports.metrics, 'herald_hellos_total', 'result="new"')).toBe(1);
    expect(await labelled(h.ports.metrics, 'herald_registrations_total', 'status="200"')).toBe(1);
    expect(
      await labelled(h.ports.metrics, 'herald_notifications_accepted_total', 'result="routed"'),
    ).toBe(1);
    expect(
      await labelled(h.ports.metrics, 'herald_notifications_delivered_total', 'path="live"'),
    ).toBe(1);
    expect(await metric(h.ports.metrics, 'herald_delivery_latency_seconds_count')).toBe(1);
    const text = await (await fetch(`http://127.0.0.1:${h.ports.metrics}/metrics`)).text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('refuses to start with a bad variable, naming it', async () => {
    const child = spawn(process.execPath, ['dist/apps/gateway/src/main.js'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, GATEWAY_PORT: 'eighty', REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/^herald: invalid configuration:\n {2}GATEWAY_PORT: .*"eighty"/);
  });

  it('runs all roles with a private redis-server when REDIS_URL is unset, and removes it on exit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-data-'));
    const h = await startHerald('all', { env: { HERALD_DATA_DIR: dataDir } });
    procs.push(h);
    const m = /"url":"redis:\/\/127\.0\.0\.1:(\d+)","redisPid":(\d+)/.exec(h.output());
    expect(m).not.toBeNull();
    const pid = Number(m?.[2]);
    const c = await connect(h);
    expect((await c.hello()).status).toBe(200);
    c.close();
    h.proc.kill('SIGTERM');
    expect(await h.exited).toBe(0);
    expect(() => process.kill(pid, 0)).toThrow(); // the private redis-server is gone
  });
});
