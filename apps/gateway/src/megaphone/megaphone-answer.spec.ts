import { parseMegaphoneAnswer } from './megaphone-answer';

describe('parseMegaphoneAnswer', () => {
  it("reads Megaphone's broadcasts and ignores its other fields", () => {
    expect(
      parseMegaphoneAnswer(
        '{"code":200,"broadcasts":{"remote-settings/monitor_changes":"\\"1700000000000\\"","kinto:123":"ver1"}}',
      ),
    ).toEqual({ 'remote-settings/monitor_changes': '"1700000000000"', 'kinto:123': 'ver1' });
    expect(parseMegaphoneAnswer('{"broadcasts":{}}')).toEqual({});
  });

  it('refuses anything else, whole', () => {
    expect(parseMegaphoneAnswer('<html>502 Bad Gateway</html>')).toBe('not JSON');
    expect(parseMegaphoneAnswer('')).toBe('not JSON');
    expect(parseMegaphoneAnswer('null')).toBe('no "broadcasts" object');
    expect(parseMegaphoneAnswer('{"code":200}')).toBe('no "broadcasts" object');
    expect(parseMegaphoneAnswer('{"broadcasts":["a"]}')).toBe('no "broadcasts" object');
    // autopush's serde refuses a number where a version string is due: so do we.
    expect(parseMegaphoneAnswer('{"broadcasts":{"a":"v1","b":2}}')).toMatch(/version of "b"/);
    expect(parseMegaphoneAnswer('{"broadcasts":{"errors":"v1"}}')).toMatch(/invalid broadcast id/);
  });
});
