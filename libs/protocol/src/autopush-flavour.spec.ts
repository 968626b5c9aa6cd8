import { parseClientFrame } from './client-frames';
import { registerFailure } from './server-frames';
import { newSession, step } from './session';

const limits = { clientPingMinIntervalMs: 60_000 };
const run = (s: ReturnType<typeof newSession>, text: string) =>
  step(s, parseClientFrame(text), 0, limits);

describe('the autopush flavour (/autopush)', () => {
  it('is Web Push whatever the hello says', () => {
    for (const hello of [
      '{"messageType":"hello","uaid":null}',
      '{"messageType":"hello"}',
      '{"messageType":"hello","use_webpush":false,"channelIDs":[]}',
    ]) {
      const s = newSession(true);
      expect(run(s, hello)).toMatchObject({ do: 'hello' });
      expect(s.mode).toBe('webpush');
    }
    const root = newSession();
    run(root, '{"messageType":"hello","uaid":null}');
    expect(root.mode).toBe('simplepush');
  });

  it('answers a malformed channelID with a pushEndpoint in Web Push only', () => {
    const wp = newSession(true);
    run(wp, '{"messageType":"hello"}');
    expect(run(wp, '{"messageType":"register","channelID":"x","key":"k"}')).toEqual({
      do: 'reply',
      frame: registerFailure('webpush', 'x', 400, 'channelID must be a lowercase dashed UUID'),
    });
    expect(JSON.parse(registerFailure('webpush', 'x', 500, 'internal error'))).toEqual({
      messageType: 'register',
      channelID: 'x',
      status: 500,
      pushEndpoint: '',
      reason: 'internal error',
    });
    expect(JSON.parse(registerFailure('simplepush', 'x', 409, 'taken'))).toEqual({
      messageType: 'register',
      channelID: 'x',
      status: 409,
      reason: 'taken',
    });
  });
});
