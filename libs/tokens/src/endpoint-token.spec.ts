import { createHash, randomBytes } from 'node:crypto';
import { EndpointTokenCodec } from './endpoint-token';

const codec = new EndpointTokenCodec(randomBytes(32));
const claims = {
  kind: 'simplepush' as const,
  uaid: '0d2e32f92e9441079210ea74db19e0ba',
  channelID: 'd9b74644-4f97-46aa-b8fa-9393985cd6cd',
};

describe('endpoint tokens', () => {
  it('round-trip and are URL-safe', () => {
    const t = codec.encode(claims);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(t)).toEqual(claims);
  });

  it('are stable for one channel (same endpoint on re-register) and differ across channels', () => {
    expect(codec.encode(claims)).toBe(codec.encode(claims));
    expect(codec.encode({ ...claims, channelID: 'd9b74644-4f97-46aa-b8fa-9393985cd6ce' })).not.toBe(
      codec.encode(claims),
    );
  });

  it('do not reveal the UAID', () => {
    const raw = Buffer.from(codec.encode(claims), 'base64url').toString('hex');
    expect(raw).not.toContain(claims.uaid);
  });

  it('bind a key hash for webpush-v2', () => {
    const keyHash = createHash('sha256').update('key').digest();
    const t = codec.encode({ ...claims, kind: 'webpush-v2', keyHash });
    expect(codec.decode(t)).toEqual({ ...claims, kind: 'webpush-v2', keyHash });
    expect(() => codec.encode({ ...claims, kind: 'webpush-v2' })).toThrow();
  });

  it('reject every single-character alteration, truncation, and another secret', () => {
    const t = codec.encode(claims);
    const raw = Buffer.from(t, 'base64url');
    let checked = 0;
    for (let i = 0; i < t.length; i++) {
      const altered = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      // The last character also carries unused padding bits: a change there may leave the bytes
      // as they were, which is the same token, not an alteration.
      if (Buffer.from(altered, 'base64url').equals(raw)) continue;
      checked++;
      expect(codec.decode(altered)).toBeNull();
    }
    expect(checked).toBeGreaterThanOrEqual(t.length - 1);
    expect(codec.decode(t.slice(0, -1))).toBeNull();
    expect(codec.decode(t + 'A')).toBeNull();
    expect(new EndpointTokenCodec(randomBytes(32)).decode(t)).toBeNull();
    expect(codec.decode('')).toBeNull();
    expect(codec.decode('../../etc/passwd')).toBeNull();
  });
});
