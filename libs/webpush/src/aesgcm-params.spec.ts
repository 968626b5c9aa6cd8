import { normaliseAesgcmParams, toBase64url } from './aesgcm-params';

describe('aesgcm parameters as Firefox decodes them', () => {
  it('strips quotes and padding, and turns standard base64 into base64url', () => {
    expect(
      normaliseAesgcmParams(
        'keyid="p256dh";salt="XZwpw6o37R+6qoZjw6Kw/w=="',
        'keyid="p256dh";dh="BAbc/+de=="',
      ),
    ).toEqual({
      ok: true,
      encryption: 'keyid=p256dh;salt=XZwpw6o37R-6qoZjw6Kw_w',
      cryptoKey: 'keyid=p256dh;dh=BAbc_-de',
    });
  });

  it('leaves what is already clean unchanged, and keeps p256ecdsa and the order', () => {
    const r = normaliseAesgcmParams('salt=abc_-Q;rs=4096', 'dh=xyz0;p256ecdsa=KEY_-1');
    expect(r).toEqual({
      ok: true,
      encryption: 'salt=abc_-Q;rs=4096',
      cryptoKey: 'dh=xyz0;p256ecdsa=KEY_-1',
    });
  });

  it('lowercases parameter names, trims, drops empty parameters, keeps entries', () => {
    expect(
      normaliseAesgcmParams(' Salt = "abcd" ; ; RS="010"', 'keyid=a;DH=abcd, keyid=b;dh=efgh'),
    ).toEqual({
      ok: true,
      encryption: 'salt=abcd;rs=10',
      cryptoKey: 'keyid=a;dh=abcd,keyid=b;dh=efgh',
    });
  });

  it('does not refuse a p256ecdsa it cannot normalise (the VAPID gate judges it)', () => {
    expect(normaliseAesgcmParams('salt=abcd', 'dh=abcd;p256ecdsa="not a key"')).toEqual({
      ok: true,
      encryption: 'salt=abcd',
      cryptoKey: 'dh=abcd;p256ecdsa=not a key',
    });
  });

  it.each([
    [
      'salt with other characters',
      'salt=ab*cd',
      'dh=abcd',
      'Invalid salt value in Encryption header',
    ],
    ['salt of 4n+1 characters', 'salt=abcde', 'dh=abcd', 'Invalid salt value in Encryption header'],
    ['empty quoted salt', 'salt=""', 'dh=abcd', 'Invalid salt value in Encryption header'],
    ['dh with spaces', 'salt=abcd', 'dh="ab cd"', 'Invalid dh value in Crypto-Key header'],
    ['rs not a number', 'salt=abcd;rs=x', 'dh=abcd', 'Invalid rs value in Encryption header'],
    ['rs of 0', 'salt=abcd;rs=0', 'dh=abcd', 'Invalid rs value in Encryption header'],
    [
      'rs above 2^36-31',
      'salt=abcd;rs=68719476706',
      'dh=abcd',
      'Invalid rs value in Encryption header',
    ],
    [
      'a parameter without =',
      'salt=abcd;junk',
      'dh=abcd',
      'a parameter without a value in Encryption',
    ],
  ])('refuses %s', (_name, encryption, cryptoKey, message) => {
    expect(normaliseAesgcmParams(encryption, cryptoKey)).toEqual({ ok: false, message });
  });

  it('reads base64 in either alphabet, padded or not', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x01]);
    const expected = bytes.toString('base64url');
    expect(toBase64url(bytes.toString('base64'))).toBe(expected);
    expect(toBase64url(bytes.toString('base64url'))).toBe(expected);
    expect(toBase64url(`${expected}=`)).toBe(expected);
    expect(toBase64url('')).toBeNull();
    expect(toBase64url('a=b')).toBeNull();
  });
});
