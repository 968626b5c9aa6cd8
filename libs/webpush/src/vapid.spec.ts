import { SignJWT, importJWK } from 'jose';
import webpush from 'web-push';
import { decodeApplicationServerKey } from './application-server-key';
import { parseVapidAuthorization, verifyVapid, VapidCredentials } from './vapid';

const AUD = 'https://push.example.net';
const NOW = Date.UTC(2025, 0, 1);

function keyPair() {
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  const raw = Buffer.from(publicKey, 'base64url');
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: raw.subarray(1, 33).toString('base64url'),
    y: raw.subarray(33).toString('base64url'),
    d: privateKey,
  };
  return { publicKey, privateKey, jwk };
}

async function sign(
  jwk: Record<string, string>,
  claims: Record<string, unknown>,
  alg = 'ES256',
): Promise<string> {
  const key = await importJWK(jwk, alg);
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);
}

const nowS = NOW / 1000;
const good = { aud: AUD, exp: nowS + 3600, sub: 'mailto:ops@example.net' };

describe('VAPID verification', () => {
  const a = keyPair();
  const b = keyPair();
  const creds = (jwt: string, key = a.publicKey): VapidCredentials => ({
    scheme: 'vapid',
    jwt,
    key,
  });

  it('accepts a valid token and returns the raw key', async () => {
    const r = await verifyVapid(creds(await sign(a.jwk, good)), { audience: AUD, nowMs: NOW });
    expect(r).toEqual({
      ok: true,
      publicKey: Buffer.from(a.publicKey, 'base64url'),
      subject: 'mailto:ops@example.net',
    });
  });

  it('accepts the headers web-push makes, in both the vapid and legacy WebPush schemes', async () => {
    for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
      const h = webpush.getVapidHeaders(
        AUD,
        'https://example.net/contact',
        a.publicKey,
        a.privateKey,
        encoding,
      );
      const parsed = parseVapidAuthorization(h.Authorization, h['Crypto-Key']);
      expect(parsed).toMatchObject({ scheme: encoding === 'aes128gcm' ? 'vapid' : 'webpush' });
      const r = await verifyVapid(parsed as VapidCredentials, { audience: AUD });
      expect(r.ok).toBe(true);
    }
  });

  it.each([
    ['expired', { ...good, exp: nowS - 1 }, 'expired'],
    ['exp more than 24 h ahead', { ...good, exp: nowS + 24 * 3600 + 60 }, 'exp_too_far'],
    ['wrong aud', { ...good, aud: 'https://other.example.net' }, 'wrong_aud'],
    ['no exp', { aud: AUD, sub: good.sub }, 'missing_claim'],
    ['no aud', { exp: good.exp, sub: good.sub }, 'missing_claim'],
    ['a sub that is not mailto: or https:', { ...good, sub: 'ops@example.net' }, 'bad_sub'],
  ])('refuses %s', async (_name, claims, reason) => {
    const r = await verifyVapid(creds(await sign(a.jwk, claims)), { audience: AUD, nowMs: NOW });
    expect(r).toEqual({ ok: false, reason });
  });

  it('accepts a token without sub (RFC 8292 §2.1: it MAY be present)', async () => {
    const jwt = await sign(a.jwk, { aud: AUD, exp: good.exp });
    expect(await verifyVapid(creds(jwt), { audience: AUD, nowMs: NOW })).toEqual({
      ok: true,
      publicKey: Buffer.from(a.publicKey, 'base64url'),
      subject: null,
    });
  });

  it('accepts exp exactly 24 h ahead', async () => {
    const jwt = await sign(a.jwk, { ...good, exp: nowS + 24 * 3600 });
    expect((await verifyVapid(creds(jwt), { audience: AUD, nowMs: NOW })).ok).toBe(true);
  });

  it('refuses a token signed by another key than the one named', async () => {
    const jwt = await sign(b.jwk, good);
    expect(await verifyVapid(creds(jwt, a.publicKey), { audience: AUD, nowMs: NOW })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a tampered signature or payload', async () => {
    const jwt = await sign(a.jwk, good);
    const [h, p, s] = jwt.split('.');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    expect(await verifyVapid(creds(`${h}.${p}.${flipped}`), { audience: AUD, nowMs: NOW })).toEqual(
      { ok: false, reason: 'bad_signature' },
    );
    const other = Buffer.from(JSON.stringify({ ...good, sub: 'mailto:evil@x' })).toString(
      'base64url',
    );
    expect(await verifyVapid(creds(`${h}.${other}.${s}`), { audience: AUD, nowMs: NOW })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses another algorithm, a bad key and garbage', async () => {
    const hs = await new SignJWT(good)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32));
    expect(await verifyVapid(creds(hs), { audience: AUD, nowMs: NOW })).toEqual({
      ok: false,
      reason: 'bad_alg',
    });
    const jwt = await sign(a.jwk, good);
    expect(await verifyVapid(creds(jwt, 'AAAA'), { audience: AUD, nowMs: NOW })).toEqual({
      ok: false,
      reason: 'bad_key',
    });
    expect(await verifyVapid(creds('not.a.jwt'), { audience: AUD, nowMs: NOW })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('parseVapidAuthorization', () => {
  it('reads both schemes and tells absent from malformed', () => {
    expect(parseVapidAuthorization('vapid t=a.b.c, k=KEY', undefined)).toEqual({
      scheme: 'vapid',
      jwt: 'a.b.c',
      key: 'KEY',
    });
    expect(parseVapidAuthorization('WebPush a.b.c', 'dh=x;p256ecdsa=KEY')).toEqual({
      scheme: 'webpush',
      jwt: 'a.b.c',
      key: 'KEY',
    });
    expect(parseVapidAuthorization(undefined, undefined)).toBeNull();
    expect(parseVapidAuthorization('vapid t=a.b.c', undefined)).toBe('malformed');
    expect(parseVapidAuthorization('WebPush a.b.c', 'dh=x')).toBe('malformed');
    expect(parseVapidAuthorization('Bearer xyz', undefined)).toBe('malformed');
    expect(parseVapidAuthorization('Basic xyz', 'p256ecdsa=KEY')).toBe('malformed');
  });
  it('reads the Bearer scheme as autopush does, in any case, with the key in Crypto-Key', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(parseVapidAuthorization(`${scheme} a.b.c`, 'dh=x;p256ecdsa="KEY"')).toEqual({
        scheme: 'bearer',
        jwt: 'a.b.c',
        key: 'KEY',
      });
    }
    expect(parseVapidAuthorization('VAPID t=a.b.c, k=KEY', undefined)).toMatchObject({
      scheme: 'vapid',
    });
  });
});

describe('application server keys', () => {
  it('accepts a P-256 point in base64url with or without padding', () => {
    // Standard base64 differs from base64url only where '+' or '/' appear: draw a key that has one,
    // or the "refused" case below would be the same string as an accepted one (~6 % of keys).
    let publicKey = keyPair().publicKey;
    while (!/[+/]/.test(Buffer.from(publicKey, 'base64url').toString('base64')))
      publicKey = keyPair().publicKey;
    const raw = decodeApplicationServerKey(publicKey);
    expect(raw?.length).toBe(65);
    expect(decodeApplicationServerKey(`${publicKey}=`)).toEqual(raw);
    expect(decodeApplicationServerKey(Buffer.from(publicKey, 'base64url').toString('base64'))).toBe(
      null,
    );
  });
  it('refuses wrong lengths, compressed points and points off the curve', () => {
    const { publicKey } = keyPair();
    const raw = Buffer.from(publicKey, 'base64url');
    const compressed = Buffer.concat([Buffer.of(0x02), raw.subarray(1, 33)]);
    const offCurve = Buffer.from(raw);
    offCurve[64] ^= 1;
    const wrongPrefix = Buffer.from(raw);
    wrongPrefix[0] = 0x05;
    for (const bad of [compressed, offCurve, wrongPrefix, raw.subarray(0, 64)]) {
      expect(decodeApplicationServerKey(bad.toString('base64url'))).toBeNull();
    }
    expect(decodeApplicationServerKey('')).toBeNull();
    expect(decodeApplicationServerKey('!!!')).toBeNull();
    expect(decodeApplicationServerKey(null)).toBeNull();
  });
});
