import { ManagedRedis, freePort } from '@herald/managed-redis';
import { HeraldProcess, startHerald, stopAll } from '../support/herald-process';
import webpush from 'web-push';
import { newVapidKeys, sendWebPush, vapidHeaders } from '../webpush/support/app-server';
import { startTlsFront, TlsFront } from '../webpush/support/tls-front';
import { ensureFirefox, newProfile, RunningFirefox, startFirefox, writePrefs } from './firefox';
import { PushPage, startPushPage } from './push-page';

const binary = ensureFirefox();
const describeIfFirefox = binary ? describe : describe.skip;
if (!binary) {
  // A clear reason in the output, not a silent pass.
  console.warn(
    'SKIPPED test/firefox: firefox-esr is missing and scripts/ensure-firefox.sh could not install it',
  );
}

/**
 * A real browser: Firefox ESR, headless, uses Herald as its push service. It subscribes through
 * gateway A of a split cluster (two gateways, ingress, worker, one Redis), receives an encrypted
 * push from the web-push library in its service worker, and an aesgcm push whose headers an older
 * sender library quoted and padded (Firefox decodes salt and dh with padding rejected: Herald
 * delivers them normalised), then is stopped; a push is stored while it is away, and Firefox
 * restarted against gateway B gets it.
 */
describeIfFirefox('Firefox ESR against a split Herald cluster', () => {
  jest.setTimeout(240_000);
  let redis: ManagedRedis;
  let procs: HeraldProcess[] = [];
  let front: TlsFront;
  let page: PushPage;
  let firefox: RunningFirefox | undefined;
  const vapid = newVapidKeys();
  const profile = newProfile();

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const frontPort = await freePort();
    const env = { PUBLIC_URL: `https://localhost:${frontPort}` };
    const opts = (nodeId: string) => ({ redisUrl: redis.url, env, nodeId });
    procs = await Promise.all([
      startHerald('gateway', opts(`ff-gw-a-${process.pid}`)),
      startHerald('gateway', opts(`ff-gw-b-${process.pid}`)),
      startHerald('ingress', opts(`ff-in-${process.pid}`)),
      startHerald('worker', opts(`ff-wk-${process.pid}`)),
    ]);
    front = await startTlsFront(frontPort, procs[2].port);
    page = await startPushPage(vapid.publicKey);
  }, 120_000);

  afterAll(async () => {
    await firefox?.stop();
    await page?.close();
    await front?.close();
    await stopAll(procs);
    await redis?.stop();
  });

  it('subscribes, receives a push while running, and one stored while it was away', async () => {
    const [gatewayA, gatewayB, ingress] = procs;
    writePrefs(profile, `ws://127.0.0.1:${gatewayA.port}/`);
    firefox = startFirefox(binary as string, profile, `${page.origin}/`);
    await page.waitForSubscription(1, 90_000).catch((err: Error) => {
      throw new Error(
        `${err.message}\nfirefox:\n${firefox?.output().slice(-3000)}\ngateway:\n${gatewayA.output().slice(-3000)}`,
      );
    });
    const sub = page.subscriptions[0];
    // Subscribed with an application server key: the endpoint is bound to it.
    expect(sub.endpoint).toMatch(new RegExp(`^${front.origin}/wpush/v2/`));
    expect(gatewayA.output()).toContain('gateway listening');

    const live = await sendWebPush(sub, 'while running', { vapid });
    expect(live.status).toBe(201);
    await page.waitForReceived('while running', 60_000);

    // aesgcm as older senders write it: quoted, standard base64 with padding, keyid, and the
    // legacy `WebPush` VAPID scheme with the key in Crypto-Key next to dh.
    const text = 'aesgcm, quoted and padded';
    const enc = webpush.encrypt(sub.keys.p256dh, sub.keys.auth, text, 'aesgcm');
    // (web-push returns the salt as base64url text, though its types say Buffer.)
    const std = (v: string | Buffer) =>
      (typeof v === 'string' ? Buffer.from(v, 'base64url') : v).toString('base64');
    const legacy = vapidHeaders(front.origin, vapid, 'aesgcm');
    const quoted = await fetch(
      sub.endpoint.replace(front.origin, `http://127.0.0.1:${ingress.port}`),
      {
        method: 'POST',
        headers: {
          TTL: '60',
          'Content-Encoding': 'aesgcm',
          Authorization: legacy.Authorization,
          Encryption: `keyid="p256dh";salt="${std(enc.salt)}"`,
          'Crypto-Key': `keyid="p256dh";dh="${std(enc.localPublicKey)}";${legacy['Crypto-Key']}`,
        },
        body: enc.cipherText,
      },
    );
    expect(quoted.status).toBe(201);
    await page.waitForReceived(text, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\nfirefox:\n${firefox?.output().slice(-3000)}`);
    });

    await firefox.stop();
    firefox = undefined;
    const stored = await sendWebPush(sub, 'stored while away', { vapid, TTL: 600 });
    expect(stored.status).toBe(201);

    writePrefs(profile, `ws://127.0.0.1:${gatewayB.port}/`);
    firefox = startFirefox(binary as string, profile, `${page.origin}/`);
    await page.waitForReceived('stored while away', 90_000).catch((err: Error) => {
      throw new Error(
        `${err.message}\nfirefox:\n${firefox?.output().slice(-3000)}\ngateway B:\n${gatewayB.output().slice(-3000)}`,
      );
    });
    // Gateway B delivered it: Firefox acked it there.
    const metrics = await (
      await fetch(`http://127.0.0.1:${gatewayB.ports.metrics}/metrics`)
    ).text();
    expect(metrics).toMatch(/herald_webpush_acks_total\{code="100"\} [1-9]/);
    expect(ingress.output()).toContain('ingress listening');
  });
});
