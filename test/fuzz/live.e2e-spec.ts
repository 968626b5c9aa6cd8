import fc from 'fast-check';
import WebSocket from 'ws';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';
import { clientFrame, httpRequest } from './arbitraries';

/**
 * Fuzzing a live Herald (fixed seeds): arbitrary frame sequences over real sockets and arbitrary
 * requests to the ingress. Every input is answered with a documented frame, status or close code
 * (never 1011 nor 500), the process never crashes, and a well-behaved client on the same node keeps
 * receiving its notifications throughout.
 */
const CLOSE_CODES = new Set([1000, 1001, 1002, 1003, 1008, 1009, 1013, 4409, 4774]);
const REPLY_TYPES = new Set([
  'hello',
  'register',
  'unregister',
  'notification',
  'broadcast',
  undefined,
]);
const HTTP_STATUSES = new Set([200, 201, 202, 204, 400, 401, 404, 410, 413, 415, 429, 503]);

describe('live fuzzing', () => {
  let redis: ManagedRedis;
  let h: HeraldProcess;
  let good: SimplePushClient;
  let goodEndpoint: string;
  let fuzzEndpoint: string;
  let goodVersion = 0;

  const goodClientStillServed = async () => {
    const note = good.nextOf('notification');
    expect((await putVersion(goodEndpoint, ++goodVersion)).status).toBe(200);
    await note;
  };

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    h = await startHerald('all', {
      redisUrl: redis.url,
      env: { HELLO_TIMEOUT_MS: '2000' },
    });
    good = await SimplePushClient.connect(`ws://127.0.0.1:${h.ports.gateway}/`);
    await good.hello();
    goodEndpoint = (await good.register()).pushEndpoint;
    fuzzEndpoint = (await good.register()).pushEndpoint;
  });
  afterAll(async () => {
    good?.close();
    await h?.kill();
    await redis?.stop();
  });

  /** Sends the frames, then a ping as a probe: its answer (or a close) means all were handled. */
  async function converse(frames: string[]): Promise<{ replies: string[]; close: number | null }> {
    const ws = new WebSocket(`ws://127.0.0.1:${h.ports.gateway}/`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const replies: string[] = [];
    const done = new Promise<number | null>((resolve) => {
      ws.on('message', (d) => {
        const text = d.toString();
        if (text === '{}') resolve(null);
        else replies.push(text);
      });
      ws.once('close', (code) => resolve(code));
    });
    for (const f of frames) ws.send(f);
    ws.send('{}');
    let timer: NodeJS.Timeout | undefined;
    const close = await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`no answer to ${JSON.stringify(frames)}; got ${JSON.stringify(replies)}`),
            ),
          5000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    ws.terminate();
    return { replies, close };
  }

  it('answers 400 arbitrary frame sequences over real sockets with documented frames and codes', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(clientFrame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const { replies, close } = await converse(frames);
        if (close !== null && !CLOSE_CODES.has(close))
          throw new Error(`close ${close} after ${JSON.stringify(frames)}`);
        for (const r of replies) {
          const m = JSON.parse(r) as { messageType?: string; status?: number };
          if (!REPLY_TYPES.has(m.messageType))
            throw new Error(`reply ${r} after ${JSON.stringify(frames)}`);
          if (m.status === 500) throw new Error(`status 500 after ${JSON.stringify(frames)}`);
        }
        if (++runs % 100 === 0) await goodClientStillServed();
      }),
      { numRuns: 400, seed: 7, endOnFailure: true },
    );
    expect(runs).toBe(400);
  });

  it('answers 1,500 arbitrary requests to the ingress with documented statuses and error bodies', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(httpRequest, async (req) => {
        const base = `http://127.0.0.1:${h.ports.ingress}`;
        const token = fuzzEndpoint.split('/').pop() as string;
        const path =
          req.path === 'VALID'
            ? new URL(fuzzEndpoint).pathname
            : req.path === 'VALID_MUTATED'
              ? `/update/${token.slice(0, 30)}${token[30] === 'A' ? 'B' : 'A'}${token.slice(31)}`
              : req.path;
        const headers: Record<string, string> = { ...req.headers };
        if (req.contentType) headers['content-type'] = req.contentType;
        const res = await fetch(base + path, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.body === undefined ? undefined : req.body,
        });
        const text = await res.text();
        if (!HTTP_STATUSES.has(res.status))
          throw new Error(`${res.status} ${text} for ${JSON.stringify(req)}`);
        if (res.status >= 400) {
          const body = JSON.parse(text) as {
            code: number;
            errno: number;
            error: string;
            message: string;
          };
          if (
            body.code !== res.status ||
            typeof body.errno !== 'number' ||
            !body.error ||
            typeof body.message !== 'string'
          ) {
            throw new Error(`error body ${text} for ${JSON.stringify(req)}`);
          }
        }
        if (++runs % 500 === 0) await goodClientStillServed();
      }),
      { numRuns: 1500, seed: 11, endOnFailure: true },
    );
    expect(runs).toBe(1500);
  });

  it('is still up and serving', async () => {
    expect(h.proc.exitCode).toBeNull();
    expect(h.output()).not.toMatch(/"level":(50|60)/); // no error or fatal logged
    await goodClientStillServed();
  });
});
