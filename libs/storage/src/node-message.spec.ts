import { encodeNodeMessage, notifyTemplate } from './node-message';

describe('notifyTemplate', () => {
  it('is the encoded notify message cut around its epoch', () => {
    const cases = [
      [
        '0123456789abcdef0123456789abcdef',
        '11111111-1111-4111-8111-111111111111',
        '42',
        1764664000123,
      ],
      ['u', 'a "quoted" \\ channel\n', '9223372036854775807', 0],
      ['ü\u2028', '', '', 1.5],
    ] as const;
    for (const [uaid, channelID, version, ts] of cases) {
      const [head, tail] = notifyTemplate(uaid, { channelID, version }, ts);
      for (const epoch of ['1', '123456789']) {
        expect(head + epoch + tail).toBe(
          encodeNodeMessage({ t: 'notify', uaid, epoch, update: { channelID, version }, ts }),
        );
      }
    }
  });
});
