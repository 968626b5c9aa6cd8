import { randomUUID } from 'node:crypto';
import { ManagedRedis } from '@herald/managed-redis';
import { startTopology, Topology } from '../support/herald-process';
import { putVersion, SimplePushClient } from '../support/simplepush-client';

const ROUNDS = 300;

/**
 * Issue 11 item 4: once a client has seen its close handshake complete (its 'close' event), the
 * socket is gone, so a PUT sent at that instant must be answered 202 stored, never 200 routed
 * (the route used to be released only after the gateway's own 'close' event, after the TCP
 * close). The version is delivered at the next hello, so nothing is lost either way.
 */
describe.each(['split', 'all'] as const)(
  'SimplePush status right after a clean close (%s)',
  (kind) => {
    let redis: ManagedRedis;
    let herald: Topology;

    beforeAll(async () => {
      redis = await ManagedRedis.start();
      herald = await startTopology(kind, redis.url, {
        // One client reconnects ROUNDS times from one address within a few seconds.
        HELLO_RATE_PER_IP: '10000',
        SIMPLEPUSH_RATE_LIMIT_PER_MINUTE: '0',
      });
    });
    afterAll(async () => {
      await herald?.stop();
      await redis?.stop();
    });

    it(`answers 202 stored to a PUT sent as soon as the client saw the close (${ROUNDS} rounds)`, async () => {
      const channelID = randomUUID();
      const first = await SimplePushClient.connect(herald.gatewayUrl);
      await first.hello('', [channelID]);
      const { pushEndpoint, status } = await first.register(channelID);
      expect(status).toBe(200);
      const uaid = first.uaid;
      first.close();
      await first.closed;

      const answers: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const c = await SimplePushClient.connect(herald.gatewayUrl);
        const hello = await c.hello(uaid, [channelID]);
        expect(hello).toMatchObject({ status: 200, uaid });
        // The version PUT right after the previous close was stored and arrives with this hello.
        if (round > 1) await c.waitForVersion(channelID, round - 1);
        c.close();
        const closed = await c.closed;
        expect(closed.code).toBe(1005); // a clean close handshake, begun by the client
        const r = await putVersion(pushEndpoint, round);
        answers.push(`${r.status} ${String(r.json?.status)}`);
      }
      const last = await SimplePushClient.connect(herald.gatewayUrl);
      await last.hello(uaid, [channelID]);
      await last.waitForVersion(channelID, ROUNDS);
      last.close();

      const wrong = answers.filter((a) => a !== '202 stored');
      expect({ wrong: wrong.length, sample: wrong.slice(0, 3) }).toEqual({ wrong: 0, sample: [] });
    });
  },
);
