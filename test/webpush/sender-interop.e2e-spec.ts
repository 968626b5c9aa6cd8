import { importJWK, SignJWT } from 'jose';
import webpush from 'web-push';
import { ManagedRedis, freePort } from '@herald/managed-redis';
import { HeraldProcess, startHerald } from '../support/herald-process';
import { WebPushClient } from '../support/webpush-client';
import { newVapidKeys, sendWebPush, VapidKeys } from './support/app-server';
import { startTlsFront, TlsFront } from './support/tls-front';

/**
 * What Web Push senders other than the npm `web-push` library send, as autopush accepts it:
 * aesgcm headers quoted and padded (delivered normalised, as Firefox decodes them), VAPID JWTs
 * without `sub`, the `Bearer` scheme, and bodies up to autopush's 5630 bytes. One Herald process,
 * a private Redis, a test user agent that decrypts.
 */
describe('Web Push sender interop', () => {
  let redis: ManagedRedis;
  let herald: HeraldProcess;
  let front: TlsFront;
  let url: string;
  let ingress: string;
  const clients: WebPushClient[] = [];
  let vapid: VapidKeys;

  const subscribed = async (key?: string) => {
    const c = await WebPushClient.connect(url);
    clients.push(c);
    await c.helloWebPush();
    const sub = await c.subscribe(key);
    return { c, sub };
  };
  /** A raw request straight to the ingress (without TLS), from its own client address. */
  const rawPush = async (endpoint: string, headers: Record<string, string>, body?: Buffer) => {
    const octet = () => Math.floor(Math.random() * 250) + 1;
    const res = await fetch(endpoint.replace(front.origin, ingress), {
      method: 'POST',
      headers: { 'x-forwarded-for': `10.${octet()}.${octet()}.${octet()}`, ...headers },
      body,
    });
    const text = await res.text();
    return {
      status: res.status,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    };
  };
  /** A VAPID JWT with exactly the claims given, signed with `keys`. */
  const jwt = async (keys: VapidKeys, claims: Record<string, unknown>) => {
    const raw = Buffer.from(keys.publicKey, 'base64url');
    const key = await importJWK(
      {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33).toString('base64url'),
        d: keys.privateKey,
      },
      'ES256',
    );
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(key);
  };
  const exp = () => Math.floor(Date.now() / 1000) + 3600;
  /** Standard base64 with padding, as older sender libraries write salts and keys. */
  const std = (b64url: string | Buffer) =>
    (typeof b64url === 'string' ? Buffer.from(b64url, 'base64url') : b64url).toString('base64');
  const url64 = (b: string | Buffer) =>
    (typeof b === 'string' ? Buffer.from(b, 'base64url') : b).toString('base64url');

  beforeAll(async () => {
    redis = await ManagedRedis.start();
    const frontPort = await freePort();
    herald = await startHerald('all', {
      redisUrl: redis.url,
      env: { PUBLIC_URL: `https://localhost:${frontPort}`, CLIENT_PING_MIN_INTERVAL_MS: '0' },
    });
    front = await startTlsFront(frontPort, herald.ports.ingress);
    url = `ws://127.0.0.1:${herald.ports.gateway}/`;
    ingress = `http://127.0.0.1:${herald.ports.ingress}`;
  });
  beforeEach(() => {
    vapid = newVapidKeys();
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(async () => {
    await front?.close();
    await herald?.kill('SIGTERM');
    await redis?.stop();
  });

  describe('aesgcm headers', () => {
    it('delivers quoted, padded, standard-base64 parameters as unquoted, unpadded base64url', async () => {
      const { c, sub } = await subscribed();
      const enc = webpush.encrypt(sub.keys.p256dh, sub.keys.auth, 'quoted and padded', 'aesgcm');
      // Both values padded ("==" and "="), in standard base64, quoted, with keyid and rs.
      const salt = std(enc.salt);
      const dh = std(enc.localPublicKey);
      expect(salt.endsWith('==') && dh.endsWith('=')).toBe(true);
      const note = c.nextNotification();
      const r = await rawPush(
        sub.endpoint,
        {
          TTL: '60',
          'Content-Encoding': 'aesgcm',
          Encryption: `keyid="p256dh";salt="${salt}";rs="4096"`,
          'Crypto-Key': `keyid="p256dh";dh="${dh}"`,
        },
        enc.cipherText,
      );
      expect(r.status).toBe(201);
      const n = await note;
      expect(n.headers).toEqual({
        encoding: 'aesgcm',
        encryption: `keyid=p256dh;salt=${url64(enc.salt)};rs=4096`,
        crypto_key: `keyid=p256dh;dh=${url64(enc.localPublicKey)}`,
      });
      expect(c.decrypt(n)).toBe('quoted and padded');
    });

    it('keeps p256ecdsa next to dh, so the legacy WebPush VAPID scheme still verifies', async () => {
      const { c, sub } = await subscribed(vapid.publicKey);
      const enc = webpush.encrypt(sub.keys.p256dh, sub.keys.auth, 'with vapid', 'aesgcm');
      const legacy = webpush.getVapidHeaders(
        new URL(front.origin).origin,
        'mailto:ops@example.net',
        vapid.publicKey,
        vapid.privateKey,
        'aesgcm',
      ) as Record<string, string>;
      const note = c.nextNotification();
      const r = await rawPush(
        sub.endpoint,
        {
          TTL: '60',
          'Content-Encoding': 'aesgcm',
          Authorization: legacy.Authorization,
          Encryption: `salt="${std(enc.salt)}"`,
          'Crypto-Key': `dh="${std(enc.localPublicKey)}";${legacy['Crypto-Key']}`,
        },
        enc.cipherText,
      );
      expect(r.status).toBe(201);
      const n = await note;
      expect(n.headers?.crypto_key).toBe(
        `dh=${url64(enc.localPublicKey)};p256ecdsa=${vapid.publicKey}`,
      );
      expect(c.decrypt(n)).toBe('with vapid');
    });

    it('refuses parameters that cannot be normalised with 400 and errno 110', async () => {
      const { sub } = await subscribed();
      const dh = url64(Buffer.alloc(65, 4));
      const cases: Array<[string, string, string, RegExp]> = [
        ['salt not base64', 'salt="no*pe"', `dh=${dh}`, /salt/],
        ['salt of 4n+1 characters', 'salt=abcde', `dh=${dh}`, /salt/],
        ['dh not base64', 'salt=AAAAAAAAAAAAAAAAAAAAAA', 'dh="a b c"', /dh/],
        ['rs not a number', `salt=AAAAAAAAAAAAAAAAAAAAAA;rs=big`, `dh=${dh}`, /rs/],
      ];
      for (const [name, encryption, cryptoKey, mentions] of cases) {
        const r = await rawPush(
          sub.endpoint,
          {
            TTL: '60',
            'Content-Encoding': 'aesgcm',
            Encryption: encryption,
            'Crypto-Key': cryptoKey,
          },
          Buffer.alloc(32, 1),
        );
        expect({ name, status: r.status, errno: r.json?.errno }).toEqual({
          name,
          status: 400,
          errno: 110,
        });
        expect(r.json).toMatchObject({ code: 400, error: 'Bad Request' });
        expect(String(r.json?.message)).toMatch(mentions);
      }
    });
  });

  describe('VAPID', () => {
    const aud = () => new URL(front.origin).origin;

    it('accepts a JWT without sub, and still requires aud and exp', async () => {
      const { c, sub } = await subscribed(vapid.publicKey);
      const k = vapid.publicKey;
      const note = c.nextNotification();
      const noSub = await rawPush(sub.endpoint, {
        TTL: '60',
        Authorization: `vapid t=${await jwt(vapid, { aud: aud(), exp: exp() })}, k=${k}`,
      });
      expect(noSub.status).toBe(201);
      expect((await note).channelID).toBe(sub.channelID);
      for (const [name, claims] of [
        ['no aud', { exp: exp(), sub: 'mailto:ops@example.net' }],
        ['no exp', { aud: aud(), sub: 'mailto:ops@example.net' }],
        ['wrong aud', { aud: 'https://elsewhere.example', exp: exp() }],
      ] as const) {
        const r = await rawPush(sub.endpoint, {
          TTL: '60',
          Authorization: `vapid t=${await jwt(vapid, claims)}, k=${k}`,
        });
        expect({ name, status: r.status, errno: r.json?.errno }).toEqual({
          name,
          status: 401,
          errno: 109,
        });
      }
    });

    it('accepts the Bearer scheme (any case) with the key in Crypto-Key: p256ecdsa', async () => {
      const { c, sub } = await subscribed(vapid.publicKey);
      const token = await jwt(vapid, { aud: aud(), exp: exp(), sub: 'mailto:ops@example.net' });
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'WebPush', 'vapid']) {
        const note = c.nextNotification();
        const auth =
          scheme === 'vapid' ? `vapid t=${token}, k=${vapid.publicKey}` : `${scheme} ${token}`;
        const r = await rawPush(sub.endpoint, {
          TTL: '60',
          Authorization: auth,
          'Crypto-Key': `p256ecdsa=${vapid.publicKey}`,
        });
        expect({ scheme, status: r.status }).toEqual({ scheme, status: 201 });
        c.ackWebPush([await note]);
      }
      // Bearer without a key to verify with, or with another key than the subscription's: 401.
      const noKey = await rawPush(sub.endpoint, { TTL: '60', Authorization: `Bearer ${token}` });
      expect(noKey).toMatchObject({ status: 401, json: { errno: 109 } });
      const other = newVapidKeys();
      const otherToken = await jwt(other, { aud: aud(), exp: exp() });
      const wrongKey = await rawPush(sub.endpoint, {
        TTL: '60',
        Authorization: `Bearer ${otherToken}`,
        'Crypto-Key': `p256ecdsa=${other.publicKey}`,
      });
      expect(wrongKey).toMatchObject({ status: 401, json: { errno: 109 } });
    });
  });

  describe('body size', () => {
    it('accepts raw bodies up to 5630 bytes, as autopush, and names that limit in the 413', async () => {
      const { c, sub } = await subscribed();
      const h = { TTL: '0', 'Content-Encoding': 'aes128gcm' };
      // The body autopush's own test suite sends.
      expect((await rawPush(sub.endpoint, h, Buffer.alloc(5624, 1))).status).toBe(201);
      expect((await rawPush(sub.endpoint, h, Buffer.alloc(5630, 1))).status).toBe(201);
      const over = await rawPush(sub.endpoint, h, Buffer.alloc(5631, 1));
      expect(over).toMatchObject({
        status: 413,
        json: { code: 413, errno: 104, message: 'payload larger than 5630 bytes' },
      });
      // A full 4096-byte payload, encrypted by web-push (4216 bytes), reaches the client.
      const other = await c.subscribe();
      const note = c.nextNotification((n) => n.channelID === other.channelID);
      const full = 'x'.repeat(4096);
      expect((await sendWebPush(other, full, { vapid, TTL: 60 })).status).toBe(201);
      expect(c.decrypt(await note)).toBe(full);
    });
  });
});
