import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { SimplePushClient } from '../support/simplepush-client';
import { waitFor } from '../support/wait-for';
import { rssMiB } from './support/abuse-run';
import { metricValue, within } from './support/probes';

const opened = (ws: WebSocket) => new Promise((r) => ws.once('open', r));
const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((r) =>
    ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
  );

/**
 * Issue 13 items 1 and 2, one socket at a time: pings from a client that never reads, frames
 * faster than they are handled, frames costly to parse, and registrations without end.
 */
describe('hardening: one connection within its budgets', () => {
  let redis: ManagedRedis;
  const procs: HeraldProcess[] = [];
  const sockets: WebSocket[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const p = await startHerald('gateway', {
      redisUrl: redis.url,
      env: { NODE_OPTIONS: '--max-old-space-size=384', ...env },
    });
    procs.push(p);
    return p;
  };
  const open = async (gw: HeraldProcess) => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/`, { perMessageDeflate: false });
    ws.on('error', () => undefined);
    sockets.push(ws);
    await opened(ws);
    return ws;
  };
  /** Writes `frame()` while this side holds less than `held` bytes, until `until()`. */
  const flood = (ws: WebSocket, frame: () => string | Buffer, isPing = false, held = 4 << 20) => {
    let sent = 0;
    const write = () => {
      while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < held) {
        const f = frame();
        if (isPing) ws.ping(f);
        else ws.send(f);
        sent += f.length;
      }
    };
    write();
    const timer = setInterval(write, 5);
    return {
      stop: () => clearInterval(timer),
      sent: () => sent,
    };
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
  });
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.terminate());
    await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('cuts a client that sends more ping frames than PING_FRAMES_PER_SECOND allows', async () => {
    const gw = await start();
    const ws = await open(gw);
    const bye = closed(ws);
    let pongs = 0;
    const tenPongs = new Promise<void>((resolve) =>
      ws.on('pong', () => {
        if (++pongs === 10) resolve();
      }),
    );
    // The burst, ten seconds at one per second, is answered in full. (Waiting for its pongs before
    // the rest: the cut destroys the socket, and pongs still in its write buffer go with it.)
    const started = Date.now();
    for (let i = 0; i < 10; i++) ws.ping(Buffer.alloc(8));
    await within(5_000, 'ten pongs', tenPongs);
    for (let i = 0; i < 20; i++) ws.ping(Buffer.alloc(8));
    expect((await within(5_000, 'the ping flood cut', bye)).code).toBe(1006); // no close frame
    // Beyond the burst, one more per second that passed meanwhile, and no more.
    expect(pongs).toBeLessThanOrEqual(10 + Math.floor((Date.now() - started) / 1000));
    expect(
      await metricValue(gw.ports.metrics, 'herald_client_budget_exceeded_total', 'budget="pings"'),
    ).toBe(1);
  });

  it('cuts a client that pings without reading once its pongs exceed the send budget', async () => {
    // Allowed that many pings, it is the pong backlog (MAX_BUFFERED_BYTES) that cuts it.
    const gw = await start({ PING_FRAMES_PER_SECOND: '1000000' });
    const rss = rssMiB(gw.proc.pid as number);
    const ws = await open(gw);
    ws.pause(); // never reads a pong
    const f = flood(ws, () => Buffer.alloc(125, 1), true);
    try {
      await waitFor(
        'the pong flood cut',
        async () =>
          (await metricValue(
            gw.ports.metrics,
            'herald_client_budget_exceeded_total',
            'budget="pongs"',
          )) >= 1,
        15_000,
      );
    } finally {
      f.stop();
    }
    expect(gw.proc.exitCode).toBeNull();
    expect(rssMiB(gw.proc.pid as number) - rss).toBeLessThan(64);
  }, 30_000);

  it('stops reading a client that sends faster than its frames are handled', async () => {
    const gw = await start();
    const rss = rssMiB(gw.proc.pid as number);
    const ws = await open(gw);
    ws.send(JSON.stringify({ messageType: 'hello', uaid: '', channelIDs: [] }));
    ws.pause(); // never reads a reply
    const pad = 'x'.repeat(60_000);
    const f = flood(ws, () =>
      JSON.stringify({ messageType: 'register', channelID: randomUUID(), pad }),
    );
    // It reads on only as fast as it handles frames (429s once the registration burst is spent),
    // never queueing more than its budget: before, it took 390 MB in 3 s and neared its heap limit.
    // Waited for in bytes, not seconds: a slow machine sends the same 32 MiB, later.
    try {
      await waitFor('32 MiB sent by the flooding client', async () => f.sent() > 32 << 20, 20_000);
      await waitFor(
        'the inbound queue budget hit',
        async () =>
          (await metricValue(
            gw.ports.metrics,
            'herald_client_budget_exceeded_total',
            'budget="inbound_queue"',
          )) >= 1,
        10_000,
      );
    } finally {
      f.stop();
    }
    expect(rssMiB(gw.proc.pid as number) - rss).toBeLessThan(64);
    expect(gw.proc.exitCode).toBeNull();
  }, 30_000);

  it('closes (1008) a client whose frames, read at once, exceed twice MAX_QUEUED_BYTES', async () => {
    // 8 KiB: 125 tiny frames (66 bytes each once queued), far fewer than one read holds.
    const gw = await start({ MAX_QUEUED_BYTES: '4096' });
    const ws = await open(gw);
    const bye = closed(ws);
    // 10,000 tiny frames in one write, read by ws in 64 KiB reads before any is handled.
    const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    socket.cork();
    for (let i = 0; i < 10_000; i++) ws.send('{}');
    socket.uncork();
    expect(await within(10_000, 'the flooding client closed', bye)).toEqual({
      code: 1008,
      reason: 'too many frames queued',
    });
    expect(
      await metricValue(
        gw.ports.metrics,
        'herald_client_budget_exceeded_total',
        'budget="inbound_overflow"',
      ),
    ).toBe(1);
  }, 30_000);

  it('closes (1008) a client whose frames cost more parse time than its budget', async () => {
    const gw = await start();
    const ws = await open(gw);
    const bye = closed(ws);
    ws.send(JSON.stringify({ messageType: 'hello', uaid: '', channelIDs: [] }));
    const ack =
      `{"messageType":"ack","updates":[{"channelID":"${randomUUID()}","version":${'1'.repeat(20)}}],` +
      `"pad":[${Array.from({ length: 7000 }, () => '12345678').join(',')}]}`;
    const f = flood(ws, () => ack, false, 1 << 20);
    try {
      expect(await within(10_000, 'the costly client closed', bye)).toEqual({
        code: 1008,
        reason: 'frames too costly to parse',
      });
    } finally {
      f.stop();
    }
    expect(
      await metricValue(
        gw.ports.metrics,
        'herald_client_budget_exceeded_total',
        'budget="parse_time"',
      ),
    ).toBe(1);
  }, 30_000);

  it('answers 429 to registrations beyond REGISTER_RATE_PER_SECOND (ten seconds of burst)', async () => {
    const gw = await start({ REGISTER_RATE_PER_SECOND: '2' });
    const c = await SimplePushClient.connect(`ws://127.0.0.1:${gw.port}/`);
    expect((await c.hello()).status).toBe(200);
    const replies = await Promise.all(Array.from({ length: 30 }, () => c.register()));
    const statuses = replies.map((r) => r.status);
    // A burst of 20, and maybe a token or two refilled while they ran.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(25);
    expect(replies.find((r) => r.status === 429)).toMatchObject({
      reason: 'too many registrations',
    });
    expect(await metricValue(gw.ports.metrics, 'herald_registrations_total', 'status="429"')).toBe(
      statuses.filter((s) => s === 429).length,
    );
    expect(c.ws.readyState).toBe(WebSocket.OPEN); // refused, not closed
    c.close();
  }, 30_000);
});
