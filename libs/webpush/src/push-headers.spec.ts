import {
  headerParam,
  MAX_TTL_SECONDS,
  parsePayloadHeaders,
  parsePushHeaders,
  parseTopic,
  parseTtl,
  parseUrgency,
} from './push-headers';

describe('TTL', () => {
  it('is required', () => {
    for (const v of [undefined, '', '  ']) {
      expect(parseTtl(v)).toEqual({
        ok: false,
        error: { status: 400, errno: 111, message: 'missing TTL header' },
      });
    }
  });
  it.each(['-1', '1.5', 'abc', '1e3', '0x10', '+5'])('refuses %s', (v) => {
    const r = parseTtl(v);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ status: 400, errno: 111 });
  });
  it('accepts 0 and integers, capped at 30 days', () => {
    expect(parseTtl('0')).toEqual({ ok: true, value: 0 });
    expect(parseTtl(' 60 ')).toEqual({ ok: true, value: 60 });
    expect(parseTtl(String(MAX_TTL_SECONDS))).toEqual({ ok: true, value: 2_592_000 });
    expect(parseTtl(String(MAX_TTL_SECONDS + 1))).toEqual({ ok: true, value: MAX_TTL_SECONDS });
    expect(parseTtl('9'.repeat(40))).toEqual({ ok: true, value: MAX_TTL_SECONDS });
  });
});

describe('Topic', () => {
  it('is optional and at most 32 URL-safe base64 characters', () => {
    expect(parseTopic(undefined)).toEqual({ ok: true, value: null });
    expect(parseTopic('a'.repeat(32))).toEqual({ ok: true, value: 'a'.repeat(32) });
    expect(parseTopic('news-_09AZ')).toEqual({ ok: true, value: 'news-_09AZ' });
    for (const bad of ['', 'a'.repeat(33), 'with space', 'slash/', 'plus+', 'pad=']) {
      const r = parseTopic(bad);
      expect({ bad, ok: r.ok }).toEqual({ bad, ok: false });
      if (!r.ok) expect(r.error).toMatchObject({ status: 400, errno: 113 });
    }
  });
});

describe('Urgency', () => {
  it('defaults to normal and accepts the four RFC 8030 values', () => {
    expect(parseUrgency(undefined)).toEqual({ ok: true, value: 'normal' });
    for (const u of ['very-low', 'low', 'normal', 'high']) {
      expect(parseUrgency(u)).toEqual({ ok: true, value: u });
    }
    expect(parseUrgency('HIGH')).toEqual({ ok: true, value: 'high' });
  });
  it('refuses anything else', () => {
    for (const bad of ['', 'urgent', 'very low', 'medium']) {
      const r = parseUrgency(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ status: 400, errno: 114 });
    }
  });
});

describe('Content-Encoding and payload size', () => {
  it('needs no encoding without a body', () => {
    expect(parsePayloadHeaders({}, 0)).toEqual({ ok: true, value: null });
  });
  it('accepts aes128gcm with no extra headers', () => {
    expect(parsePayloadHeaders({ contentEncoding: 'aes128gcm' }, 100)).toEqual({
      ok: true,
      value: { encoding: 'aes128gcm' },
    });
  });
  it('accepts aesgcm only with Encryption salt= and Crypto-Key dh=', () => {
    const ok = parsePayloadHeaders(
      { contentEncoding: 'aesgcm', encryption: 'salt=abc', cryptoKey: 'dh=xyz;p256ecdsa=k' },
      10,
    );
    expect(ok).toEqual({
      ok: true,
      value: { encoding: 'aesgcm', encryption: 'salt=abc', crypto_key: 'dh=xyz;p256ecdsa=k' },
    });
    for (const h of [
      { contentEncoding: 'aesgcm', cryptoKey: 'dh=xyz' },
      { contentEncoding: 'aesgcm', encryption: 'salt=abc' },
      { contentEncoding: 'aesgcm', encryption: 'rs=4096', cryptoKey: 'dh=xyz' },
      { contentEncoding: 'aesgcm', encryption: 'salt=abc', cryptoKey: 'p256ecdsa=k' },
    ]) {
      const r = parsePayloadHeaders(h, 10);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ status: 400, errno: 101 });
    }
  });
  it('refuses a body with a missing or unknown encoding', () => {
    for (const contentEncoding of [undefined, 'gzip', 'aes128gcm2', '']) {
      const r = parsePayloadHeaders({ contentEncoding }, 10);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ status: 400, errno: 110 });
    }
  });
  it('accepts 5630 bytes (autopush) by default and refuses 5631 with 413 naming the limit', () => {
    expect(parsePayloadHeaders({ contentEncoding: 'aes128gcm' }, 5630).ok).toBe(true);
    expect(parsePayloadHeaders({ contentEncoding: 'aes128gcm' }, 5631)).toEqual({
      ok: false,
      error: { status: 413, errno: 104, message: 'payload larger than 5630 bytes' },
    });
  });
  it('takes another limit (UnifiedPush keeps 4096)', () => {
    expect(parsePayloadHeaders({ contentEncoding: 'aes128gcm' }, 4096, 4096).ok).toBe(true);
    expect(parsePayloadHeaders({ contentEncoding: 'aes128gcm' }, 4097, 4096)).toEqual({
      ok: false,
      error: { status: 413, errno: 104, message: 'payload larger than 4096 bytes' },
    });
  });
  it('delivers aesgcm parameters normalised, and refuses unusable ones with errno 110', () => {
    expect(
      parsePayloadHeaders(
        {
          contentEncoding: 'aesgcm',
          encryption: 'keyid="p256dh";salt="XZwpw6o37R-6qoZjw6KwAw=="',
          cryptoKey: 'keyid="p256dh";dh="BAbc=";p256ecdsa=KEY',
        },
        10,
      ),
    ).toEqual({
      ok: true,
      value: {
        encoding: 'aesgcm',
        encryption: 'keyid=p256dh;salt=XZwpw6o37R-6qoZjw6KwAw',
        crypto_key: 'keyid=p256dh;dh=BAbc;p256ecdsa=KEY',
      },
    });
    const r = parsePayloadHeaders(
      { contentEncoding: 'aesgcm', encryption: 'salt=a*b', cryptoKey: 'dh=xyz0' },
      10,
    );
    expect(r).toEqual({
      ok: false,
      error: { status: 400, errno: 110, message: 'Invalid salt value in Encryption header' },
    });
  });
});

describe('parsePushHeaders', () => {
  it('puts it all together', () => {
    expect(
      parsePushHeaders({ ttl: '30', topic: 't1', urgency: 'low', contentEncoding: 'aes128gcm' }, 5),
    ).toEqual({
      ok: true,
      value: { ttl: 30, topic: 't1', urgency: 'low', headers: { encoding: 'aes128gcm' } },
    });
  });
  it('reports the TTL error before the others', () => {
    const r = parsePushHeaders({ topic: 'bad topic', urgency: 'x' }, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.errno).toBe(111);
  });
});

describe('headerParam', () => {
  it('reads a named parameter from ; or , separated lists, case-insensitively', () => {
    expect(headerParam('dh=abc;p256ecdsa=def', 'p256ecdsa')).toBe('def');
    expect(headerParam('t=jwt.x.y, k=KEY', 'k')).toBe('KEY');
    expect(headerParam('Salt="quoted"', 'salt')).toBe('quoted');
    expect(headerParam('dh=', 'dh')).toBeNull();
    expect(headerParam(undefined, 'dh')).toBeNull();
  });
});
