import { RegistrationStore } from './registration-store';
import { ackFrame, backoffMs, registerFrame, routeNotification } from './routing';

describe('routing gateway frames', () => {
  const store = new RegistrationStore();
  const r = store.register({
    service: 'org.example.App',
    token: 't1',
    description: '',
    api: 1,
    vapid: null,
  });
  if (r.kind === 'refused') throw new Error('refused');
  const chid = r.registration.channelID;

  it('delivers the push body byte for byte to the app holding the channel', () => {
    const body = Buffer.from([0, 255, 10, 13, 0x80]);
    const a = routeNotification(store, {
      messageType: 'notification',
      channelID: chid,
      version: 'msg-1',
      data: body.toString('base64url'),
    });
    expect(a.do).toBe('deliver');
    if (a.do !== 'deliver') return;
    expect(a.body.equals(body)).toBe(true);
    expect(a.registration.token).toBe('t1');
    expect(a.ack).toBe('msg-1');
  });

  it('acks and drops messages of channels no app holds', () => {
    expect(
      routeNotification(store, { messageType: 'notification', channelID: 'gone', version: 'v' }),
    ).toEqual({ do: 'stray', channelID: 'gone', ack: 'v' });
    expect(routeNotification(store, { messageType: 'register' }).do).toBe('ignore');
  });

  it('acks with code 100 and registers with the UnifiedPush flag and the VAPID key', () => {
    expect(JSON.parse(ackFrame('c', 'v'))).toEqual({
      messageType: 'ack',
      updates: [{ channelID: 'c', version: 'v', code: 100 }],
    });
    expect(JSON.parse(registerFrame('c', 'KEY'))).toEqual({
      messageType: 'register',
      channelID: 'c',
      unifiedpush: true,
      key: 'KEY',
    });
  });

  it('backs off exponentially up to 30 s, with jitter', () => {
    expect(backoffMs(0, 0)).toBe(250);
    expect(backoffMs(0, 1)).toBe(500);
    expect(backoffMs(20, 1)).toBe(30_000);
    expect(backoffMs(3, 0.5)).toBe(3000);
  });
});
