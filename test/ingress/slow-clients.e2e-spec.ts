import { connect, Socket } from 'node:net';
import { ManagedRedis } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';

const REQUEST_TIMEOUT_MS = 1500;
/** The timeout, Node's check of it (at most every second here) and scheduling slack. */
const CUT_WITHIN_MS = REQUEST_TIMEOUT_MS + 1000 + 2500;

/**
 * Slow clients must not hold the ingress's descriptors (issue 13 §3): a request whose headers or
 * body trickle in is cut once INGRESS_REQUEST_TIMEOUT_MS has passed. (The seed protocol's
 * long-lived streams are the gateway's: test/gateway/seed-stream-timeouts.e2e-spec.ts.)
 */
describe('ingress: slow clients are cut', () => {
  let redis: ManagedRedis;
  let ingress: HeraldProcess;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    ingress = await startHerald('ingress', {
      redisUrl: redis.url,
      env: {
        INGRESS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
    });
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  afterAll(async () => {
    await stopAll([ingress]);
    await redis?.stop();
  });

  /**
   * A socket that sends `head`, then one byte of `trickle` every `everyMs`. Resolves with what
   * the server answered (maybe nothing) and how long after the start it closed, or rejects when
   * it is still open after `withinMs`.
   */
  const trickle = (head: string, trickleText: string, everyMs: number, withinMs: number) =>
    new Promise<{ answer: string; afterMs: number }>((resolve, reject) => {
      const started = Date.now();
      const s = connect(ingress.port, '127.0.0.1');
      sockets.push(s);
      let answer = '';
      let i = 0;
      const timer = setInterval(() => {
        if (i < trickleText.length && !s.destroyed) s.write(trickleText[i++]);
      }, everyMs);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`still open after ${withinMs} ms (${i} bytes trickled)`));
      }, withinMs);
      s.on('connect', () => s.write(head));
      s.on('data', (d) => (answer += d.toString()));
      s.on('error', () => undefined);
      s.on('close', () => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve({ answer, afterMs: Date.now() - started });
      });
    });

  it('cuts a body trickled one byte a second (408), though the socket is never idle', async () => {
    const head =
      `POST /wpush/v1/abc HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/octet-stream\r\nTTL: 60\r\nContent-Length: 100\r\n\r\n`;
    const { answer, afterMs } = await trickle(head, 'x'.repeat(100), 1000, CUT_WITHIN_MS);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":408');
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    // Counted where an operator looks for slow-loris traffic.
    const metrics = await (await fetch(`http://127.0.0.1:${ingress.ports.metrics}/metrics`)).text();
    expect(metrics).toMatch(
      /herald_client_budget_exceeded_total\{budget="ingress_request_time"\} [1-9]/,
    );
  });

  it('cuts headers trickled one byte every half second', async () => {
    const { afterMs } = await trickle('', 'GET /livez HTTP/1.1\r\nHost: x\r\n', 500, CUT_WITHIN_MS);
    expect(afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
  });

  it('answers /livez while 300 trickling requests are held, and cuts them all', async () => {
    const head =
      `POST /wpush/v1/abc HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/octet-stream\r\nTTL: 60\r\nContent-Length: 100\r\n\r\n`;
    const held = Array.from({ length: 300 }, () =>
      trickle(head, 'x'.repeat(100), 1000, CUT_WITHIN_MS + 2000),
    );
    const live = await fetch(`http://127.0.0.1:${ingress.port}/livez`);
    expect(live.status).toBe(200);
    const cut = await Promise.all(held);
    expect(cut.every((c) => c.answer.startsWith('HTTP/1.1 408 ') || c.answer === '')).toBe(true);
  });
});
