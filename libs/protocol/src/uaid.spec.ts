import { newUaid, normalizeUaid, redactUaid } from './uaid';

describe('UAIDs', () => {
  it('are 32 lowercase hex characters', () => {
    const a = newUaid();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newUaid()).not.toBe(a);
  });

  it('accept a dashed or upper-case UUID as the same UAID', () => {
    expect(normalizeUaid('0D2E32F9-2E94-4107-9210-EA74DB19E0BA')).toBe(
      '0d2e32f92e9441079210ea74db19e0ba',
    );
    expect(normalizeUaid('0d2e32f92e9441079210ea74db19e0ba')).toBe(
      '0d2e32f92e9441079210ea74db19e0ba',
    );
  });

  it.each(['', 'xyz', 'g'.repeat(32), 'a'.repeat(31), 'a'.repeat(128), 42, null, undefined])(
    'reject %p',
    (v) => {
      expect(normalizeUaid(v)).toBeNull();
    },
  );

  it('are redacted in logs', () => {
    expect(redactUaid('0d2e32f92e9441079210ea74db19e0ba')).toBe('0d2e32f9…');
  });
});
