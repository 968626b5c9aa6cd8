import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyState, loadState, RegistrationStore, saveState } from './registration-store';

const app = (token: string, service = 'org.example.App', vapid: string | null = null) => ({
  service,
  token,
  description: 'an app',
  api: 1 as const,
  vapid,
});

describe('RegistrationStore', () => {
  it('keeps one channel per token: the same endpoint on every Register', () => {
    const s = new RegistrationStore();
    const first = s.register(app('t1'));
    expect(first.kind).toBe('register');
    if (first.kind === 'refused') throw new Error('refused');
    const chid = first.registration.channelID;
    expect(s.confirmed(chid, 'https://push.example/up/A')).toBe(true);
    const again = s.register(app('t1'));
    expect(again).toEqual({
      kind: 'known',
      registration: expect.objectContaining({
        channelID: chid,
        endpoint: 'https://push.example/up/A',
      }),
    });
    expect(s.confirmed(chid, 'https://push.example/up/A')).toBe(false);
  });

  it("refuses another app's token, and empty tokens or names", () => {
    const s = new RegistrationStore();
    s.register(app('t1'));
    expect(s.register(app('t1', 'org.example.Other')).kind).toBe('refused');
    expect(s.register(app('')).kind).toBe('refused');
    expect(s.register(app('t2', '')).kind).toBe('refused');
  });

  it('gives a new channel when the app changes its VAPID key (endpoints are bound to it)', () => {
    const s = new RegistrationStore();
    const a = s.register(app('t1', 'org.example.App', 'KEY1'));
    if (a.kind === 'refused') throw new Error('refused');
    const old = a.registration.channelID;
    s.confirmed(old, 'https://push.example/up/A');
    const b = s.register(app('t1', 'org.example.App', 'KEY2'));
    expect(b.kind).toBe('register');
    if (b.kind === 'refused') throw new Error('refused');
    expect(b.registration.channelID).not.toBe(old);
    expect(b.registration.endpoint).toBeNull();
    expect(s.pendingUnregisters()).toEqual([old]);
  });

  it('unregisters a token and remembers the channel until the server confirms', () => {
    const s = new RegistrationStore();
    const a = s.register(app('t1'));
    if (a.kind === 'refused') throw new Error('refused');
    expect(s.unregister('t1')?.token).toBe('t1');
    expect(s.byToken('t1')).toBeUndefined();
    expect(s.pendingUnregisters()).toEqual([a.registration.channelID]);
    s.unregistered(a.registration.channelID);
    expect(s.pendingUnregisters()).toEqual([]);
    expect(s.unregister('t1')).toBeUndefined();
  });

  it('re-registers everything on fresh channels when the server gives another UAID', () => {
    const s = new RegistrationStore();
    expect(s.helloAccepted('u1')).toBe(false);
    const a = s.register(app('t1'));
    if (a.kind === 'refused') throw new Error('refused');
    const chid = a.registration.channelID;
    s.confirmed(chid, 'https://push.example/up/A');
    expect(s.helloAccepted('u1')).toBe(false);
    expect(s.helloAccepted('u2')).toBe(true);
    const r = s.byToken('t1');
    expect(r?.endpoint).toBeNull();
    expect(r?.channelID).not.toBe(chid);
  });

  it('persists to a state file and reads it back; a missing file is an empty state', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'herald-dist-')), 'sub', 'state.json');
    expect(loadState(path)).toEqual(emptyState());
    const s = new RegistrationStore();
    s.helloAccepted('u1');
    s.register(app('t1'));
    saveState(path, s.snapshot());
    expect(loadState(path)).toEqual(s.snapshot());
    expect(JSON.parse(readFileSync(path, 'utf8')).uaid).toBe('u1');
  });
});
