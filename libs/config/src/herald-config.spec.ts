import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './herald-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'herald-config-'));

describe('loadConfig', () => {
  it('fills defaults', () => {
    const c = loadConfig({ HERALD_DATA_DIR: dataDir() });
    expect(c).toMatchObject({
      GATEWAY_PORT: 8080,
      INGRESS_PORT: 8081,
      WORKER_PORT: 8082,
      PUBLIC_URL: 'http://localhost:8081',
    });
    expect(c.endpointSecret).toHaveLength(32);
  });

  it('keeps the generated development secret across restarts', () => {
    const dir = dataDir();
    const a = loadConfig({ HERALD_DATA_DIR: dir });
    const b = loadConfig({ HERALD_DATA_DIR: dir });
    expect(a.endpointSecret.equals(b.endpointSecret)).toBe(true);
    expect(readFileSync(join(dir, 'endpoint-secret'), 'utf8').trim()).toHaveLength(64);
  });

  it('derives PUBLIC_URL from the ingress port and trims a trailing slash', () => {
    expect(loadConfig({ HERALD_DATA_DIR: dataDir(), INGRESS_PORT: '9000' }).PUBLIC_URL).toBe(
      'http://localhost:9000',
    );
    expect(
      loadConfig({ HERALD_DATA_DIR: dataDir(), PUBLIC_URL: 'https://push.example.com/' })
        .PUBLIC_URL,
    ).toBe('https://push.example.com');
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ WAKEUP_ENABLED: 'maybe' })).toThrow(/WAKEUP_ENABLED/);
    expect(() => loadConfig({ NODE_ID: 'has space' })).toThrow(/NODE_ID/);
  });

  it('requires ENDPOINT_SECRET in production, of at least 32 bytes', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ENDPOINT_SECRET: required/);
    expect(() => loadConfig({ ENDPOINT_SECRET: 'abcd' })).toThrow(
      /ENDPOINT_SECRET: needs at least 32 bytes/,
    );
    expect(
      loadConfig({ NODE_ENV: 'production', ENDPOINT_SECRET: 'ab'.repeat(32) }).endpointSecret,
    ).toHaveLength(32);
  });

  it('polls Megaphone only with a URL and its token, every 100 ms to 1 h (default 30 s)', () => {
    const dir = dataDir();
    const off = loadConfig({ HERALD_DATA_DIR: dir });
    expect(off.MEGAPHONE_API_URL).toBeUndefined();
    expect(off.MEGAPHONE_POLL_INTERVAL_MS).toBe(30_000);
    const on = loadConfig({
      HERALD_DATA_DIR: dir,
      MEGAPHONE_API_URL: 'http://megaphone:8080/v1/broadcasts',
      MEGAPHONE_API_TOKEN: 'Bearer 0123abcd',
      MEGAPHONE_POLL_INTERVAL_MS: '1000',
    });
    expect(on).toMatchObject({
      MEGAPHONE_API_URL: 'http://megaphone:8080/v1/broadcasts',
      MEGAPHONE_API_TOKEN: 'Bearer 0123abcd',
      MEGAPHONE_POLL_INTERVAL_MS: 1000,
    });
    expect(() =>
      loadConfig({ HERALD_DATA_DIR: dir, MEGAPHONE_API_URL: 'http://megaphone/v1/broadcasts' }),
    ).toThrow(/MEGAPHONE_API_TOKEN: required/);
    expect(() =>
      loadConfig({ MEGAPHONE_API_URL: 'ftp://megaphone/', MEGAPHONE_API_TOKEN: 't' }),
    ).toThrow(/MEGAPHONE_API_URL/);
    expect(() => loadConfig({ MEGAPHONE_API_TOKEN: 'two\nlines' })).toThrow(/MEGAPHONE_API_TOKEN/);
    for (const bad of ['99', '3600001', 'often']) {
      expect(() => loadConfig({ MEGAPHONE_POLL_INTERVAL_MS: bad })).toThrow(
        /MEGAPHONE_POLL_INTERVAL_MS/,
      );
    }
  });

  it('treats empty strings as unset', () => {
    const c = loadConfig({ HERALD_DATA_DIR: dataDir(), GATEWAY_PORT: '', REDIS_URL: '' });
    expect(c.GATEWAY_PORT).toBe(8080);
    expect(c.REDIS_URL).toBeUndefined();
  });
});
