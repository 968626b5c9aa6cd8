import { helloReply, notificationBatch, registerReply } from './server-frames';

describe('server frames', () => {
  it('write versions as bare JSON integers, digit for digit', () => {
    expect(
      notificationBatch([
        { channelID: 'a', version: '9223372036854775807' },
        { channelID: 'b', version: '0' },
      ]),
    ).toBe(
      '{"messageType":"notification","updates":[{"channelID":"a","version":9223372036854775807},{"channelID":"b","version":0}]}',
    );
  });

  it('write hello and register replies', () => {
    expect(JSON.parse(helloReply({ uaid: 'u', status: 200, useWebpush: true }))).toEqual({
      messageType: 'hello',
      uaid: 'u',
      status: 200,
      use_webpush: true,
    });
    expect(JSON.parse(registerReply('c', 200, 'http://x/update/t'))).toEqual({
      messageType: 'register',
      channelID: 'c',
      status: 200,
      pushEndpoint: 'http://x/update/t',
    });
  });
});
