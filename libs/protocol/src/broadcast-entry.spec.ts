import { broadcastEntryError } from './broadcast-entry';

describe('broadcastEntryError', () => {
  it('takes the ids autopush and Firefox use, with string versions', () => {
    expect(broadcastEntryError('remote-settings/monitor_changes', '"1700000000000"')).toBeNull();
    expect(broadcastEntryError('kinto:123', 'ver1')).toBeNull();
  });

  it('refuses the frame key `errors`, odd ids and non-string or empty versions', () => {
    expect(broadcastEntryError('errors', 'v1')).toMatch(/invalid broadcast id/);
    expect(broadcastEntryError('has space', 'v1')).toMatch(/invalid broadcast id/);
    expect(broadcastEntryError('', 'v1')).toMatch(/invalid broadcast id/);
    expect(broadcastEntryError('a'.repeat(129), 'v1')).toMatch(/invalid broadcast id/);
    expect(broadcastEntryError('a', 1)).toMatch(/non-empty string/);
    expect(broadcastEntryError('a', '')).toMatch(/non-empty string/);
    expect(broadcastEntryError('a', 'v'.repeat(201))).toMatch(/non-empty string/);
  });
});
