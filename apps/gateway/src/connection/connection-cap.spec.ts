import { connectionCap, openFilesLimit, RESERVED_DESCRIPTORS } from './connection-cap';

const limits = (soft: string, hard: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     `,
    'Max processes             95000                95000                processes ',
  ].join('\n');

describe('connection cap', () => {
  it('reads the soft open-files limit', () => {
    expect(openFilesLimit(limits('20000', '20000'))).toBe(20_000);
    expect(openFilesLimit(limits('1024', '1048576'))).toBe(1024);
  });

  it('knows nothing from an unlimited, missing or garbled line', () => {
    expect(openFilesLimit(limits('unlimited', 'unlimited'))).toBeNull();
    expect(openFilesLimit('Max processes 10 10 processes')).toBeNull();
    expect(openFilesLimit('')).toBeNull();
  });

  it('keeps MAX_CONNECTIONS when the descriptors allow it, else leaves the reserve free', () => {
    expect(connectionCap(10_000, 1_048_576)).toBe(10_000);
    expect(connectionCap(100_000, 20_000)).toBe(20_000 - RESERVED_DESCRIPTORS);
    expect(connectionCap(100_000, null)).toBe(100_000);
    expect(connectionCap(100_000, 100)).toBe(1);
  });
});
