import { parseUnifiedPush } from './push-request';

const DEFAULT_TTL = 3600;

describe('parseUnifiedPush (UnifiedPush SERV_1.2.0)', () => {
  it('takes a plain body with no headers at all, with the default TTL', () => {
    expect(parseUnifiedPush({}, 1, DEFAULT_TTL)).toEqual({
      ok: true,
      value: { ttl: DEFAULT_TTL, topic: null, urgency: 'normal', headers: null },
    });
  });

  it('takes 4096 bytes and refuses 4097 with 413', () => {
    expect(parseUnifiedPush({}, 4096, DEFAULT_TTL).ok).toBe(true);
    const r = parseUnifiedPush({}, 4097, DEFAULT_TTL);
    expect(r.ok || r.error.status).toBe(413);
  });

  it('refuses an empty body: 400 on /up, 413 where the seed did', () => {
    const up = parseUnifiedPush({}, 0, DEFAULT_TTL);
    expect(up.ok || up.error.status).toBe(400);
    const seed = parseUnifiedPush({}, 0, DEFAULT_TTL, 413);
    expect(seed.ok || seed.error.status).toBe(413);
  });

  it('honours Web Push headers when present: TTL, Topic, Urgency, aes128gcm', () => {
    expect(
      parseUnifiedPush(
        { ttl: '60', topic: 'news', urgency: 'high', contentEncoding: 'aes128gcm' },
        100,
        DEFAULT_TTL,
      ),
    ).toEqual({
      ok: true,
      value: { ttl: 60, topic: 'news', urgency: 'high', headers: { encoding: 'aes128gcm' } },
    });
  });

  it('refuses malformed Web Push headers with 400', () => {
    for (const h of [
      { ttl: 'soon' },
      { topic: 'not a topic!' },
      { urgency: 'urgent' },
      { contentEncoding: 'aesgcm' }, // without Encryption / Crypto-Key
    ]) {
      const r = parseUnifiedPush(h, 10, DEFAULT_TTL);
      expect(r.ok || r.error.status).toBe(400);
    }
  });

  it('passes other content encodings through as opaque bytes', () => {
    const r = parseUnifiedPush({ contentEncoding: 'gzip' }, 10, DEFAULT_TTL);
    expect(r.ok && r.value.headers).toBeNull();
  });
});
