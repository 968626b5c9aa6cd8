import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVersionInfo } from './version-info';

describe('readVersionInfo (/__version__)', () => {
  const pkgVersion = (
    JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  it("an image's version.json wins", () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-version-'));
    const built = {
      source: 'https://example.org/herald',
      version: '9.9.9',
      commit: 'abc',
      build: 'ci-1',
    };
    writeFileSync(join(dir, 'version.json'), JSON.stringify(built));
    expect(readVersionInfo(dir)).toEqual(built);
  });

  it("without one (or with a broken one): package.json's version, no commit", () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-version-'));
    expect(readVersionInfo(dir)).toEqual({
      source: '',
      version: pkgVersion,
      commit: '',
      build: '',
    });
    writeFileSync(join(dir, 'version.json'), '{not json');
    expect(readVersionInfo(dir).version).toBe(pkgVersion);
  });
});
