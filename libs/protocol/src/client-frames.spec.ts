import { parseClientFrame } from './client-frames';
import { CloseCode } from './close-codes';

const CHID = 'd9b74644-4f97-46aa-b8fa-9393985cd6cd';

describe('parseClientFrame', () => {
  it('reads a SimplePush hello with channel list and wake-up address', () => {
    expect(
      parseClientFrame(
        JSON.stringify({
          messageType: 'hello',
          uaid: '0D2E32F9-2E94-4107-9210-EA74DB19E0BA',
          channelIDs: [CHID, 'bogus'],
          wakeup_hostport: { ip: '10.0.0.1', port: 5000 },
          mobilenetwork: { mcc: '214', mnc: '07' },
        }),
      ),
    ).toEqual({
      type: 'hello',
      uaid: '0d2e32f92e9441079210ea74db19e0ba',
      channelIDs: [CHID],
      useWebpush: false,
      broadcasts: null,
      wakeup: { ip: '10.0.0.1', port: 5000, mobilenetwork: { mcc: '214', mnc: '07' } },
    });
  });

  it('reads a Firefox Web Push hello (no channelIDs, broadcasts, use_webpush)', () => {
    expect(
      parseClientFrame(
        '{"messageType":"hello","broadcasts":{"remote-settings/monitor_changes":"v1"},"use_webpush":true}',
      ),
    ).toMatchObject({
      type: 'hello',
      uaid: null,
      channelIDs: null,
      useWebpush: true,
      broadcasts: { 'remote-settings/monitor_changes': 'v1' },
    });
  });

  it('keeps every digit of big numeric versions in acks', () => {
    expect(
      parseClientFrame(
        `{"messageType":"ack","updates":[{"channelID":"${CHID}","version":9223372036854775807},{"bad":1}]}`,
      ),
    ).toEqual({
      type: 'ack',
      updates: [{ channelID: CHID, version: '9223372036854775807', code: null }],
    });
  });

  it('reads web push ack codes and nacks', () => {
    expect(
      parseClientFrame(
        `{"messageType":"ack","updates":[{"channelID":"${CHID}","version":"abc","code":100}]}`,
      ),
    ).toEqual({
      type: 'ack',
      updates: [{ channelID: CHID, version: 'abc', code: 100 }],
    });
    expect(parseClientFrame('{"messageType":"nack","version":"abc","code":301}')).toEqual({
      type: 'nack',
      version: 'abc',
      code: 301,
    });
  });

  it('treats {} and messageType ping as a ping', () => {
    expect(parseClientFrame('{}')).toEqual({ type: 'ping' });
    expect(parseClientFrame(' { } ')).toEqual({ type: 'ping' });
    expect(parseClientFrame('{"messageType":"ping"}')).toEqual({ type: 'ping' });
  });

  it.each([
    ['{', 'malformed JSON'],
    ['[]', 'frame must be a JSON object'],
    ['"hello"', 'frame must be a JSON object'],
    ['null', 'frame must be a JSON object'],
    ['{"uaid":""}', 'missing messageType'],
    ['{"messageType":"launch"}', 'unknown messageType "launch"'],
  ])('turns %p into a protocol error', (text, reason) => {
    expect(parseClientFrame(text)).toEqual({
      type: 'error',
      code: CloseCode.PROTOCOL_ERROR,
      reason,
    });
  });

  it('ignores a wake-up address with a bad port', () => {
    const f = parseClientFrame(
      '{"messageType":"hello","wakeup_hostport":{"ip":"10.0.0.1","port":70000}}',
    );
    expect(f).toMatchObject({ type: 'hello', wakeup: null });
  });
});
