import { compareVersions, MAX_VERSION, parseVersion, versionFromClock } from './version';

describe('versions', () => {
  it.each([
    ['0', '0'],
    ['23', '23'],
    [' 42 ', '42'],
    ['007', '7'],
    [MAX_VERSION.toString(), '9223372036854775807'],
    [17, '17'],
    ['999999999999999999', '999999999999999999'],
    ['000000000000000000', '0'],
    ['0000000000000000042', '42'],
    ['1000000000000000000', '1000000000000000000'],
  ])('parses %p as %p', (input, expected) => {
    expect(parseVersion(input)).toBe(expected);
  });

  it.each([
    '9223372036854775808',
    '-1',
    '1.5',
    '1e3',
    '',
    'abc',
    '0x10',
    '12345678901234567890',
    -3,
    1.5,
    2 ** 60,
    null,
    {},
  ])('rejects %p', (input) => {
    expect(parseVersion(input)).toBeNull();
  });

  it('compares as 64-bit integers, not as doubles or strings', () => {
    expect(compareVersions('9223372036854775807', '9223372036854775806')).toBeGreaterThan(0);
    expect(compareVersions('10', '9')).toBeGreaterThan(0);
    expect(compareVersions('9', '10')).toBeLessThan(0);
    expect(compareVersions('77', '77')).toBe(0);
  });

  it('uses UTC seconds for a missing version', () => {
    expect(versionFromClock(1_700_000_000_999)).toBe('1700000000');
  });
});
