import { parseClientFrame } from './client-frames';
import { CloseCode } from './close-codes';
import { newSession, step } from './session';

const limits = { clientPingMinIntervalMs: 60_000 };
const CHID = 'd9b74644-4f97-46aa-b8fa-9393985cd6cd';
const run = (s: ReturnType<typeof newSession>, text: string, now = 0) =>
  step(s, parseClientFrame(text), now, limits);

describe('the SimplePush session state machine', () => {
  it('requires hello first', () => {
    const s = newSession();
    expect(run(s, `{"messageType":"register","channelID":"${CHID}"}`)).toEqual({
      do: 'close',
      code: CloseCode.PROTOCOL_ERROR,
      reason: 'hello required first',
    });
    expect(run(newSession(), '{}')).toMatchObject({ do: 'close', reason: 'hello required first' });
  });

  it('chooses the mode from hello', () => {
    const sp = newSession();
    expect(run(sp, '{"messageType":"hello","uaid":""}')).toMatchObject({ do: 'hello' });
    expect(sp).toMatchObject({ helloDone: true, mode: 'simplepush' });
    const wp = newSession();
    run(wp, '{"messageType":"hello","use_webpush":true}');
    expect(wp.mode).toBe('webpush');
  });

  it('refuses a second hello with status 401 and a close', () => {
    const s = newSession();
    run(s, '{"messageType":"hello"}');
    expect(run(s, '{"messageType":"hello"}')).toEqual({
      do: 'close',
      code: CloseCode.PROTOCOL_ERROR,
      reason: 'duplicate hello',
      reply: '{"messageType":"hello","status":401,"reason":"duplicate hello"}',
    });
  });

  it('answers pings, and closes 4774 on a ping within the minimum interval', () => {
    const s = newSession();
    run(s, '{"messageType":"hello"}');
    expect(run(s, '{}', 1_000)).toEqual({ do: 'reply', frame: '{}' });
    expect(run(s, '{}', 61_000)).toEqual({ do: 'reply', frame: '{}' });
    expect(run(s, '{}', 62_000)).toEqual({ do: 'close', code: 4774, reason: 'pinging too often' });
  });

  it('answers 400 to a malformed channelID and keeps going', () => {
    const s = newSession();
    run(s, '{"messageType":"hello"}');
    const r = run(s, '{"messageType":"register","channelID":"NOT-A-UUID"}');
    expect(r).toEqual({
      do: 'reply',
      frame:
        '{"messageType":"register","channelID":"NOT-A-UUID","status":400,"reason":"channelID must be a lowercase dashed UUID"}',
    });
    expect(run(s, `{"messageType":"register","channelID":"${CHID}"}`)).toEqual({
      do: 'register',
      channelID: CHID,
      key: null,
    });
    expect(run(s, '{"messageType":"unregister","channelID":5}')).toMatchObject({ do: 'reply' });
  });

  it('keeps only valid SimplePush ack entries, canonicalised', () => {
    const s = newSession();
    run(s, '{"messageType":"hello"}');
    expect(
      run(
        s,
        `{"messageType":"ack","updates":[{"channelID":"${CHID}","version":"0012"},{"channelID":"${CHID}","version":"x"},{"channelID":"bad","version":1}]}`,
      ),
    ).toEqual({ do: 'ack', updates: [{ channelID: CHID, version: '12', code: null }] });
    expect(run(s, '{"messageType":"ack","updates":[]}')).toEqual({ do: 'nothing' });
  });
});
