import { parseVersion, versionFromClock } from '@herald/protocol';
import { versionOfUpdate } from './update-body';

/** The form reading without the `version=N` shortcut: what every body must still give. */
function byForm(text: string, query: Record<string, unknown>, nowMs: number): string | null {
  const given =
    new URLSearchParams(text).get('version') ??
    (typeof query.version === 'string' ? query.version : null);
  if (given === null || given === '') return versionFromClock(nowMs);
  return parseVersion(given);
}

describe('versionOfUpdate', () => {
  const now = 1_764_664_000_123;

  it('reads a plain version=N as the form does, and everything else through the form', () => {
    const bodies = [
      'version=0',
      'version=1',
      'version=42',
      'version=1764664000123456',
      'version=999999999999999',
      'version=9007199254740993',
      'version=9223372036854775807',
      'version=9223372036854775808',
      'version=007',
      'version=00',
      'version=-1',
      'version=1.5',
      'version=abc',
      'version= 12',
      'version=12 ',
      'version=%31%32',
      'version=',
      'version=1&version=2',
      'other=1&version=3',
      'version=1\n',
      'Version=1',
      '',
    ];
    for (const text of bodies) {
      for (const query of [{}, { version: '77' }]) {
        const body = text ? Buffer.from(text, 'latin1') : undefined;
        expect([text, versionOfUpdate(body, query, now)]).toEqual([text, byForm(text, query, now)]);
      }
    }
  });
});
